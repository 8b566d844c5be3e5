package main

import (
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
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := opts.options(cmd)
			if err != nil {
				return err
			}
			names, err := datasetNames(args)
			if err != nil {
				return err
			}
			return data.Verify(cmd.Context(), cmd.OutOrStdout(), names, len(args) > 0, o)
		},
	}
}
