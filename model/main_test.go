package model

import (
	"os"
	"runtime"
	"testing"

	"transferlab/internal/mainthread"
)

// The backbone benchmarks run their timed loop on the process's first
// thread, as the commands call libtorch (internal/mainthread says why).
func init() { runtime.LockOSThread() }

func TestMain(m *testing.M) { os.Exit(mainthread.Serve(m.Run)) }
