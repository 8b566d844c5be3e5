// Package mainthread lets a test binary run code on the process's first
// thread, as transferlab's commands call libtorch (cmd/transferlab locks
// that thread in its init).
//
// Why it matters: the first thread allocates from glibc's main arena. Any
// other thread gets an arena made of heaps of at most 64 MiB, which serves
// a larger block (a big activation) by mmap whatever the heap settings say,
// so every such block is faulted in afresh at every step. A benchmark run
// from a test goroutine would measure that, not what the commands get
// (bench/RESULTS.md, 2026-12-06).
//
// A test package that uses Do locks the first thread in its init
// (runtime.LockOSThread) and serves it from TestMain:
//
//	func init() { runtime.LockOSThread() }
//	func TestMain(m *testing.M) { os.Exit(mainthread.Serve(m.Run)) }
package mainthread

var calls = make(chan func())

// Serve runs run (a test binary's m.Run) on another goroutine and, on the
// calling goroutine, the functions given to Do, until run returns its exit
// code. Call it from TestMain, on the first thread.
func Serve(run func() int) int {
	code := make(chan int)
	go func() { code <- run() }()
	for {
		select {
		case f := <-calls:
			f()
		case c := <-code:
			return c
		}
	}
}

// Do runs f on the goroutine that called Serve and waits for it. A
// benchmark that fails inside f (testing.B's Fatal) ends that goroutine
// too: the benchmark is reported failed, and the binary then stops with a
// deadlock error (exit 2) instead of running on.
func Do(f func()) {
	done := make(chan struct{})
	calls <- func() { defer close(done); f() }
	<-done
}
