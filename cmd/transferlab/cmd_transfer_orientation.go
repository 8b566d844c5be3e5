package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"transferlab/metrics"
	"transferlab/train"
	"transferlab/transfer"
)

// orientationBoth is the transfer command's extra --emnist-orientation
// value: both orientations, as separate runs, side by side.
const orientationBoth = "both"

// runBothOrientations runs the five configurations in each orientation and
// prints them side by side, then draws their feature spaces.
func runBothOrientations(ctx context.Context, opts train.Options, seeds int, resultsDir string, draw func([]*metrics.Run), stdout, stderr io.Writer) error {
	byOrient, err := transfer.RunTransfersOrientations(ctx, opts, seeds)
	if len(byOrient) > 0 {
		fmt.Fprintln(stdout, "EMNIST letters, upright and raw (transposed, as torchvision returns them):")
		_ = transfer.WriteOrientationTable(stdout, byOrient)
		for _, or := range byOrient {
			draw(or.Runs)
		}
		rebuildReport(resultsDir, filepath.Join(resultsDir, "transfer.html"), stderr)
	}
	return err
}
