package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// SIGTERM stops serve cleanly (exit 0) with words that are true of a
// server; it has no batch to finish.
func TestServeStopsOnSIGTERMSayingSo(t *testing.T) {
	c := startCLI(t, "serve", "--results-dir", t.TempDir(), "--addr", "127.0.0.1:0")
	if !c.waitFor(regexp.MustCompile(`^serving .* at http://`)) {
		t.Fatalf("serve did not start; output:\n%s", c.output())
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	code, sig := c.wait(t)
	out := c.output()
	if code != 0 || sig != 0 {
		t.Errorf("serve after SIGTERM: exit %d (signal %v), want 0; output:\n%s", code, sig, out)
	}
	if !strings.Contains(out, "stopping the server") || strings.Contains(out, "batch") || !strings.Contains(out, "stopped") {
		t.Errorf("serve after SIGTERM says:\n%s\nwant \"stopping the server\", then \"stopped\", and no batch", out)
	}
}

// What Ctrl-C says is the command's own: a training run finishes its
// batch, a server stops, a download keeps its part.
func TestInterruptMessageIsTheCommands(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"finetune", "--epochs", "3"}, "after the current batch"},
		{[]string{"serve", "--addr", "127.0.0.1:0"}, "stopping the server"},
		{[]string{"data", "fetch", "emnist-letters"}, "stopping the download"},
	} {
		if got := onInterrupt(newRootCommand(), c.args); !strings.Contains(got, c.want) {
			t.Errorf("%v: Ctrl-C says %q, want %q", c.args, got, c.want)
		}
	}
}
