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
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	net, err := model.Build(vs.Root(), model.Arch{Model: "ffn", Hidden: []int{}, Classes: classes})
	if err != nil {
		t.Fatal(err)
	}
	// SGD with momentum: its steps grow with the rate (Adam's are
	// normalised, and here its loss saturates instead of exploding).
	opt, err := model.NewOptimizer(model.Params(vs), model.OptimConfig{Kind: model.OptimSGD, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	cfg := DefaultLRFind
	f, err := sweep(context.Background(), net, opt, x, y, 32, 1, false, cfg)
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
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	net, err := model.Build(vs.Root(), model.Arch{Model: "ffn", Hidden: []int{}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := model.NewOptimizer(model.Params(vs), model.OptimConfig{Kind: model.OptimSGD, LR: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	cfg := DefaultLRFind
	cfg.Start, cfg.End, cfg.Steps = 10, 1e4, 50
	f, err := sweep(context.Background(), net, opt, x, y, 32, 1, false, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !f.NoDescent || f.Suggestion != 0 {
		t.Errorf("no descent %v, suggestion %g (minimum at %g after %d steps): want no suggestion", f.NoDescent, f.Suggestion, f.MinLR, len(f.Points))
	}
}
