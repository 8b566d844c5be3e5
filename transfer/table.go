package transfer

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"transferlab/metrics"
)

// RunTransfers runs the five transfer configurations in the seed's order
// with the same options and returns their metrics. A configuration whose
// pretrained source is missing fails the whole call before any training.
func RunTransfers(ctx context.Context, o Options) ([]*metrics.Run, error) {
	var runs []*metrics.Run
	for _, r := range TransferRecipes() {
		run, err := Run(ctx, r, o)
		if err != nil {
			return runs, fmt.Errorf("%s: %w", r.Name, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// WriteTable prints the transfer results beside the seed's numbers.
func WriteTable(w io.Writer, runs []*metrics.Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source/layers\ttarget\ttrain acc\ttest acc\tseed train\tseed test\twall")
	for _, r := range runs {
		seedTrain, seedTest := "-", "-"
		if ref := r.Reference; ref != nil {
			if ref.Note != "" {
				seedTrain, seedTest = ref.Note, ""
			} else {
				seedTrain, seedTest = fmt.Sprintf("%.2f", ref.TrainAcc), fmt.Sprintf("%.2f", ref.TestAcc)
			}
		}
		train, test := "-", "-"
		if r.Final.Train != nil {
			train = fmt.Sprintf("%.2f", r.Final.Train.Accuracy)
		}
		if r.Final.Test != nil {
			test = fmt.Sprintf("%.2f", r.Final.Test.Accuracy)
		}
		fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%s\t%s\t%s\t%.0fs\n", r.Config.Source, r.Config.Layers, r.Config.Dataset, train, test, seedTrain, seedTest, r.WallSeconds)
	}
	return tw.Flush()
}

// WriteEval prints an evaluation: loss, accuracy and per-class accuracy.
func WriteEval(w io.Writer, e *metrics.EvalFile) error {
	fmt.Fprintf(w, "%s on %s/%s (%d images): loss %.4f, accuracy %.2f%%\n", e.Checkpoint, e.Eval.Dataset, e.Eval.Split, e.Eval.N, e.Eval.Loss, e.Eval.Accuracy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "class\taccuracy")
	for i, a := range e.Eval.PerClass {
		name := fmt.Sprint(i)
		if i < len(e.Classes) {
			name = e.Classes[i]
		}
		fmt.Fprintf(tw, "%s\t%.2f%%\n", name, a)
	}
	return tw.Flush()
}
