package main

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"transferlab/metrics"
	"transferlab/model"
)

// TestSoak throws random faults at small training runs and checks, after
// each, that every file under its final name is whole and that the run
// can still be finished from what it saved; at the end every run is
// resumed to its end and must equal an uninterrupted run of the same
// command, number for number. The faults: SIGKILL at a random moment,
// SIGINT, a second run on the same folder, a damaged metrics.json, a
// damaged or removed resume point. It is long (README: "Soak"), so it
// runs only when asked:
//
//	TRANSFERLAB_SOAK=100 go test -run '^TestSoak$' -timeout 60m ./cmd/transferlab
func TestSoak(t *testing.T) {
	faults, _ := strconv.Atoi(os.Getenv("TRANSFERLAB_SOAK"))
	if faults <= 0 {
		t.Skip("set TRANSFERLAB_SOAK=N to throw N random faults at small runs (minutes)")
	}
	idx := randomIDXFolder(t, 200)
	results := t.TempDir()
	command := func(name string, resume bool) []string {
		args := []string{"finetune", "--from", "none", "--layers", "all", "--target", "idx:" + idx, "--per-class", "20",
			"--epochs", "4", "--name", name, "--results-dir", results, "--pretrained-dir", t.TempDir()}
		if resume {
			args = append(args, "--resume")
		}
		return args
	}
	rng := rand.New(rand.NewSource(1))
	start := time.Now()
	name, runs := "soak-0", []string{"soak-0"}
	counts := map[string]int{}
	damaged := map[string]bool{} // metrics.json damaged on purpose, until a run writes it again
	for i := 0; i < faults; i++ {
		dir := filepath.Join(results, name)
		if done(t, dir) { // finished: the next fault hits a new run
			name = "soak-" + strconv.Itoa(len(runs))
			runs = append(runs, name)
			dir = filepath.Join(results, name)
		}
		resume := resumable(dir)
		c := startCLI(t, command(name, resume)...)
		wait := time.Duration(rng.Intn(4000)) * time.Millisecond
		fault := []string{"kill", "interrupt", "second run", "damage metrics.json", "damage resume point"}[rng.Intn(5)]
		counts[fault]++
		switch fault {
		case "kill", "interrupt":
			time.Sleep(wait)
			if fault == "kill" {
				c.cmd.Process.Kill()
			} else {
				c.cmd.Process.Signal(os.Interrupt)
			}
			c.wait(t)
		case "second run":
			time.Sleep(wait)
			second := startCLI(t, command(name, resume)...)
			// Without --resume a second run takes a new version of the
			// folder; with it, the folder the first holds, and must fail.
			if code, _ := second.wait(t); resume && code == 0 && !done(t, dir) {
				t.Errorf("fault %d: a second --resume of %s succeeded while the first held it:\n%s", i, name, second.output())
			}
			c.wait(t)
		default:
			c.wait(t)
			target := filepath.Join(dir, metrics.FileName)
			if fault == "damage resume point" {
				target = filepath.Join(dir, "resume.json")
			}
			if b, err := os.ReadFile(target); err == nil {
				os.WriteFile(target, b[:len(b)/2], 0o644) // a disk that lost the file's end
				damaged[target] = true
			}
		}
		checkWhole(t, i, dir, damaged)
		t.Logf("fault %d: %s after %s (%s)", i+1, fault, wait, name)
	}
	// Every run is finished from what it saved; a damaged resume point
	// means starting over, which must be said, not hidden.
	for _, name := range runs {
		dir := filepath.Join(results, name)
		if done(t, dir) {
			continue
		}
		c := startCLI(t, command(name, resumable(dir))...)
		if code, _ := c.wait(t); code != 0 {
			// A run whose resume point was damaged cannot resume: it
			// says so, and the same command without --resume starts it
			// again, in a new version of the folder.
			t.Logf("%s: %s", name, lastLine(c.output()))
			c = startCLI(t, command(name, false)...)
			if code, _ := c.wait(t); code != 0 {
				t.Fatalf("%s could not be finished: %s", name, c.output())
			}
		}
		// Without --resume the run went to the newest version.
		compareWithUninterrupted(t, newestVersion(t, results, name), command)
	}
	t.Logf("%d faults %v over %d runs in %s", faults, counts, len(runs), time.Since(start).Round(time.Second))
}

