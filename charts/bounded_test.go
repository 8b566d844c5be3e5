package charts

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"transferlab/metrics"
)

// A run whose metrics.json is a link to /dev/zero (or a FIFO) is skipped
// and named, at once; the other runs' pages and the index are rebuilt.
// Before, the rebuild read /dev/zero until Go ran out of memory, and hung
// on the FIFO.
func TestBuildSkipsARunThatIsNotAFile(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("good", "overfit", "mnist", 2, 2, false))
	zero := filepath.Join(dir, "zero", metrics.FileName)
	fifo := filepath.Join(dir, "fifo", metrics.FileName)
	for _, p := range []string{zero, fifo} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Build(dir) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the rebuild is still reading after 20 s")
	}
	if err == nil {
		t.Fatal("Build hid two runs it could not read")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("not one line: %q", err)
	}
	for _, want := range []string{"skipped 2 unreadable file(s), the other pages were rebuilt: ", zero + " is not a regular file", fifo + " is not a regular file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, p := range []string{"good/index.html", "index.html", "results.md"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not built: %v", p, err)
		}
	}
}
