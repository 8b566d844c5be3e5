package train

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

// EvalBatch is the number of images per no-grad forward pass of the CNN
// (and of any network but the FFN: FFNEvalBatch) in evaluation, feature
// caching and prediction. A fixed rule, not a per-machine measurement:
// BenchmarkEvalChunk (bench/RESULTS.md) has put the CNN's fastest pass
// size at 64 to 256 on some machines and days and at 512 to 1024 on
// others, while a pass's activations grow with it (conv2's output alone is
// 1024x150x14x14 floats, 120 MB, in a pass of 1024). 128 keeps them
// small; another size would also change the order of the evaluation's
// sums, with which every recorded result was computed.
const EvalBatch = 128

// FFNEvalBatch is EvalBatch for the fully connected network: it keeps
// little per image (4096 activations) and reads its 784x4096 weights once
// per pass, so larger passes pay. Q4's per-epoch validation pass of 12,000
// images ran about three times faster in passes of 2048 (its training
// batch) than of 128, to the same accuracy and loss (bench/RESULTS.md).
const FFNEvalBatch = 2048

// evalChunk is the number of images per no-grad forward pass of net.
func evalChunk(net model.Net) int {
	if _, ok := net.(*model.FFN); ok {
		return FFNEvalBatch
	}
	return EvalBatch
}

// chunksOf is the number of passes of chunk images over n images.
func chunksOf(n, chunk int) int { return (n + chunk - 1) / chunk }

// evaluation is one pass over a split: its metrics and each image's
// predicted class.
type evaluation struct {
	metrics.Eval
	Pred []int64
}

// evaluate runs net over x, y in batches under no-grad and returns the mean
// loss, accuracy, per-class accuracy and confusion matrix. A cancelled ctx
// (Ctrl-C) stops it after the current batch with ctx's error.
func evaluate(ctx context.Context, net model.Net, x, y *ts.Tensor, classes int, bf16 bool) (evaluation, error) {
	return evaluateObserved(ctx, net, x, y, classes, bf16, nil)
}

// evaluateObserved is evaluate reporting each batch (of evalChunk images)
// to obs (nil: none), for an evaluation long enough to show progress.
func evaluateObserved(ctx context.Context, net model.Net, x, y *ts.Tensor, classes int, bf16 bool, obs EpochObserver) (evaluation, error) {
	return evaluateInChunks(ctx, net, x, y, classes, bf16, evalChunk(net), obs)
}

// evaluateInChunks is evaluateObserved with forward passes of chunk images
// (the last one smaller); the benchmark that checks evalChunk's sizes
// calls it directly.
func evaluateInChunks(ctx context.Context, net model.Net, x, y *ts.Tensor, classes int, bf16 bool, chunk int, obs EpochObserver) (ev evaluation, err error) {
	start := time.Now()
	n := int(x.MustSize()[0])
	if n == 0 {
		return ev, fmt.Errorf("evaluate: empty split")
	}
	labels := y.Int64Values()
	var lossSum float64
	correct, chunks := 0, chunksOf(n, chunk)
	err = NoGradChunks(ctx, x, y, chunk, func(s *model.Scope, xb, yb *ts.Tensor, lo int) error {
		loss, pred, err := evalBatch(s, net, xb, yb, bf16)
		if err != nil {
			return err
		}
		lossSum += loss * float64(len(pred))
		ev.Pred = append(ev.Pred, pred...)
		for i, p := range pred {
			if p == labels[lo+i] {
				correct++
			}
		}
		if obs != nil {
			done := lo + len(pred)
			obs.Batch((done+chunk-1)/chunk, chunks, lossSum/float64(done),
				100*float64(correct)/float64(done), float64(done)/time.Since(start).Seconds())
		}
		return nil
	})
	if obs != nil {
		obs.Done()
	}
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
	if err := ev.tally(labels, classes); err != nil {
		return ev, err
	}
	ev.Seconds = time.Since(start).Seconds()
	return ev, nil
}

// evalBatch runs net on the images xb and returns their mean loss
// against yb and the predicted classes; what it makes is recorded in s.
func evalBatch(s *model.Scope, net model.Net, xb, yb *ts.Tensor, bf16 bool) (float64, []int64, error) {
	logits, err := logitsOf(net, xb, false, bf16)
	if err != nil {
		return 0, nil, err
	}
	s.T(logits)
	loss, err := model.CrossEntropy(logits, yb)
	if err != nil {
		return 0, nil, err
	}
	l, err := model.Float(s.T(loss))
	if err != nil {
		return 0, nil, err
	}
	return l, s.T(logits.MustArgmax([]int64{-1}, false, false)).Int64Values(), nil
}

// tally fills in the confusion matrix (rows: true class), the accuracy
// and the accuracy per class from the labels and ev.Pred.
func (ev *evaluation) tally(labels []int64, classes int) error {
	ev.Confusion = make([][]int, classes)
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	correct := 0
	for i, t := range labels {
		p := ev.Pred[i]
		if t < 0 || int(t) >= classes || p < 0 || int(p) >= classes {
			return fmt.Errorf("evaluate: label %d or prediction %d outside %d classes", t, p, classes)
		}
		ev.Confusion[t][p]++
		if t == p {
			correct++
		}
	}
	ev.Accuracy = 100 * float64(correct) / float64(len(labels))
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
	return nil
}
