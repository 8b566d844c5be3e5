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
}
