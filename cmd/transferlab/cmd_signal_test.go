package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"transferlab/metrics"
	"transferlab/model"
	"transferlab/train"
)

// The tests below run the real binary (this test binary, re-executed as
// transferlab) and send it real signals.
func TestMain(m *testing.M) {
	// The CNN in its standard layout, as in train's tests: no per-machine
	// measurement in every child process, no write to the user's cache.
	if os.Getenv(train.ChannelsLastEnv) == "" {
		os.Setenv(train.ChannelsLastEnv, "off")
	}
	if os.Getenv("TRANSFERLAB_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// cli is a transferlab process whose output lines the test can wait for.
type cli struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	next  chan string
	done  chan struct{}
	err   error // Wait's, once done is closed
}

func startCLI(t *testing.T, args ...string) *cli {
	t.Helper()
	c := &cli{cmd: exec.Command(os.Args[0], args...), next: make(chan string, 1024), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), "TRANSFERLAB_TEST_AS_MAIN=1")
	pr, pw := io.Pipe()
	c.cmd.Stdout, c.cmd.Stderr = pw, pw
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			c.mu.Unlock()
			select {
			case c.next <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		c.err = c.cmd.Wait()
		pw.Close()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// waitFor returns once a line matches re, or false when the process ends
// first or three minutes pass (a guard against a hang, not a timing: on a
// loaded 2-CPU machine an epoch of these tests has taken 20 s).
func (c *cli) waitFor(re *regexp.Regexp) bool {
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case l := <-c.next:
			if re.MatchString(l) {
				return true
			}
		case <-c.done:
			for {
				select {
				case l := <-c.next:
					if re.MatchString(l) {
						return true
					}
				default:
					return false
				}
			}
		case <-timeout:
			return false
		}
	}
}

// wait waits for the process and returns its exit code, or -1 with the
// signal that ended it.
func (c *cli) wait(t *testing.T) (int, syscall.Signal) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(6 * time.Minute): // a hang guard, as in waitFor
		t.Fatalf("transferlab did not end; its output:\n%s", c.output())
	}
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return -1, ws.Signal()
	}
	return ws.ExitStatus(), 0
}

func (c *cli) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// randomIDXFolder is an IDX dataset of n random 28x28 images, labels i%10,
// as both its train and test split.
func randomIDXFolder(t *testing.T, n int) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(int64(n)))
	pixels := make([]byte, n*28*28)
	rng.Read(pixels)
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	for _, split := range []string{"train", "t10k"} {
		writeIDX(t, filepath.Join(dir, split+"-images-idx3-ubyte.gz"), []uint32{uint32(n), 28, 28}, pixels)
		writeIDX(t, filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), []uint32{uint32(n)}, labels)
	}
	return dir
}

func finetuneArgs(idx, results string, perClass, epochs, batch int) []string {
	return []string{"finetune", "--from", "none", "--layers", "all", "--target", "idx:" + idx,
		"--per-class", fmt.Sprint(perClass), "--epochs", fmt.Sprint(epochs), "--batch-size", fmt.Sprint(batch),
		"--results-dir", results, "--pretrained-dir", filepath.Join(results, "pretrained"), "--threads", "1", "--name", "run"}
}

