package model

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// smallTmpfs mounts a tmpfs of size bytes on a temp folder, or skips where
// mounting needs a privilege this process lacks (CI runs as root).
func smallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fillTo writes a file into dir until at most free bytes are left.
func fillTo(t *testing.T, dir string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	have := int64(st.Bavail) * st.Bsize
	if have <= free {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, "filler"), make([]byte, have-free), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint saved onto a full disk is an ordinary error: no abort from
// libtorch's archive writer (before, it threw from a destructor:
// "terminate called ... unexpected pos", SIGABRT), the previous checkpoint
// under the same name stays whole and loadable, and no temp file is left.
func TestSaveOnAFullDiskIsAnErrorAndKeepsThePreviousCheckpoint(t *testing.T) {
	pin(t)
	dir := smallTmpfs(t, "32m")
	pt := filepath.Join(dir, "net.pt")
	a := Arch{Model: "cnn", Classes: 10}
	vs, _ := newNet(t, a, 11)
	if err := SaveCheckpoint(vs, pt, Sidecar{Arch: a, Classes: digits(), Dataset: "mnist", Seed: 11}); err != nil {
		t.Fatal(err)
	}
	before, err := FileSHA256(pt)
	if err != nil {
		t.Fatal(err)
	}
	fillTo(t, dir, 1<<20) // 1 MB left; the CNN's archive is about 12 MB

	vs2, _ := newNet(t, a, 12)
	err = SaveCheckpoint(vs2, pt, Sidecar{Arch: a, Classes: digits(), Dataset: "mnist", Seed: 12})
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("save onto a full disk: got %v, want an error saying there is no space left", err)
	}
	if after, _ := FileSHA256(pt); after != before {
		t.Errorf("the previous checkpoint changed (SHA-256 %.12s, was %.12s)", after, before)
	}
	vs3, _ := newNet(t, a, 13)
	if err := LoadWeights(vs3, pt); err != nil {
		t.Errorf("the previous checkpoint no longer loads: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp"))
	if len(left) > 0 {
		t.Errorf("temp files left on the full disk: %v", left)
	}
}
