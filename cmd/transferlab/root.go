package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/internal/torchenv"
)

// usageError marks a command line that could not be understood (exit 2).
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// globalOptions are the flags every command shares.
type globalOptions struct {
	threads int
}

func (o *globalOptions) AddFlags(f *pflag.FlagSet) {
	f.IntVar(&o.threads, "threads", 0, "libtorch intra-op threads (0: one per CPU)")
}

// apply checks the global flags and sets up libtorch by them, before any
// command runs.
func (o globalOptions) apply() error {
	if o.threads < 0 || o.threads > runtime.NumCPU() {
		return usageError{fmt.Errorf("--threads %d: give 1 to %d (the CPUs here), or 0 for one per CPU", o.threads, runtime.NumCPU())}
	}
	return torchenv.SetThreads(o.threads)
}

func newRootCommand() *cobra.Command {
	var global globalOptions
	root := &cobra.Command{
		Use:   "transferlab",
		Short: "Train, transfer and evaluate small vision networks on libtorch",
		Long: `transferlab trains, transfers and evaluates small vision networks (the
homework's fully connected net and CNN) on MNIST, Fashion-MNIST and EMNIST
letters with real libtorch kernels, writes PyTorch-compatible .pt
checkpoints and reports the runs as interactive HTML.

Start with 'transferlab doctor'.`,
		Version:           version(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return global.apply() },
	}
	root.SetVersionTemplate("transferlab {{.Version}}\n")
	global.AddFlags(root.PersistentFlags())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{suggestFlag(c, err)} })
	root.AddCommand(
		newDoctorCommand(), newDataCommand(), newReportCommand(), newServeCommand(),
		newOverfitCommand(), newPretrainCommand(), newFinetuneCommand(), newLRFindCommand(), newTransferCommand(),
		newSweepCommand(), newEvalCommand(), newEmbedCommand(), newPredictCommand(),
		newReproduceCommand(), newStudyCommand(), newWeightsCommand(),
	)
	for _, c := range root.Commands() {
		if c.HasSubCommands() {
			groupArgs(c)
		}
		wrapArgs(c)
	}
	registerCompletions(root)
	return root
}

// groupArgs makes a command group ('data', 'sweep') refuse a subcommand
// it does not have, listing those it has, as a usage error; alone, it
// prints its help. (Cobra printed the help and exited 0 for 'sweep width'.)
func groupArgs(c *cobra.Command) {
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return usageError{fmt.Errorf("unknown command %q for %q: choose %s", args[0], cmd.CommandPath(), strings.Join(names, ", "))}
	}
	if c.RunE == nil && c.Run == nil {
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
}

// version is what --version prints: the commit this binary was built at
// and the libtorch and gotch it runs on.
func version() string {
	commit := torchenv.Commit()
	if commit == "" {
		commit = "(commit unknown)"
	}
	return fmt.Sprintf("%s (libtorch %s, %s; gotch %s)", commit, torchenv.LibtorchVersion(), torchenv.LibtorchSource(), torchenv.GotchVersion())
}

// wrapArgs makes argument-count errors usage errors, like flag errors.
func wrapArgs(c *cobra.Command) {
	if c.Args == nil {
		c.Args = cobra.NoArgs
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// isUnknownCommand recognises cobra's unknown-command error, a usage error.
func isUnknownCommand(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "unknown command")
}
