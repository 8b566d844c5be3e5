package transfer

import (
	"fmt"
	"io"
	"text/tabwriter"

	"transferlab/metrics"
)

// WriteTable prints runs beside the seed's numbers, one row each: the
// data it trained on, final train/validation/test accuracy (percent) and
// wall time. A transfer on a target other than EMNIST letters has no seed
// numbers: the seed's are for EMNIST only.
func WriteTable(w io.Writer, runs []*metrics.Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run	data	train acc	val acc	test acc	seed train	seed val	seed test	wall")
	pct := func(e *metrics.Eval) string {
		if e == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f", e.Accuracy)
	}
	ref := func(v float64) string {
		if v == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", v)
	}
	for _, r := range runs {
		name := r.Name
		if r.Kind == "finetune" {
			name = r.Config.Source + "/" + r.Config.Layers
		}
		seed := [3]string{"-", "-", "-"}
		if x := r.Reference; x != nil {
			seed = [3]string{ref(x.TrainAcc), ref(x.ValAcc), ref(x.TestAcc)}
			if x.Note != "" {
				seed = [3]string{x.Note, "", ""}
			}
		}
		fmt.Fprintf(tw, "%s	%s	%s	%s	%s	%s	%s	%s	%.0fs\n", name, r.Config.Dataset,
			pct(r.Final.Train), pct(r.Final.Val), pct(r.Final.Test), seed[0], seed[1], seed[2], r.WallSeconds)
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
