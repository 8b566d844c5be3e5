package transfer

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/train"
)

// OrientationRuns are the transfer runs made with EMNIST images in one
// orientation.
type OrientationRuns struct {
	Orientation string // data.OrientationUpright or data.OrientationRaw
	Runs        []*metrics.Run
}

// Orientations are the two ways of reading EMNIST images that
// --emnist-orientation both compares: turned upright as MNIST's digits
// stand (transferlab's default), and raw, transposed as the files store
// them and as torchvision's EMNIST returns them (the seed homework's
// images).
var Orientations = []string{data.OrientationUpright, data.OrientationRaw}

// RunTransfersOrientations runs the five transfer configurations (each
// with n seeds) once per orientation, upright first. Upright runs keep
// their usual names; raw ones end in -raw, so neither replaces the other's
// folder and the upright ones stay comparable with every earlier run. The
// comparison means something on EMNIST letters only, the one target
// stored transposed; another target is refused.
func RunTransfersOrientations(ctx context.Context, o train.Options, n int) ([]OrientationRuns, error) {
	return runTransfersOriented(ctx, o, n, RunSeeds)
}

// seedRunner is RunSeeds' signature, so tests can see what each run is
// asked for without training.
type seedRunner func(ctx context.Context, r train.Recipe, o train.Options, name string, n int) ([]*metrics.Run, error)

func runTransfersOriented(ctx context.Context, o train.Options, n int, runSeeds seedRunner) ([]OrientationRuns, error) {
	target := o.Target
	if target == "" {
		target = TransferRecipes()[0].Dataset
	}
	if d, err := data.Lookup(target); err != nil || !d.Transposed {
		return nil, fmt.Errorf("--emnist-orientation both compares the two orientations of EMNIST letters; --target %s has one orientation: give --target emnist-letters, or upright or raw", target)
	}
	var out []OrientationRuns
	for _, orient := range Orientations {
		opts := o
		opts.Data.EMNISTOrientation = orient
		got := OrientationRuns{Orientation: orient}
		for _, r := range TransferRecipes() {
			runs, err := runSeeds(ctx, r, opts, "", n) // train.RunName marks raw runs -raw
			got.Runs = append(got.Runs, runs...)
			if err != nil {
				return append(out, got), fmt.Errorf("%s images: %w", orient, err)
			}
		}
		out = append(out, got)
	}
	return out, nil
}

// WriteOrientationTable prints each configuration once, the orientations
// side by side: train and test accuracy (mean ± sd over seeds) under
// each.
func WriteOrientationTable(w io.Writer, runs []OrientationRuns) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "configuration\tdata"
	type cells struct{ train, test string }
	byOrient := make([]map[string]cells, len(runs))
	var order []string
	seen := map[string]bool{}
	dataset := map[string]string{}
	for i, or := range runs {
		header += fmt.Sprintf("\ttrain (%s)\ttest (%s)", or.Orientation, or.Orientation)
		byOrient[i] = map[string]cells{}
		for _, g := range groupBySeed(or.Runs) {
			var train, test []float64
			for _, r := range g.runs {
				if r.Final.Train != nil {
					train = append(train, r.Final.Train.Accuracy)
				}
				if r.Final.Test != nil {
					test = append(test, r.Final.Test.Accuracy)
				}
			}
			byOrient[i][g.label] = cells{meanSD(metrics.Summarize(train)), meanSD(metrics.Summarize(test))}
			if !seen[g.label] {
				seen[g.label] = true
				order = append(order, g.label)
				dataset[g.label] = g.runs[0].Config.Dataset
			}
		}
	}
	fmt.Fprintln(tw, header)
	for _, label := range order {
		line := label + "\t" + dataset[label]
		for i := range runs {
			c, ok := byOrient[i][label]
			if !ok {
				c = cells{"-", "-"}
			}
			line += "\t" + c.train + "\t" + c.test
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