// done reports whether the run in dir finished: metrics.json says so and
// its network is saved.
func done(t *testing.T, dir string) bool {
	run, err := metrics.ReadRun(filepath.Join(dir, metrics.FileName))
	if err != nil || run.Status != "done" {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "model.pt"))
	return err == nil
}

func resumable(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "resume.json"))
	return err == nil
}

// checkWhole fails when a file of the run is under its final name but not
// whole, except a metrics.json damaged on purpose that no run has written
// since.
func checkWhole(t *testing.T, i int, dir string, damaged map[string]bool) {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(dir, "resume.json")); err == nil && !damaged[filepath.Join(dir, "resume.json")] {
		var rp struct {
			Epoch   int               `json:"epoch"`
			History []json.RawMessage `json:"history"`
			File    string            `json:"file"`
			SHA256  string            `json:"sha256"`
		}
		if err := json.Unmarshal(b, &rp); err != nil || rp.Epoch != len(rp.History) {
			t.Errorf("fault %d: resume.json is not whole: %v", i, err)
		} else if sum, err := model.FileSHA256(filepath.Join(dir, rp.File)); err != nil || sum != rp.SHA256 {
			t.Errorf("fault %d: %s does not match resume.json: %v", i, rp.File, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "model.pt")); err == nil {
		if err := model.VerifySidecarSum(filepath.Join(dir, "model.pt")); err != nil {
			t.Errorf("fault %d: %v", i, err)
		}
	}
	mj := filepath.Join(dir, metrics.FileName)
	if _, err := os.Stat(mj); err == nil {
		_, err := metrics.ReadRun(mj)
		if err == nil {
			delete(damaged, mj) // written whole again
		} else if !damaged[mj] {
			t.Errorf("fault %d: metrics.json is not whole: %v", i, err)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// newestVersion is the last folder of name's versions (name, name-v2, ...).
func newestVersion(t *testing.T, results, name string) string {
	newest := filepath.Join(results, name)
	for v := 2; ; v++ {
		d := filepath.Join(results, name+"-v"+strconv.Itoa(v))
		if _, err := os.Stat(d); err != nil {
			return newest
		}
		newest = d
	}
}

// compareWithUninterrupted runs the command of the finished run in dir
// once more, without faults, and compares the two histories and final
// test evaluations.
func compareWithUninterrupted(t *testing.T, dir string, command func(string, bool) []string) {
	t.Helper()
	got, err := metrics.ReadRun(filepath.Join(dir, metrics.FileName))
	if err != nil {
		t.Fatal(err)
	}
	clean := "clean-" + filepath.Base(dir)
	c := startCLI(t, command(clean, false)...)
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("the uninterrupted run failed: %s", c.output())
	}
	want, err := metrics.ReadRun(filepath.Join(filepath.Dir(dir), clean, metrics.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.History) != len(want.History) || got.Final.Test == nil || want.Final.Test == nil || got.Final.Test.Accuracy != want.Final.Test.Accuracy || got.Final.Test.Loss != want.Final.Test.Loss {
		t.Errorf("%s after faults: %d epochs, test %v; uninterrupted: %d epochs, test %v", filepath.Base(dir), len(got.History), got.Final.Test, len(want.History), want.Final.Test)
	}
	for i := range min(len(got.History), len(want.History)) {
		g, w := got.History[i], want.History[i]
		if g.TrainLoss != w.TrainLoss || g.TrainAcc != w.TrainAcc || g.ValLoss != w.ValLoss || g.ValAcc != w.ValAcc {
			t.Errorf("%s epoch %d: %+v after faults, %+v uninterrupted", filepath.Base(dir), i+1, g, w)
		}
	}
}
