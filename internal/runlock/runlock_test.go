package runlock

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// In a child process (this test binary again), try the lock at
// $RUNLOCK_CHILD and print the outcome.
func TestMain(m *testing.M) {
	if path := os.Getenv("RUNLOCK_CHILD"); path != "" {
		if _, err := Acquire(path, "run folder x"); err != nil {
			fmt.Print(err)
			os.Exit(3)
		}
		fmt.Print("acquired")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func tryInAnotherProcess(t *testing.T, path string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "RUNLOCK_CHILD="+path)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// A lock held by this process is refused to another one, with this
// process's pid in the message; once released, the other gets it.
func TestSecondProcessIsRefusedWithTheHoldersPid(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := Acquire(path, "run folder x")
	if err != nil {
		t.Fatal(err)
	}
	out, code := tryInAnotherProcess(t, path)
	if code != 3 || !strings.Contains(out, "run folder x is in use") || !strings.Contains(out, fmt.Sprintf("pid %d:", os.Getpid())) {
		t.Errorf("second process: exit %d, %q; want it refused, naming the folder and pid %d", code, out, os.Getpid())
	}
	l.Release()
	if out, code := tryInAnotherProcess(t, path); code != 0 || out != "acquired" {
		t.Errorf("after release: exit %d, %q; want the lock granted", code, out)
	}
}
