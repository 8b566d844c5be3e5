package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"

	"transferlab/metrics"
	"transferlab/model"
)

// EpochObserver sees a batch's progress inside an epoch (progress bars).
type EpochObserver interface {
	// Batch reports done of total steps. loss and acc are NaN (unscored)
	// for a pass that computes neither (a feature-cache pass).
	Batch(done, total int, loss, acc float64, imagesPerSec float64)
	Done()
}

// stepRule is how each step of an epoch trains beyond the optimizer's own
// settings; the zero value is the seed's: the optimizer's rate, plain
// cross-entropy.
type stepRule struct {
	sched     *schedule // sets the rate of every step (nil: leave it)
	smoothing float64   // label smoothing of the training loss
	augment   augmentation
}

// lossAndAugmentation is the step rule of j's run without its schedule:
// the label smoothing of its loss and the augmentation of its images.
func (j *job) lossAndAugmentation() stepRule {
	return stepRule{smoothing: j.o.Tuning.LabelSmoothing, augment: runAugmentation(j.r, j.o)}
}

// augmenter is rule's augmentation of batch b of epoch e (seeded by
// both), nil when the rule has none.
func (rule stepRule) augmenter(e, b int) func(*ts.Tensor) (*ts.Tensor, error) {
	if !rule.augment.on() {
		return nil
	}
	return func(xb *ts.Tensor) (*ts.Tensor, error) { return rule.augment.apply(xb, e, b) }
}

// trainOneEpoch trains net on the images of x at a seeded permutation, in
// batches, and returns the epoch's sample-weighted mean loss and accuracy.
// Batches are gathered from the resident tensor with index_select: no
// per-sample cgo calls.
func trainOneEpoch(ctx context.Context, net model.Net, opt *model.Optimizer, x, y *ts.Tensor, batch int, perm []int64, epoch int, bf16 bool, obs EpochObserver) (metrics.Epoch, error) {
	return trainEpoch(ctx, net, opt, x, y, batch, perm, epoch, bf16, obs, stepRule{})
}

// trainEpoch is trainOneEpoch with rule: a schedule sets the rate of
// step (epoch-1)*batches+b before it is taken, and the epoch records the
// rate of its last step.
func trainEpoch(ctx context.Context, net model.Net, opt *model.Optimizer, x, y *ts.Tensor, batch int, perm []int64, epoch int, bf16 bool, obs EpochObserver, rule stepRule) (metrics.Epoch, error) {
	n := len(perm)
	permT, err := onDeviceOf(x, perm)
	if err != nil {
		return metrics.Epoch{}, err
	}
	defer permT.MustDrop()
	start := time.Now()
	var lossSum float64
	var correct int64
	batches := (n + batch - 1) / batch
	for b := 0; b < batches; b++ {
		if err := ctx.Err(); err != nil {
			return metrics.Epoch{}, err
		}
		lo := b * batch
		size := min(batch, n-lo)
		if rule.sched != nil {
			if err := opt.SetLR(rule.sched.lr((epoch-1)*batches + b)); err != nil {
				return metrics.Epoch{}, err
			}
		}
		loss, hits, err := smoothedStep(net, opt, x, y, permT, lo, size, bf16, rule.smoothing, rule.augmenter(epoch, b))
		if err != nil {
			return metrics.Epoch{}, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return metrics.Epoch{}, fmt.Errorf("epoch %d, batch %d: the loss is %v; lower the learning rate (--lr) or check the data", epoch, b+1, loss)
		}
		lossSum += loss * float64(size)
		correct += hits
		if obs != nil {
			seen := lo + size
			obs.Batch(b+1, batches, lossSum/float64(seen), 100*float64(correct)/float64(seen), float64(seen)/time.Since(start).Seconds())
		}
	}
	if obs != nil {
		obs.Done()
	}
	secs := time.Since(start).Seconds()
	return metrics.Epoch{
		Epoch:        epoch,
		TrainLoss:    lossSum / float64(n),
		TrainAcc:     100 * float64(correct) / float64(n),
		Seconds:      secs,
		ImagesPerSec: float64(n) / secs,
		LR:           opt.LRs(),
	}, nil
}

// trainStep runs one optimization step on the images perm[lo:lo+size] and
// returns the batch's mean loss and number of correct predictions. Every
// tensor it makes is freed before it returns.
func trainStep(net model.Net, opt *model.Optimizer, x, y, perm *ts.Tensor, lo, size int, bf16 bool) (float64, int64, error) {
	return smoothedStep(net, opt, x, y, perm, lo, size, bf16, 0, nil)
}

// smoothedStep is trainStep with the loss's label smoothing eps (0: the
// plain cross-entropy, the same calls as before smoothing existed) and
// the batch's images through augment (nil: as they are).
func smoothedStep(net model.Net, opt *model.Optimizer, x, y, perm *ts.Tensor, lo, size int, bf16 bool, eps float64, augment func(*ts.Tensor) (*ts.Tensor, error)) (float64, int64, error) {
	s := model.NewScope()
	defer s.Drop()
	idx := s.T(perm.MustNarrow(0, int64(lo), int64(size), false))
	xb := s.T(x.MustIndexSelect(0, idx, false))
	yb := s.T(y.MustIndexSelect(0, idx, false))
	if augment != nil {
		moved, err := augment(xb)
		if err != nil {
			return 0, 0, err
		}
		xb = s.T(moved)
	}
	logits, err := logitsOf(net, xb, true, bf16)
	if err != nil {
		return 0, 0, err
	}
	s.T(logits)
	loss, err := model.CrossEntropySmoothed(logits, yb, eps)
	if err != nil {
		return 0, 0, err
	}
	s.T(loss)
	if err := opt.Step(loss); err != nil {
		return 0, 0, err
	}
	hits := s.T(s.T(s.T(logits.MustArgmax([]int64{-1}, false, false)).MustEqTensor(yb, false)).MustSum(gotchInt64, false))
	l, err := model.Float(loss)
	if err != nil {
		return 0, 0, err
	}
	h, err := model.Int(hits)
	return l, h, err
}

// permutation is the seeded shuffle of epoch e (1-based): the same seed
// gives the same batches, whatever ran before.
func permutation(n int, seed int64, e int) []int64 {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(e)))
	p := make([]int64, n)
	for i, v := range r.Perm(n) {
		p[i] = int64(v)
	}
	return p
}

// onDeviceOf is the shuffle perm as a tensor where x lives, so that
// index_select gathers each batch there (a GPU's data never comes back
// to the CPU to be shuffled).
func onDeviceOf(x *ts.Tensor, perm []int64) (*ts.Tensor, error) {
	p, err := ts.OfSlice(perm)
	if err != nil {
		return nil, err
	}
	if d := x.MustDevice(); d.IsCuda() {
		return p.To(d, true)
	}
	return p, nil
}

// logitsOf runs net on x and returns fp32 logits. With bf16 the forward
// pass runs under bfloat16 autocast on x's device (as
// torch.autocast(device, dtype=torch.bfloat16)) and the logits are cast
// back, so the loss, the backward pass's start and Adam stay in fp32 on
// fp32 master weights.
func logitsOf(net model.Net, x *ts.Tensor, train, bf16 bool) (*ts.Tensor, error) {
	if !bf16 {
		return net.ForwardT(x, train), nil
	}
	var out *ts.Tensor
	if err := torchenv.Autocast(x.MustDevice(), func() { out = net.ForwardT(x, train) }); err != nil {
		return nil, err
	}
	defer out.MustDrop()
	return out.MustTotype(gotch.Float, false), nil
}
