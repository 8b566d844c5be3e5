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
	addResultsDirFlag(f, &o.results, "results folder: one sub-folder per run")
}

// addResultsDirFlag adds --results-dir, the results folder, named as in
// every other command. report and serve used to call it --results: that
// name stays, bound to the same variable so the last one given wins, so
// that scripts written for it keep working; it is hidden from the help and
// says it is deprecated when used.
func addResultsDirFlag(f *pflag.FlagSet, p *string, usage string) {
	f.StringVar(p, "results-dir", "results", usage)
	f.StringVar(p, "results", "results", usage)
	// MarkDeprecated fails only for a flag that does not exist or an empty
	// message; both are right here.
	_ = f.MarkDeprecated("results", "use --results-dir")
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
		RunE: func(cmd *cobra.Command, args []string) error { return charts.Report(cmd.OutOrStdout(), opts.results) },
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
