package transfer

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/metrics"
	"transferlab/model"
)

const gotchInt64 = gotch.Int64

// EvalBatch is the number of images per no-grad forward pass in
// evaluation and feature caching. Not larger: on the 2-CPU machine this was
// built on, the CNN's forward ran 2 to 4 times faster per image in batches
// of 64 to 256 than in batches of 1024, whose activations (conv2's output
// alone is 1024x150x14x14 floats, 120 MB) stream through memory instead of
// staying in cache.
const EvalBatch = 128

// evaluation is one pass over a split: its metrics and each image's
// predicted class.
type evaluation struct {
	metrics.Eval
	Pred []int64
}

// evaluate runs net over x, y in batches under no-grad and returns the mean
// loss, accuracy, per-class accuracy and confusion matrix. A cancelled ctx
// (Ctrl-C) stops it after the current batch with ctx's error.
func evaluate(ctx context.Context, net model.Net, x, y *ts.Tensor, classes int, bf16 bool) (ev evaluation, err error) {
	start := time.Now()
	n := int(x.MustSize()[0])
	if n == 0 {
		return ev, fmt.Errorf("evaluate: empty split")
	}
	labels := y.Int64Values()
	var lossSum float64
	ts.NoGrad(func() {
		for lo := 0; lo < n; lo += EvalBatch {
			if err = ctx.Err(); err != nil {
				break
			}
			size := min(EvalBatch, n-lo)
			s := model.NewScope()
			xb := s.T(x.MustNarrow(0, int64(lo), int64(size), false))
			yb := s.T(y.MustNarrow(0, int64(lo), int64(size), false))
			logits, ferr := logitsOf(net, xb, false, bf16)
			if ferr != nil {
				err = ferr
				s.Drop()
				break
			}
			s.T(logits)
			loss, ferr := model.CrossEntropy(logits, yb)
			if ferr != nil {
				err = ferr
				s.Drop()
				break
			}
			s.T(loss)
			l, ferr := model.Float(loss)
			if ferr != nil {
				err = ferr
				s.Drop()
				break
			}
			lossSum += l * float64(size)
			ev.Pred = append(ev.Pred, s.T(logits.MustArgmax([]int64{-1}, false, false)).Int64Values()...)
			s.Drop()
		}
	})
	if err != nil {
		return ev, err
	}
	ev.N = n
	ev.Loss = lossSum / float64(n)
	if math.IsNaN(ev.Loss) || math.IsInf(ev.Loss, 0) {
		// JSON has no NaN: such a loss could not be recorded, and the
		// network's outputs have overflowed anyway.
		return ev, fmt.Errorf("evaluation on %d images gave a loss of %v: the network's outputs overflow", n, ev.Loss)
	}
	ev.Confusion = make([][]int, classes)
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	correct := 0
	for i, t := range labels {
		p := ev.Pred[i]
		if t < 0 || int(t) >= classes || p < 0 || int(p) >= classes {
			return ev, fmt.Errorf("evaluate: label %d or prediction %d outside %d classes", t, p, classes)
		}
		ev.Confusion[t][p]++
		if t == p {
			correct++
		}
	}
	ev.Accuracy = 100 * float64(correct) / float64(n)
	ev.PerClass = make([]float64, classes)
	for c, row := range ev.Confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		if total > 0 {
			ev.PerClass[c] = 100 * float64(row[c]) / float64(total)
		}
	}
	ev.Seconds = time.Since(start).Seconds()
	return ev, nil
}
