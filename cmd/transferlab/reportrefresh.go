package main

import (
	"fmt"
	"io"
	"path/filepath"

	"transferlab/charts"
	"transferlab/metrics"
)

// refreshReport returns the hook training commands call after every epoch:
// it rewrites the run's page (and, with a nil run, every page) so an open
// report follows a long run. A report that cannot be written costs a
// warning on stderr, never the training.
func refreshReport(resultsDir string, stderr io.Writer) func(*metrics.Run) error {
	return func(run *metrics.Run) error {
		var err error
		if run == nil {
			err = charts.Build(resultsDir)
		} else {
			err = charts.WriteRunPage(resultsDir, run)
		}
		if err != nil {
			fmt.Fprintf(stderr, "transferlab: warning: report not refreshed: %v\n", err)
		}
		return nil
	}
}

// rebuildReport rebuilds every page and results.md once a command has
// written a run or an evaluation, so the index and its links are never
// behind, and prints the page to open on stderr: page, or the index when
// page is "".
func rebuildReport(resultsDir, page string, stderr io.Writer) {
	if err := charts.Build(resultsDir); err != nil {
		fmt.Fprintf(stderr, "transferlab: warning: report not refreshed: %v\n", err)
		return
	}
	if page == "" {
		page = filepath.Join(resultsDir, "index.html")
	}
	fmt.Fprintf(stderr, "report: %s\n", page)
}

// runPage is the page of a run a command returned, or "" (the index)
// when it made none.
func runPage(resultsDir string, run *metrics.Run) string {
	if run == nil {
		return ""
	}
	return filepath.Join(resultsDir, run.Name, "index.html")
}
