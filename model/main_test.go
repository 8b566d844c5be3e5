package model

import (
	"os"
	"runtime"
	"testing"
)

// The commands call libtorch from the process's first thread (cmd/
// transferlab locks it in its init), which allocates from glibc's main
// arena. A test's goroutine runs on other threads, whose arenas serve
// blocks above 64 MiB by mmap and fault them in afresh every time, so
// the backbone benchmarks run their timed loop on the first thread
// (onMainThread) to measure what the commands get (bench/RESULTS.md).
func init() { runtime.LockOSThread() }

// mainThread runs the functions given to onMainThread on the first
// thread, which TestMain keeps for it.
var mainThread = make(chan func())

func TestMain(m *testing.M) {
	code := make(chan int)
	go func() { code <- m.Run() }()
	for {
		select {
		case f := <-mainThread:
			f()
		case c := <-code:
			os.Exit(c)
		}
	}
}

// onMainThread runs f on the process's first thread and waits for it.
func onMainThread(f func()) {
	done := make(chan struct{})
	mainThread <- func() { defer close(done); f() }
	<-done
}
