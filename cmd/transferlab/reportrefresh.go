package main

import (
	"fmt"
	"os"

	"transferlab/charts"
	"transferlab/metrics"
)

// refreshReport returns the hook training commands call after every epoch:
// it rewrites the run's page (and, with a nil run, every page) so an open
// report follows a long run. A report that cannot be written costs a
// warning, never the training.
func refreshReport(resultsDir string) func(*metrics.Run) error {
	return func(run *metrics.Run) error {
		var err error
		if run == nil {
			err = charts.Build(resultsDir)
		} else {
			err = charts.WriteRunPage(resultsDir, run)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "transferlab: warning: report not refreshed: %v\n", err)
		}
		return nil
	}
}
