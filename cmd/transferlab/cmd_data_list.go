package main

import (
	"io"

	"github.com/spf13/cobra"

	"transferlab/data"
)

func newDataListCommand(opts *dataOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show each dataset: present or not, where, size, verified or not",
		Long: `list shows, for each dataset of the registry, whether its files are
present, where (the data dir or a local install), their size, and whether
they match their published SHA-256 sums.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDataList(*opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runDataList(o dataOptions, stdout, stderr io.Writer) error {
	d := o.options(stderr)
	return data.WriteList(stdout, data.List(d, true), d)
}
