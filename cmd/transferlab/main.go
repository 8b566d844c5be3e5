// Command transferlab trains, transfers and evaluates small vision networks
// on libtorch and reports them as interactive HTML.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// libtorch keeps grad mode (and autocast state) per OS thread; a goroutine
// that moves between threads would see a no_grad it left on another. All
// torch work runs on the main goroutine, pinned to its thread.
func init() { runtime.LockOSThread() }

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and picks the exit code once: 0 ok,
// 1 failure, 2 usage.
func run(args []string) int {
	// Ctrl-C or SIGTERM cancels the context: training stops after the
	// current batch and writes what it has; a second signal kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default handlers: the next signal ends the process
	}()
	root := newRootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "transferlab:", oneLine(err.Error()))
	var u usageError
	if errors.As(err, &u) || isUnknownCommand(err) {
		fmt.Fprintln(os.Stderr, "Run 'transferlab --help' for usage.")
		return 2
	}
	return 1
}
