package train

import (
	"context"
	"fmt"
	"math"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// The learning-rate range test of Smith (2015), as fastai's lr_find: a
// copy of the run's network trains for up to Steps steps at a rate that
// grows exponentially from Start to End; the loss, smoothed by an
// exponential moving average with bias correction, falls while the rate
// is useful and explodes once it is too high, where the test stops (the
// smoothed loss above Diverge times its best). The copy is thrown away:
// the source network and the run are never touched.
//
// The suggestion is the rate at the smoothed loss's minimum divided by 10
// (fastai's lr_min): at the minimum the rate is already about to diverge,
// and a tenth of it is on the steep, still stable part of the curve. It
// is less noisy than the steepest slope on a few hundred steps. When the
// minimum lies in the sweep's first tenth the loss never fell (a network
// that already fits the data) and nothing is suggested: --lr auto then
// keeps the recipe's rate.

// LRFindConfig is the range test's sweep.
type LRFindConfig struct {
	Start, End float64 // the first and the last rate of the sweep
	Steps      int     // steps from Start to End, if the loss does not diverge first
	Beta       float64 // the moving average's weight on the past
	Diverge    float64 // stop once the smoothed loss exceeds this times its best
}

// DefaultLRFind is fastai's sweep, over 200 steps.
var DefaultLRFind = LRFindConfig{Start: 1e-7, End: 10, Steps: 200, Beta: 0.98, Diverge: 4}

// suggestionRule says how the suggestion is chosen, for the record.
const suggestionRule = "the rate at the smoothed loss's minimum, divided by 10 (fastai's lr_min)"

// FindLR runs the range test for recipe r with options o: the data and
// network of the run the same command would start (its source weights,
// frozen layers and optimizer), trained on a throwaway copy.
func FindLR(ctx context.Context, r Recipe, o Options, cfg LRFindConfig) (f *metrics.LRFinding, err error) {
	j := &job{ctx: ctx}
	defer j.close()
	defer func() {
		if p := recover(); p != nil { // a libtorch error from a gotch Must* helper
			err = torchenv.PanicError(p)
		}
	}()
	j.r, j.o = o.Apply(r), o.WithDefaults()
	j.o.Data.Seed = j.o.Seed
	if err := j.check(); err != nil {
		return nil, err
	}
	if err := j.loadData(); err != nil {
		return nil, err
	}
	f, err = j.rangeTest(cfg)
	if f != nil {
		f.Run = RunName(r, o)
	}
	return f, err
}

// findLR, for --lr auto, runs the range test on the run's data and sets
// the run's rate to its suggestion.
func (j *job) findLR() error {
	if !j.o.LRAuto {
		return nil
	}
	f, err := j.rangeTest(DefaultLRFind)
	if err != nil {
		return fmt.Errorf("--lr auto: %w", err)
	}
	if f.NoDescent {
		j.o.Log.Printf("%s: --lr auto: the range test's smoothed loss never fell (its minimum is at %.3g, in the sweep's first tenth): no rate suggested, training at the recipe's %g", j.r.Name, f.MinLR, j.r.LR)
		return nil
	}
	j.r.LR = f.Suggestion
	j.o.Log.Printf("%s: --lr auto: the range test suggests %.3g (%s, %d steps)", j.r.Name, f.Suggestion, f.Rule, len(f.Points))
	return nil
}

// rangeTest runs the test on a copy of the network j's run would train,
// on j's training images, with the run's loss and augmentation: a rate
// found on plain images and the plain loss would be for another run (as
// fastai's lr_find trains with the learner's loss and data).
func (j *job) rangeTest(cfg LRFindConfig) (*metrics.LRFinding, error) {
	if !(cfg.Start > 0 && cfg.End > cfg.Start && cfg.Steps >= 2 && cfg.Beta >= 0 && cfg.Beta < 1 && cfg.Diverge > 1) {
		return nil, fmt.Errorf("range test %+v: give 0 < start < end, 2 or more steps, beta in [0, 1) and a divergence factor above 1", cfg)
	}
	c, err := j.throwawayCopy()
	defer c.close()
	if err != nil {
		return nil, err
	}
	// The run's augmentation, not the copy's: the copy runs its frozen
	// prefix every step, which would make a backbone's "auto" a crop where
	// the run, from its feature cache, has none.
	return sweep(j.ctx, c.net, c.opt, j.sp.trainX, j.sp.trainY, j.r.BatchSize, j.o.Seed, j.bf16(), j.lossAndAugmentation(), cfg)
}

// throwawayCopy is a job of its own over j's data: a network built and
// loaded as j's run would build and load it (the resume point aside),
// its layers frozen as the run's first epoch has them, and the run's
// optimizer. It shares j's splits and never frees them; the backbone runs
// in every step (no feature cache: the splits stay images).
func (j *job) throwawayCopy() (*job, error) {
	c := &job{ctx: j.ctx, r: j.r, o: j.o, sp: j.sp, dir: j.dir}
	c.o.Resume, c.o.NoFeatureCache, c.o.Log = false, true, Discard{}
	c.arch = model.Arch{Model: c.r.Model, Hidden: c.r.Hidden, Classes: len(c.sp.classes)}
	torchenv.ManualSeed(c.o.Seed)
	c.vs = nn.NewVarStore(c.o.Device)
	c.closers = append(c.closers, c.vs.Destroy)
	net, err := model.Build(c.vs.Root(), c.arch)
	if err != nil {
		return c, err
	}
	c.net, c.params = net, model.Params(c.vs)
	for _, step := range []func() error{c.loadWeights, c.freeze, c.newOptimizer} {
		if err := step(); err != nil {
			return c, err
		}
	}
	return c, nil
}

// sweep takes the range test's steps: step i at rate
// start*(end/start)^(i/(steps-1)), the batches a seeded shuffle of the
// images, epoch after epoch, each step with rule's loss and augmentation
// (its schedule is the sweep's own).
func sweep(ctx context.Context, net model.Net, opt *model.Optimizer, x, y *ts.Tensor, batch int, seed int64, bf16 bool, rule stepRule, cfg LRFindConfig) (*metrics.LRFinding, error) {
	n := int(x.MustSize()[0])
	batch = min(batch, n)
	f := &metrics.LRFinding{Rule: suggestionRule}
	var perm *ts.Tensor
	defer func() {
		if perm != nil {
			perm.MustDrop()
		}
	}()
	avg, best, bestAt := 0.0, math.Inf(1), 0
	perEpoch := n / batch // whole batches only: every step sees as many images
	for i := 0; i < cfg.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := i % perEpoch
		if b == 0 {
			if perm != nil {
				perm.MustDrop()
			}
			var err error
			if perm, err = onDeviceOf(x, permutation(n, seed, i/perEpoch+1)); err != nil {
				return nil, err
			}
		}
		lr := cfg.Start * math.Pow(cfg.End/cfg.Start, float64(i)/float64(cfg.Steps-1))
		if err := opt.SetLR(lr); err != nil {
			return nil, err
		}
		loss, _, err := smoothedStep(net, opt, x, y, perm, b*batch, batch, bf16, rule.smoothing, rule.augmenter(i/perEpoch+1, b))
		if err != nil {
			return nil, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			f.Diverged = true
			break
		}
		avg = cfg.Beta*avg + (1-cfg.Beta)*loss
		smoothed := avg / (1 - math.Pow(cfg.Beta, float64(i+1)))
		f.Points = append(f.Points, metrics.LRPoint{LR: lr, Loss: loss, Smoothed: smoothed})
		if smoothed < best {
			best, f.MinLR, bestAt = smoothed, lr, len(f.Points)-1
		}
		if i > 0 && smoothed > cfg.Diverge*best {
			f.Diverged = true
			break
		}
	}
	if len(f.Points) == 0 {
		return nil, fmt.Errorf("the range test's first step at rate %g gave no finite loss", cfg.Start)
	}
	// A minimum in the first tenth is no descent: a tenth of it would be
	// below the sweep's start (1e-8 for a network already fitted).
	if f.NoDescent = bestAt < max(1, cfg.Steps/10); !f.NoDescent {
		f.Suggestion = f.MinLR / 10
	}
	return f, nil
}
