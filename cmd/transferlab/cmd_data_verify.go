package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"transferlab/data"
)

func newDataVerifyCommand(opts *dataOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "verify [NAME...|all]",
		Short: "Re-check datasets: sums, IDX structure, counts",
		Long: `verify re-hashes each dataset's files where they are found and checks
them against the registry's sizes and SHA-256 sums (the IDX structure where
no sum is published), then reads each split and checks that images and
labels match. With no names it checks every dataset that is present.`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: registryChoices,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDataVerify(cmd.Context(), *opts, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runDataVerify(ctx context.Context, o dataOptions, args []string, stdout, stderr io.Writer) error {
	names, err := datasetNames(args)
	if err != nil {
		return err
	}
	return data.Verify(ctx, stdout, names, len(args) > 0, o.options(stderr))
}
