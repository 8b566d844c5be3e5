package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitExit waits at most d for c to end and returns its exit code; a
// process still running then is killed, the test fails and -1 is
// returned.
func waitExit(t *testing.T, c *cli, d time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		c.cmd.Process.Kill()
		<-c.done
		t.Errorf("transferlab %s still ran after %v; killed. Output:\n%s", strings.Join(c.cmd.Args[1:], " "), d, c.output())
		return -1
	}
	return c.cmd.ProcessState.ExitCode()
}

// A FIFO where a file is expected (a checkpoint, a source network, an
// image) is refused at once with one line and exit 1; it hung every
// command until killed.
func TestFIFOsAreRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "net.pt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	idx := randomIDXFolder(t, 100)
	results := t.TempDir()
	pretrained := filepath.Join("..", "..", "pretrained", "mnist-cnn.pt")
	for _, args := range [][]string{
		{"eval", "--checkpoint", fifo, "--results-dir", results},
		{"finetune", "--from", fifo, "--target", "idx:" + idx, "--layers", "all", "--per-class", "5", "--epochs", "1", "--results-dir", results},
		{"predict", "--checkpoint", pretrained, fifo},
	} {
		c := startCLI(t, args...)
		code := waitExit(t, c, 60*time.Second)
		if code < 0 {
			continue
		}
		out := strings.TrimSpace(c.output())
		if code != 1 || !strings.Contains(out, fifo+" is not a regular file (a FIFO)") || strings.Count(out, "transferlab:") != 1 {
			t.Errorf("transferlab %s: exit %d, want 1 with one line naming the FIFO; output:\n%s", args[0], code, out)
		}
	}
	// A --from PATH that is not there is found before the data loads.
	missing := filepath.Join(dir, "missing.pt")
	c := startCLI(t, "finetune", "--from", missing, "--target", "idx:"+idx, "--layers", "all", "--per-class", "5", "--epochs", "1", "--results-dir", results)
	if code := waitExit(t, c, 60*time.Second); code >= 0 && (code != 1 || strings.TrimSpace(c.output()) != "transferlab: --from "+missing+" does not exist") {
		t.Errorf("finetune --from a missing file: exit %d, want 1 at once naming it; output:\n%s", code, c.output())
	}
}

// A command line that cannot be right is a usage error (exit 2) naming the
// valid choices, before anything loads or trains.
func TestBadCommandLinesAreUsageErrorsAtOnce(t *testing.T) {
	dirs := []string{"--results-dir", t.TempDir(), "--pretrained-dir", t.TempDir()}
	for _, c := range []struct {
		args []string
		want string
	}{
		// 'sweep width' printed the help and exited 0.
		{[]string{"sweep", "width"}, `unknown command "width" for "transferlab sweep": choose depth`},
		{[]string{"data", "shw", "mnist"}, `unknown command "shw" for "transferlab data": choose fetch, list, show, verify`},
		// The second seed wrapped to -9223372036854775808.
		{append([]string{"finetune", "--from", "none", "--layers", "all", "--target", "mnist", "--epochs", "1", "--limit", "10",
			"--seed", "9223372036854775807", "--seeds", "2"}, dirs...), "give a --seed of at most 9223372036854775806"},
		// A 22056x25731 PNG, without a word.
		{[]string{"data", "show", "mnist", "--n", "100000000", "-o", filepath.Join(t.TempDir(), "grid.png")}, "--n 100000000: give 1 to 1024"},
		// These failed with exit 1 once the first run had loaded its data.
		{append([]string{"transfer", "--target", "cifar", "--epochs", "1", "--limit", "10"}, dirs...), `--target: unknown dataset "cifar": choose mnist, fashion`},
		{append([]string{"finetune", "--target", "cifar", "--epochs", "1", "--limit", "10"}, dirs...), `unknown dataset "cifar"`},
		{append([]string{"sweep", "depth", "--target", "cifar", "--epochs", "1", "--limit", "10"}, dirs...), `unknown dataset "cifar"`},
	} {
		cl := startCLI(t, c.args...)
		code := waitExit(t, cl, 60*time.Second)
		if code < 0 {
			continue
		}
		out := cl.output()
		if code != 2 || !strings.Contains(out, c.want) || strings.Contains(out, "epoch 1/") {
			t.Errorf("transferlab %s: exit %d, want 2 at once saying %q; output:\n%s", strings.Join(c.args, " "), code, c.want, out)
		}
	}
}

// reproduce --target cifar ran Q4 and both pretrainings (9 minutes in
// full) and failed only at the transfers, with exit 1; a target folder
// that is not there is also found before the first stage.
func TestReproduceChecksItsTargetBeforeAnyStage(t *testing.T) {
	dirs := []string{"--results-dir", t.TempDir(), "--pretrained-dir", t.TempDir()}
	for _, c := range []struct {
		target string
		code   int
		want   string
	}{
		{"cifar", 2, `--target: unknown dataset "cifar": choose mnist, fashion, emnist-letters, idx:DIR or folder:DIR`},
		{"idx:" + filepath.Join(t.TempDir(), "missing"), 1, "missing does not exist"},
	} {
		cl := startCLI(t, append([]string{"reproduce", "--quick", "--no-embed", "--target", c.target}, dirs...)...)
		code := waitExit(t, cl, 60*time.Second)
		if code < 0 {
			continue
		}
		out := cl.output()
		if code != c.code || !strings.Contains(out, c.want) || strings.Contains(out, "epoch 1/") {
			t.Errorf("reproduce --target %s: exit %d, want %d before any stage saying %q; output:\n%s", c.target, code, c.code, c.want, out)
		}
	}
}
