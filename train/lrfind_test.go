package train

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/model"
)

// On a synthetic problem that softmax regression learns (the class is which
// quarter of the image is brighter, a fifth of the labels wrong), the range test's loss falls and then
// explodes: the test stops at the divergence, well before its last step,
// and suggests a rate in the range where Adam trains such a network.
func TestRangeTestStopsAtDivergenceAndSuggestsASaneRate(t *testing.T) {
	pin(t)
	torchenv.ManualSeed(3)
	const n, classes = 512, 4
	truth := ts.MustRandint(classes, []int64{n}, gotch.Int64, gotch.CPU)
	defer truth.MustDrop()
	mark := truth.MustOneHot(classes, false).MustTotype(gotch.Float, true).MustUnsqueeze(2, true)
	x := ts.MustRand([]int64{n, classes, 196}, gotch.Float, gotch.CPU).MustAdd(mark, true).MustView([]int64{n, 1, 28, 28}, true)
	mark.MustDrop()
	defer x.MustDrop()
	// A fifth of the labels wrong: no rate takes the loss to 0, and a rate
	// too high makes confident mistakes on them, which explode the loss.
	const noisy = n / 5
	wrong := truth.MustNarrow(0, n-noisy, noisy, false).MustAddScalar(ts.IntScalar(1), true).MustRemainder(ts.IntScalar(classes), true)
	right := truth.MustNarrow(0, 0, n-noisy, false)
	y := ts.MustCat([]*ts.Tensor{right, wrong}, 0)
	right.MustDrop()
	wrong.MustDrop()
	defer y.MustDrop()
	vs, net := softmaxRegression(t, classes)
	// SGD with momentum: its steps grow with the rate (Adam's are
	// normalised, and here its loss saturates instead of exploding).
	opt, err := model.NewOptimizer(model.Params(vs), model.OptimConfig{Kind: model.OptimSGD, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	cfg := DefaultLRFind
	f, err := sweep(context.Background(), net, opt, x, y, 32, 1, false, stepRule{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Diverged || len(f.Points) >= cfg.Steps {
		t.Errorf("diverged %v after %d of %d steps: the test ran past a loss that explodes at a rate of 10", f.Diverged, len(f.Points), cfg.Steps)
	}
	last := f.Points[len(f.Points)-1]
	best := math.Inf(1)
	for _, p := range f.Points {
		best = min(best, p.Smoothed)
	}
	if f.Diverged && last.Smoothed <= cfg.Diverge*best {
		t.Errorf("stopped at smoothed loss %.3f, not above %g times the best %.3f", last.Smoothed, cfg.Diverge, best)
	}
	if f.Suggestion < 1e-4 || f.Suggestion > 3e-2 || f.Suggestion != f.MinLR/10 {
		t.Errorf("suggestion %g (minimum at %g): want a tenth of the minimum, between 1e-4 and 3e-2", f.Suggestion, f.MinLR)
	}
	for i := 1; i < len(f.Points); i++ {
		if r := f.Points[i].LR / f.Points[i-1].LR; math.Abs(r-math.Pow(cfg.End/cfg.Start, 1/float64(cfg.Steps-1))) > 1e-9 {
			t.Fatalf("step %d: rate ratio %g, not the sweep's constant factor", i, r)
		}
	}
	t.Logf("best smoothed %.3f, last %.3f; suggestion %.3g, minimum at %.3g, %d steps", best, last.Smoothed, f.Suggestion, f.MinLR, len(f.Points))
}

// --lr auto trains a run exactly as --lr at the range test's suggestion
// would: the test runs on a throwaway copy and leaves the source network,
// the run's initial weights and its random streams as they were.
func TestLRAutoIsARunAtTheSuggestion(t *testing.T) {
	pin(t)
	r := finetuneRecipe(t, "mnist", "last")
	o := twoPhaseOptions(t)
	o.Tuning, o.Epochs = Tuning{}, 2
	src := filepath.Join(o.PretrainedDir, "mnist-cnn.pt")
	before, err := model.FileSHA256(src)
	if err != nil {
		t.Fatal(err)
	}
	found, err := FindLR(context.Background(), r, o, DefaultLRFind)
	if err != nil {
		t.Fatal(err)
	}
	auto := o
	auto.LRAuto = true
	a, err := Run(context.Background(), r, auto)
	if err != nil {
		t.Fatal(err)
	}
	if a.Config.LR != found.Suggestion || !a.Config.LRAuto {
		t.Fatalf("--lr auto trained at %g (lr_auto %v), the range test suggests %g", a.Config.LR, a.Config.LRAuto, found.Suggestion)
	}
	given := o
	given.LR = found.Suggestion
	b, err := Run(context.Background(), r, given)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(a.History), withoutTimes(b.History)) || a.Final.Test.Loss != b.Final.Test.Loss {
		t.Errorf("--lr auto and --lr %g differ:\n%+v\n%+v", found.Suggestion, a.History, b.History)
	}
	if after, _ := model.FileSHA256(src); after != before {
		t.Error("the range test changed the source network's file")
	}
	resumed := auto
	resumed.Resume = true
	if _, err := Run(context.Background(), r, resumed); err == nil {
		t.Error("--lr auto with --resume was accepted")
	}
}

// A sweep whose loss never falls (here it starts at rates where SGD
// already diverges) suggests nothing, instead of a tenth of its first
// rate, and --lr auto then keeps the recipe's rate.
func TestRangeTestWithoutDescentSuggestsNothing(t *testing.T) {
	pin(t)
	torchenv.ManualSeed(3)
	x := ts.MustRand([]int64{256, 1, 28, 28}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	y := ts.MustRandint(4, []int64{256}, gotch.Int64, gotch.CPU)
	defer y.MustDrop()
	vs, net := softmaxRegression(t, 4)
	opt, err := model.NewOptimizer(model.Params(vs), model.OptimConfig{Kind: model.OptimSGD, LR: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	cfg := DefaultLRFind
	cfg.Start, cfg.End, cfg.Steps = 10, 1e4, 50
	f, err := sweep(context.Background(), net, opt, x, y, 32, 1, false, stepRule{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !f.NoDescent || f.Suggestion != 0 {
		t.Errorf("no descent %v, suggestion %g (minimum at %g after %d steps): want no suggestion", f.NoDescent, f.Suggestion, f.MinLR, len(f.Points))
	}
}

// The range test trains with the run's loss and augmentation: its first
// step's loss (taken before any update) is the label-smoothed loss of the
// augmented first batch, as the run's first step computes it, and not the
// plain loss of the plain images.
func TestRangeTestUsesTheRunsLossAndAugmentation(t *testing.T) {
	pin(t)
	const n, classes, batch = 64, 4, 32
	torchenv.ManualSeed(5)
	x := ts.MustRand([]int64{n, 1, 28, 28}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	y := ts.MustRandint(classes, []int64{n}, gotch.Int64, gotch.CPU)
	defer y.MustDrop()
	// firstLoss is the loss of the first step the sweep would take with
	// rule, computed here, on a fresh network of seed 7.
	firstLoss := func(rule stepRule) float64 {
		torchenv.ManualSeed(7)
		_, net := softmaxRegression(t, classes)
		perm, err := onDeviceOf(x, permutation(n, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		defer perm.MustDrop()
		s := model.NewScope()
		defer s.Drop()
		idx := s.T(perm.MustNarrow(0, 0, batch, false))
		xb, yb := s.T(x.MustIndexSelect(0, idx, false)), s.T(y.MustIndexSelect(0, idx, false))
		if aug := rule.augmenter(1, 0); aug != nil {
			moved, err := aug(xb)
			if err != nil {
				t.Fatal(err)
			}
			xb = s.T(moved)
		}
		logits := s.T(net.ForwardT(xb, false))
		loss, err := model.CrossEntropySmoothed(logits, yb, rule.smoothing)
		if err != nil {
			t.Fatal(err)
		}
		v, err := model.Float(s.T(loss))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sweptLoss := func(rule stepRule) float64 {
		torchenv.ManualSeed(7)
		vs, net := softmaxRegression(t, classes)
		opt, err := model.NewOptimizer(model.Params(vs), model.OptimConfig{Kind: model.OptimAdam, LR: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		defer opt.Drop()
		cfg := DefaultLRFind
		cfg.Steps = 2
		f, err := sweep(context.Background(), net, opt, x, y, batch, 1, false, rule, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f.Points[0].Loss
	}
	plain := firstLoss(stepRule{})
	for _, rule := range []stepRule{
		{smoothing: 0.5},
		{augment: augmentation{kind: AugmentStandard, seed: 3}},
		{smoothing: 0.2, augment: augmentation{kind: AugmentShift, seed: 3}},
	} {
		want := firstLoss(rule)
		if math.Abs(want-plain) < 1e-3 {
			t.Fatalf("%+v: the rule's loss %.6f is the plain one %.6f: the test cannot tell them apart", rule, want, plain)
		}
		if got := sweptLoss(rule); math.Abs(got-want) > 1e-5 {
			t.Errorf("%+v: the range test's first loss is %.6f, want the run's %.6f (the plain loss of the plain images is %.6f)", rule, got, want, plain)
		}
	}
}

// softmaxRegression is a network with no hidden layer (a linear map of
// the pixels to classes logits), freed when the test ends.
func softmaxRegression(t *testing.T, classes int) (*nn.VarStore, model.Net) {
	vs := nn.NewVarStore(gotch.CPU)
	t.Cleanup(vs.Destroy)
	net, err := model.Build(vs.Root(), model.Arch{Model: "ffn", Hidden: []int{}, Classes: classes})
	if err != nil {
		t.Fatal(err)
	}
	return vs, net
}
