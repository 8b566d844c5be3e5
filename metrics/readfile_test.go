package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test when f does not return in d (a read that blocks
// or never ends).
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("still reading after %v", d)
		return nil
	}
}

// A metrics.json, eval-*.json or resume.json is read only when it is a
// regular file of at most MaxFileBytes: a FIFO hung the reader, a link to
// /dev/zero made it read until Go ran out of memory, and a 91 MB file
// took 53 s and 1.6 GB.
func TestReadRunRefusesFilesNoRunWrote(t *testing.T) {
	dir := t.TempDir()
	t.Run("fifo", func(t *testing.T) {
		p := filepath.Join(dir, "fifo.json")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		err := within(t, 5*time.Second, func() error { _, err := ReadRun(p); return err })
		if err == nil || !strings.Contains(err.Error(), "is not a regular file (a FIFO)") {
			t.Errorf("FIFO: got %v", err)
		}
	})
	t.Run("huge", func(t *testing.T) {
		p := filepath.Join(dir, "huge.json")
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, MaxFileBytes+1); err != nil { // sparse: no disk used
			t.Fatal(err)
		}
		err := within(t, 5*time.Second, func() error { _, err := ReadEval(p); return err })
		if err == nil || !strings.Contains(err.Error(), "larger than 32 MB") {
			t.Errorf("huge file: got %v", err)
		}
	})
	t.Run("devzero", func(t *testing.T) {
		p := filepath.Join(dir, "zero.json")
		if err := os.Symlink("/dev/zero", p); err != nil {
			t.Fatal(err)
		}
		err := within(t, 5*time.Second, func() error { return ReadJSONFile(p, "resume point", new(struct{})) })
		if err == nil || !strings.Contains(err.Error(), "is not a regular file (a character device)") {
			t.Errorf("link to /dev/zero: got %v", err)
		}
	})
	t.Run("folder", func(t *testing.T) {
		_, err := ReadRun(dir)
		if err == nil || !strings.Contains(err.Error(), "is not a regular file (a folder)") {
			t.Errorf("folder: got %v", err)
		}
	})
	t.Run("ok", func(t *testing.T) {
		p := filepath.Join(dir, FileName)
		if err := WriteJSON(p, &Run{Name: "r", Status: "done"}); err != nil {
			t.Fatal(err)
		}
		if r, err := ReadRun(p); err != nil || r.Name != "r" {
			t.Errorf("a real file: %+v, %v", r, err)
		}
	})
}
