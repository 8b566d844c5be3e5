package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// A disk that fills up during a run: the next checkpoint save fails with
// one error line and exit 1 (libtorch's own writer used to abort the
// process), the last resume point stays whole, and once there is room
// again --resume finishes the run.
func TestDiskFullDuringARunIsAnErrorAndResumable(t *testing.T) {
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
	results := filepath.Join(disk, "results")
	// The FFN with 64 hidden units: 200 KB of weights, so its checkpoints
	// pass the free-space check on 24 MB.
	args := []string{"overfit", "--hidden", "64", "--limit", "3000", "--epochs", "40", "--batch-size", "100",
		"--results-dir", results, "--threads", "1", "--name", "ffn"}
	c := startCLI(t, args...)
	// Epoch 3's line: epoch 2's resume point is written before epoch 3
	// starts (epoch 2's line comes before its save, which the full disk
	// could then stop, a race the loaded Debian 13 chroot lost).
	if !c.waitFor(regexp.MustCompile(`^epoch 3/40  train`)) {
		t.Fatalf("no third epoch; output:\n%s", c.output())
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(disk, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(disk, "filler")
	free := int64(st.Bavail) * st.Bsize
	if err := os.WriteFile(filler, make([]byte, free-64<<10), 0o644); err != nil { // 64 KB left
		t.Fatal(err)
	}
	code, sig := c.wait(t)
	out := c.output()
	if code != 1 || sig != 0 {
		t.Fatalf("run on a full disk: exit %d (signal %v), want 1; output:\n%s", code, sig, out)
	}
	if strings.Contains(out, "terminate called") || strings.Count(out, "transferlab: ") != 1 || !strings.Contains(out, "no space left on device") {
		t.Errorf("want one error line saying there is no space left; output:\n%s", out)
	}
	runDir := filepath.Join(results, "ffn")
	saved, _, _, ok := readResumeJSON(t, runDir)
	if !ok || saved < 2 {
		t.Fatalf("resume.json records epoch %d (present %v), want 2 or more", saved, ok)
	}
	os.Remove(filler)
	c = startCLI(t, append(args, "--resume")...)
	if code, sig := c.wait(t); code != 0 {
		t.Fatalf("--resume after freeing space: exit %d (signal %v); output:\n%s", code, sig, c.output())
	}
	if r := readRunFile(t, runDir); r.Status != "done" || len(r.History) != 40 {
		t.Errorf("resumed run: status %q with %d epochs, want done with 40", r.Status, len(r.History))
	}
}
