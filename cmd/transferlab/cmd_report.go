package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
)

// reportOptions are the flags of 'transferlab report'.
type reportOptions struct {
	results string
}

func (o *reportOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.results, "results", "results", "results folder: one sub-folder per run")
}

func newReportCommand() *cobra.Command {
	var opts reportOptions
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Rebuild every HTML report page from the runs' metrics files",
		Long: `report rebuilds every page of the results folder from the metrics files
the runs left there (metrics.json, eval-*.json): each run's page, each
evaluation's page, transfer.html (the fine-tuning runs compared),
index.html and results.md. It also copies echarts.min.js into
results/assets/ so that the pages draw their charts with no internet
(tools/setup-echarts.sh installs it). Unreadable files are skipped and
named; the other pages are still rebuilt.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return charts.Report(cmd.OutOrStdout(), opts.results)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
