package metrics

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv, when set, makes TestWriteAtomicSurvivesACrash the child
// process: it writes half of the file named by the variable through
// WriteAtomic, says so on stdout and blocks until it is killed.
const crashChildEnv = "TRANSFERLAB_ATOMIC_CRASH_CHILD"

func atomicTemps(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeString(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A process killed (SIGKILL: no defer runs) between writing and renaming
// leaves the file's previous content and one temp file, which
// RemoveStaleTemps recognises and removes.
func TestWriteAtomicSurvivesACrash(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		err := WriteAtomic(path, func(w io.Writer) error {
			if _, err := io.WriteString(w, "new first half, "); err != nil {
				return err
			}
			// Put the half on disk, as a large write would, so that a
			// writer working in place would have clobbered the file.
			if f, ok := w.(interface{ Flush() error }); ok {
				if err := f.Flush(); err != nil {
					return err
				}
			}
			os.Stdout.WriteString("written\n")
			select {} // the parent kills us here
		})
		t.Fatalf("the child was not killed: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.json")
	writeString(t, path, "the previous content\n")

	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteAtomicSurvivesACrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // if a check below fails before the kill
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "written\n" {
			t.Fatalf("child said %q, want \"written\"", l)
		}
	case <-time.After(time.Minute):
		t.Fatal("the child did not write within a minute")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed", err)
	}

	if got := readString(t, path); got != "the previous content\n" {
		t.Errorf("after the crash the file holds %q, want its previous content", got)
	}
	temps := atomicTemps(t, path)
	if len(temps) != 1 {
		t.Fatalf("temp files left: %v, want one", temps)
	}
	if got := readString(t, temps[0]); got != "new first half, " {
		t.Errorf("the temp file holds %q, want the half written", got)
	}
	if n := RemoveStaleTemps(dir, filepath.Base(path)); n != 1 {
		t.Errorf("RemoveStaleTemps removed %d, want 1", n)
	}
	if left := atomicTemps(t, path); len(left) != 0 {
		t.Errorf("temp files left after RemoveStaleTemps: %v", left)
	}
	if got := readString(t, path); got != "the previous content\n" {
		t.Errorf("RemoveStaleTemps changed the file: %q", got)
	}
}

// A verify that fails keeps the previous file and leaves no temp file;
// one that passes sees the complete temp file and lets it replace path.
func TestWriteAtomicVerified(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "train-images-idx3-ubyte")
	writeString(t, path, "old")
	write := func(w io.Writer) error {
		_, err := io.WriteString(w, "new content")
		return err
	}
	bad := errors.New("checksum mismatch")
	var seen string
	err := WriteAtomicVerified(path, write, func(tmp string) error {
		seen = readString(t, tmp)
		return bad
	})
	if !errors.Is(err, bad) {
		t.Fatalf("error %v, want the verify error", err)
	}
	if seen != "new content" {
		t.Errorf("verify saw %q, want the whole new content", seen)
	}
	if got := readString(t, path); got != "old" {
		t.Errorf("after a failed verify the file holds %q, want %q", got, "old")
	}
	if left := atomicTemps(t, path); len(left) != 0 {
		t.Errorf("temp files left after a failed verify: %v", left)
	}

	if err := WriteAtomicVerified(path, write, func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "new content" {
		t.Errorf("after a passed verify the file holds %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode(), err)
	}
	if left := atomicTemps(t, path); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// A write that fails leaves the previous file and no temp file.
func TestWriteAtomicFailedWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.html")
	writeString(t, path, "old")
	bad := errors.New("template failed")
	err := WriteAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return bad
	})
	if !errors.Is(err, bad) {
		t.Fatalf("error %v, want the write's", err)
	}
	if got := readString(t, path); got != "old" {
		t.Errorf("file holds %q, want %q", got, "old")
	}
	if left := atomicTemps(t, path); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}
