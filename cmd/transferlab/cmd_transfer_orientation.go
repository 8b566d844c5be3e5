package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"transferlab/transfer"
)

// orientationBoth is the transfer command's extra --emnist-orientation
// value: both orientations, as separate runs, side by side.
const orientationBoth = "both"

// takeOrientationBoth reports whether --emnist-orientation is "both" and,
// if so, sets the flag's value to upright so that the shared data options
// accept it; runBothOrientations then sets each run's own.
func takeOrientationBoth(o *trainOptions) bool {
	if o.emnistOrientation != orientationBoth {
		return false
	}
	o.emnistOrientation = transfer.Orientations[0]
	return true
}

// runBothOrientations runs the five configurations in each orientation and
// prints them side by side.
func runBothOrientations(cmd *cobra.Command, opts transfer.Options, seeds int, resultsDir string) error {
	byOrient, err := transfer.RunTransfersOrientations(cmd.Context(), opts, seeds)
	if len(byOrient) > 0 {
		fmt.Fprintln(os.Stdout, "EMNIST letters, upright and raw (transposed, as torchvision returns them):")
		_ = transfer.WriteOrientationTable(os.Stdout, byOrient)
		rebuildReport(resultsDir, filepath.Join(resultsDir, "transfer.html"))
	}
	return err
}