func readRunFile(t *testing.T, dir string) *metrics.Run {
	t.Helper()
	r, err := metrics.ReadRun(filepath.Join(dir, metrics.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readResumeJSON(t *testing.T, dir string) (epoch int, file, sum string, ok bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "resume.json"))
	if os.IsNotExist(err) {
		return 0, "", "", false
	}
	var rp struct {
		Epoch  int    `json:"epoch"`
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	if err == nil {
		err = json.Unmarshal(b, &rp)
	}
	if err != nil {
		t.Fatalf("resume.json is damaged: %v", err)
	}
	return rp.Epoch, rp.File, rp.SHA256, true
}

// SIGTERM (what a scheduler or `kill` sends; Ctrl-C's SIGINT takes the
// same path) during training: the process finishes the batch, keeps the
// last finished epoch, exits 1 saying how to resume; --resume then ends
// with the history and numbers of an uninterrupted run of the same seed.
func TestTerminateThenResumeMatchesAnUninterruptedRun(t *testing.T) {
	idx := randomIDXFolder(t, 200)
	const epochs = 8
	results := t.TempDir()
	args := finetuneArgs(idx, results, 20, epochs, 16)
	runDir := filepath.Join(results, "run")

	c := startCLI(t, args...)
	if !c.waitFor(regexp.MustCompile(`^epoch 2/8  train`)) {
		t.Fatalf("no second epoch; output:\n%s", c.output())
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	code, sig := c.wait(t)
	out := c.output()
	if code != 1 || sig != 0 {
		t.Fatalf("interrupted run: exit %d (signal %v), want 1; output:\n%s", code, sig, out)
	}
	for _, want := range []string{"press Ctrl-C again", "--resume to continue"} {
		if !strings.Contains(out, want) {
			t.Errorf("the interrupted run's output lacks %q:\n%s", want, out)
		}
	}
	saved, _, _, ok := readResumeJSON(t, runDir)
	if !ok || saved < 2 || saved >= epochs {
		t.Fatalf("resume.json records epoch %d (present %v), want 2..%d", saved, ok, epochs-1)
	}
	if r := readRunFile(t, runDir); r.Status != "interrupted" || len(r.History) != saved {
		t.Errorf("metrics.json after the interrupt: status %q, %d epochs; want interrupted, %d", r.Status, len(r.History), saved)
	}

	c = startCLI(t, append(args, "--resume")...)
	if code, sig := c.wait(t); code != 0 {
		t.Fatalf("--resume: exit %d (signal %v); output:\n%s", code, sig, c.output())
	}
	if !strings.Contains(c.output(), fmt.Sprintf("resuming after epoch %d of %d", saved, epochs)) {
		t.Errorf("--resume did not say where it resumed:\n%s", c.output())
	}
	resumed := readRunFile(t, runDir)

	straight := t.TempDir()
	c = startCLI(t, finetuneArgs(idx, straight, 20, epochs, 16)...)
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("uninterrupted run: exit %d; output:\n%s", code, c.output())
	}
	want := readRunFile(t, filepath.Join(straight, "run"))

	if len(resumed.History) != epochs {
		t.Fatalf("resumed history has %d epochs, want %d", len(resumed.History), epochs)
	}
	for i, e := range resumed.History {
		w := want.History[i]
		if e.Epoch != i+1 {
			t.Errorf("history entry %d is epoch %d: a gap or a duplicate", i, e.Epoch)
		}
		if e.TrainLoss != w.TrainLoss || e.TrainAcc != w.TrainAcc || e.ValLoss != w.ValLoss || e.ValAcc != w.ValAcc {
			t.Errorf("epoch %d: resumed %+v, uninterrupted %+v", i+1, e, w)
		}
	}
	if resumed.Final.Test.Loss != want.Final.Test.Loss || resumed.Final.Test.Accuracy != want.Final.Test.Accuracy {
		t.Errorf("test: resumed %.6f/%.2f%%, uninterrupted %.6f/%.2f%%", resumed.Final.Test.Loss, resumed.Final.Test.Accuracy, want.Final.Test.Loss, want.Final.Test.Accuracy)
	}
	if resumed.Status != "done" {
		t.Errorf("resumed run's status is %q", resumed.Status)
	}
}

// A second SIGINT ends the process at once, by the signal's default
// action, without waiting for the batch; the last finished epoch stays
// resumable.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	idx := randomIDXFolder(t, 200)
	// One batch of 200 images per epoch: the second signal lands while a
	// batch (hundreds of milliseconds) is still running.
	for attempt := 1; ; attempt++ {
		results := t.TempDir()
		runDir := filepath.Join(results, "run")
		c := startCLI(t, finetuneArgs(idx, results, 20, 50, 200)...)
		if !c.waitFor(regexp.MustCompile(`^epoch 1/50  train`)) {
			t.Fatalf("no first epoch; output:\n%s", c.output())
		}
		time.Sleep(200 * time.Millisecond) // past the save, into the next batch
		c.cmd.Process.Signal(os.Interrupt)
		if !c.waitFor(regexp.MustCompile(`press Ctrl-C again`)) {
			t.Fatalf("the first interrupt was not acknowledged; output:\n%s", c.output())
		}
		sent := time.Now()
		c.cmd.Process.Signal(os.Interrupt)
		code, sig := c.wait(t)
		checkResumable(t, runDir)
		if sig == os.Interrupt {
			if d := time.Since(sent); d > 5*time.Second {
				t.Errorf("the second interrupt took %v to end the process", d)
			}
			return
		}
		if code != 1 || attempt == 3 {
			t.Fatalf("after two interrupts: exit %d, want the process ended by SIGINT; output:\n%s", code, c.output())
		}
		t.Logf("attempt %d: the run stopped on the first interrupt before the second landed; again", attempt)
	}
}

// checkResumable fails unless runDir's resumable checkpoint, when there is
// one, is whole: its .pt has the SHA-256 resume.json records and passes
// the archive check; and metrics.json, when present, parses.
func checkResumable(t *testing.T, runDir string) (epoch int) {
	t.Helper()
	epoch, file, sum, ok := readResumeJSON(t, runDir)
	if ok {
		pt := filepath.Join(runDir, file)
		got, err := model.FileSHA256(pt)
		if err != nil || got != sum {
			t.Fatalf("%s: SHA-256 %s (%v), resume.json records %s", pt, got, err, sum)
		}
		if err := model.CheckArchive(pt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(runDir, metrics.FileName)); err == nil {
		readRunFile(t, runDir)
	}
	return epoch
}

// SIGKILL at random moments, many of them while checkpoints are being
// written: the files under their final names are always whole, and
// --resume always continues from the last finished epoch to an
// uninterrupted-looking history.
func TestKillDuringCheckpointWritesLeavesTheLastGoodOne(t *testing.T) {
	idx := randomIDXFolder(t, 20)
	const epochs = 60
	results := t.TempDir()
	runDir := filepath.Join(results, "run")
	// Two images per class, one step per epoch: most of the run is writing
	// resume-<epoch>.pt (weights and Adam state, about 30 MB), metrics and
	// the report.
	args := finetuneArgs(idx, results, 2, epochs, 32)
	rng := rand.New(rand.NewSource(1))
	midWrite, last := 0, 0
	for i := 0; i < 40 && midWrite < 3; i++ {
		a := args
		if _, _, _, ok := readResumeJSON(t, runDir); ok {
			a = append(a, "--resume")
		}
		c := startCLI(t, a...)
		if !c.waitFor(regexp.MustCompile(`^epoch \d+/60  train`)) {
			if code, _ := c.wait(t); code != 0 {
				t.Fatalf("run %d: exit %d; output:\n%s", i, code, c.output())
			}
			break // finished: nothing left to kill
		}
		time.Sleep(time.Duration(rng.Intn(400)) * time.Millisecond)
		c.cmd.Process.Kill()
		c.wait(t)
		temps, _ := filepath.Glob(filepath.Join(runDir, ".*.tmp"))
		if len(temps) > 0 {
			midWrite++ // killed between a temp file's creation and its rename
		}
		epoch := checkResumable(t, runDir)
		if epoch < last {
			t.Fatalf("the resumable epoch went back from %d to %d", last, epoch)
		}
		last = epoch
	}
	if midWrite == 0 {
		t.Fatal("no kill landed during a write: the test exercised nothing")
	}
	// The last kill may have come before the first resumable checkpoint
	// existed; then the run starts over, as the user would.
	final := args
	if _, _, _, ok := readResumeJSON(t, runDir); ok {
		final = append(final, "--resume")
	}
	c := startCLI(t, final...)
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("final run (%s): exit %d; output:\n%s", strings.Join(final[len(final)-1:], ""), code, c.output())
	}
	r := readRunFile(t, runDir)
	if r.Status != "done" || len(r.History) != epochs {
		t.Fatalf("after the kills: status %q with %d epochs, want done with %d", r.Status, len(r.History), epochs)
	}
	for i, e := range r.History {
		if e.Epoch != i+1 {
			t.Fatalf("history entry %d is epoch %d: a gap or a duplicate", i, e.Epoch)
		}
	}
	if temps, _ := filepath.Glob(filepath.Join(runDir, ".*.tmp")); len(temps) > 0 {
		t.Errorf("temp files left after a finished run: %v", temps)
	}
	t.Logf("%d of the kills landed mid-write", midWrite)
}
