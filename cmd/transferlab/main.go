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

	"github.com/spf13/cobra"

	"transferlab/internal/torchenv"
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
	root := newRootCommand()
	root.SetArgs(args)
	// Ctrl-C or SIGTERM cancels the context: training stops after the
	// current batch and writes what it has, a server stops serving. The
	// handler is then removed, so a second signal ends the process at once;
	// every file is written to a temp name and renamed, so that cannot
	// leave a damaged one.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopping := onInterrupt(root, args)
	go func() {
		s := <-sigs
		signal.Stop(sigs) // the default action again: the next signal ends the process
		fmt.Fprintf(os.Stderr, "\ntransferlab: %v: %s (press Ctrl-C again to quit at once)\n", s, stopping)
		cancel()
	}()
	err := executeGuarded(ctx, root)
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "transferlab:", oneLine(interrupted(err).Error()))
	var u usageError
	if errors.As(err, &u) || isUnknownCommand(err) {
		fmt.Fprintln(os.Stderr, "Run 'transferlab --help' for usage.")
		return 2
	}
	return 1
}

// interruptAnnotation is the cobra annotation in which a command says what
// it does when interrupted; a command without one trains.
const interruptAnnotation = "transferlab-on-interrupt"

// onInterrupt is what the command args run does on Ctrl-C or SIGTERM.
func onInterrupt(root *cobra.Command, args []string) string {
	if cmd, _, err := root.Find(args); err == nil {
		if say := cmd.Annotations[interruptAnnotation]; say != "" {
			return say
		}
	}
	return "stopping after the current batch and saving what is finished"
}

// interrupted names a bare cancellation (Ctrl-C or SIGTERM in a command
// that has nothing of its own to say about it, such as embed or data
// fetch) as an interruption; any other error passes through.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) && err.Error() == context.Canceled.Error() {
		return errors.New("interrupted before it finished: nothing was left half-written (every file is written whole or not at all; a download resumes where it stopped)")
	}
	return err
}

// executeGuarded runs the command line; a libtorch error raised as a panic
// outside the boundaries that already turn it into an error (a run, an
// evaluation, a prediction) still ends as one error line, exit 1.
func executeGuarded(ctx context.Context, root *cobra.Command) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = torchenv.PanicError(p)
		}
	}()
	return root.ExecuteContext(ctx)
}
