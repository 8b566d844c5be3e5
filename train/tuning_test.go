package train

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// withoutTimes is h with the measured times cleared: what a fixed seed
// must reproduce bit for bit.
func withoutTimes(h []metrics.Epoch) []metrics.Epoch {
	out := append([]metrics.Epoch(nil), h...)
	for i := range out {
		out[i].Seconds, out[i].ImagesPerSec, out[i].EvalSeconds = 0, 0, 0
	}
	return out
}

// The defaults spelled out (--optimizer adam --schedule constant
// --weight-decay 0 --label-smoothing 0 --keep last) are the seed's recipe:
// the same settings, run name and history, bit for bit, as no options.
func TestExplicitDefaultTuningIsTheSeedsRecipe(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 300, 2, 50, 200
	plain, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	explicit := o
	explicit.Tuning = Tuning{Optimizer: model.OptimAdam, Schedule: ScheduleConstant, Keep: KeepLast}
	explicit.PretrainedDir = t.TempDir() // a pretraining does not replace the first run's network
	if RunName(r, explicit) != RunName(r, o) {
		t.Errorf("explicit defaults name the run %q, no options %q", RunName(r, explicit), RunName(r, o))
	}
	spelled, err := Run(context.Background(), r, explicit)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(plain.History), withoutTimes(spelled.History)) {
		t.Errorf("histories differ:\n%+v\n%+v", plain.History, spelled.History)
	}
	a, b := plain.Config, spelled.Config
	if !reflect.DeepEqual(a, b) {
		t.Errorf("configs differ:\n%+v\n%+v", a, b)
	}
	if plain.Final.Test.Loss != spelled.Final.Test.Loss || plain.Selection != nil || spelled.Selection != nil {
		t.Errorf("final test %v/%v, selection %+v %+v", plain.Final.Test.Loss, spelled.Final.Test.Loss, plain.Selection, spelled.Selection)
	}
	for _, e := range plain.History {
		if len(e.LR) != 1 || e.LR[0] != r.LR {
			t.Errorf("epoch %d records learning rates %v, want [%g]", e.Epoch, e.LR, r.LR)
		}
	}
	// An option that departs changes the numbers: the comparison above
	// can fail.
	smoothed := o
	smoothed.Tuning.LabelSmoothing = 0.1
	smoothed.PretrainedDir = t.TempDir()
	other, err := Run(context.Background(), r, smoothed)
	if err != nil {
		t.Fatal(err)
	}
	if other.History[0].TrainLoss == plain.History[0].TrainLoss {
		t.Error("label smoothing left the training loss as it was")
	}
}

// bestOf and stoppedAfter are the rules written out plainly, to check the
// engine's: the first epoch with the highest validation accuracy, and the
// first epoch after which patience epochs brought no better one.
func bestOf(h []metrics.Epoch) int {
	best := 0
	for i := range h {
		if best == 0 || h[i].ValAcc > h[best-1].ValAcc {
			best = i + 1
		}
	}
	return best
}

func stoppedAfter(h []metrics.Epoch, patience int) int {
	for n := 1; n <= len(h); n++ {
		if n-bestOf(h[:n]) >= patience {
			return n
		}
	}
	return 0
}

func TestEarlyStoppingRules(t *testing.T) {
	h := func(acc ...float64) []metrics.Epoch {
		var out []metrics.Epoch
		for i, a := range acc {
			out = append(out, metrics.Epoch{Epoch: i + 1, ValAcc: a, HasVal: true})
		}
		return out
	}
	for _, c := range []struct {
		acc      []float64
		patience int
		best     int
		stops    bool
	}{
		{[]float64{50, 60, 70}, 1, 3, false},
		{[]float64{50, 60, 60}, 1, 2, true}, // an equal accuracy is no new best
		{[]float64{50, 60, 55, 58}, 2, 2, true},
		{[]float64{50, 60, 55, 61}, 2, 4, false},
		{[]float64{50, 40, 30, 20}, 0, 1, false}, // patience 0: never
	} {
		hist := h(c.acc...)
		if got := bestEpoch(hist); got != c.best {
			t.Errorf("%v: best epoch %d, want %d", c.acc, got, c.best)
		}
		if got := stopsEarly(hist, c.patience); got != c.stops {
			t.Errorf("%v, patience %d: stops %v, want %v", c.acc, c.patience, got, c.stops)
		}
	}
}

// With a learning rate too small to change any prediction, the
// validation accuracy stays where epoch 1 left it, so patience 2 stops
// the run after epoch 3 of 6; the engine's stop matches the rule applied
// to the history it recorded, and metrics.json and the sidecar say so.
func TestEarlyStoppingStopsWhereTheValidationHistorySays(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit, o.LR = 300, 6, 50, 100, 1e-9
	o.ValFraction, o.Tuning.Patience = 0.2, 2
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	n := len(run.History)
	if want := stoppedAfter(run.History, 2); n != want || n == o.Epochs {
		t.Fatalf("ran %d epochs of %d; the validation history %v says stop after %d", n, o.Epochs, valAccs(run.History), want)
	}
	s := run.Selection
	if s == nil || !s.Stopped || s.StoppedAt != n || s.Epoch != n || s.Keep != KeepLast || s.Patience != 2 || s.Epochs != 6 {
		t.Fatalf("selection %+v, want stopped after %d, the last epoch kept", s, n)
	}
	sc, err := model.ReadSidecar(run.Checkpoint)
	if err != nil || !reflect.DeepEqual(sc.Selection, s) {
		t.Errorf("sidecar selection %+v (%v), want %+v", sc.Selection, err, s)
	}
	saved, err := metrics.ReadRun(filepath.Join(o.ResultsDir, run.Name, metrics.FileName))
	if err != nil || !reflect.DeepEqual(saved.Selection, s) {
		t.Errorf("metrics.json selection %+v (%v)", saved.Selection, err)
	}
}

func valAccs(h []metrics.Epoch) []float64 {
	var out []float64
	for _, e := range h {
		out = append(out, e.ValAcc)
	}
	return out
}

// valuesOf is t's values in logical order, whatever its memory format
// (Float64Values copies memory as it lies: channels_last would reorder).
func valuesOf(t *ts.Tensor) []float64 {
	return t.MustContiguous(false).Float64Values(true)
}

// snapshotParams copies every parameter's values.
func snapshotParams(vs *nn.VarStore) map[string][]float64 {
	out := map[string][]float64{}
	for _, p := range model.Params(vs) {
		out[p.Name] = valuesOf(p.Tensor)
	}
	return out
}

// --keep best tests and saves the weights of the epoch with the best
// validation accuracy, not the last: after epoch 2 of 3 the weights are
// zeroed (every ReLU dead: chance accuracy), so epoch 3 cannot be the best, and model.pt must hold, tensor
// for tensor, what the network held after the best epoch. The validation
// split is --val-fraction's, stratified; the cosine schedule's rate is
// recorded per epoch.
func TestKeptBestCheckpointHoldsTheBestEpochsWeights(t *testing.T) {
	pin(t)
	r := overfitRecipe() // a small FFN learns within an epoch
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit, o.Hidden = 300, 3, 50, 100, []int{64}
	o.ValFraction = 0.2 // stratified, in place of the recipe's 80/20
	o.Tuning = Tuning{Keep: KeepBest, Schedule: ScheduleCosine}
	after := map[int]map[string][]float64{}
	o.afterEpoch = func(e int, vs *nn.VarStore) {
		after[e] = snapshotParams(vs)
		if e == 2 {
			ts.NoGrad(func() {
				for _, p := range model.Params(vs) {
					p.Tensor.Zero_()
				}
			})
		}
	}
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	best := bestOf(run.History)
	if best == 3 || len(run.History) != 3 {
		t.Fatalf("validation accuracies %v: the zeroed epoch 3 is the best?", valAccs(run.History))
	}
	if s := run.Selection; s == nil || s.Keep != KeepBest || s.Epoch != best || s.Stopped || s.ValAcc != run.History[best-1].ValAcc {
		t.Fatalf("selection %+v, want epoch %d kept", s, best)
	}
	if run.Final.Val.Accuracy != run.History[best-1].ValAcc || run.Final.Train.Accuracy != run.History[best-1].TrainAcc {
		t.Errorf("final train/val %v/%v, want the kept epoch's %v/%v", run.Final.Train.Accuracy, run.Final.Val.Accuracy, run.History[best-1].TrainAcc, run.History[best-1].ValAcc)
	}
	saved, err := model.ReadTensors(run.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	differsFromLast := false
	for name, want := range after[best] {
		got := valuesOf(saved[name])
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s in model.pt is not epoch %d's", name, best)
		}
		if !reflect.DeepEqual(got, after[3][name]) {
			differsFromLast = true
		}
		saved[name].MustDrop()
	}
	if !differsFromLast {
		t.Error("model.pt equals the last epoch's weights too: the test cannot tell")
	}
	if left, _ := filepath.Glob(filepath.Join(o.ResultsDir, run.Name, "best-*")); len(left) != 0 {
		t.Errorf("best epoch files left behind: %v", left)
	}
	// The stratified validation split: 20% of each class of the 300.
	if c := run.Config; !c.ValStratified || c.ValFraction != 0.2 || c.EvalSplit != "val" || run.Final.Val.N+run.Final.Train.N != 300 {
		t.Errorf("config %+v, train %d + val %d images", c, run.Final.Train.N, run.Final.Val.N)
	}
	if !strings.Contains(run.Name, "val0.2") || !strings.Contains(run.Name, "cosine") || !strings.Contains(run.Name, "best") {
		t.Errorf("run name %q does not say what departs from the recipe", run.Name)
	}
	// The rate of each epoch's last step, cosine annealing over 3 epochs
	// of ceil(training images/50) steps.
	batches := (run.Final.Train.N + 49) / 50
	for i, e := range run.History {
		step, total := float64((i+1)*batches-1), float64(3*batches)
		want := r.LR * (1 + math.Cos(math.Pi*step/total)) / 2
		if len(e.LR) != 1 || math.Abs(e.LR[0]-want) > 1e-18 {
			t.Errorf("epoch %d: lr %v, want [%g]", e.Epoch, e.LR, want)
		}
	}
}

func TestTuningChecks(t *testing.T) {
	for _, c := range []struct {
		t   Tuning
		val float64
		ok  bool
	}{
		{Tuning{}, 0, true},
		{Tuning{Keep: KeepBest, Patience: 3}, 0.1, true},
		{Tuning{Keep: KeepBest}, 0, false},
		{Tuning{Patience: 2}, 0, false},
		{Tuning{WeightDecay: -0.1}, 0, false},
		{Tuning{LabelSmoothing: 1}, 0, false},
		{Tuning{Optimizer: "rmsprop"}, 0, false},
		{Tuning{Schedule: "step"}, 0, false},
		{Tuning{Schedule: ScheduleOneCycle, WarmupEpochs: 1}, 0, false},
		{Tuning{Keep: "first"}, 0.1, false},
	} {
		if err := c.t.check(c.val); (err == nil) != c.ok {
			t.Errorf("%+v with validation %v: %v", c.t, c.val, err)
		}
	}
}

// The engine with its default options trains as the loop written from the
// pieces that predate the fine-tuning options (model.NewAdam,
// trainOneEpoch, evaluate, the seed's 80/20 split): the same numbers, bit
// for bit, epoch by epoch. A rate set per step, a smoothed loss or another
// split on the default path would show here.
func TestDefaultRunIsThePlainAdamLoop(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit, o.Hidden = 300, 3, 50, 100, []int{64}
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	r, o = o.Apply(r), o.WithDefaults()
	sp, err := loadSplits(ctx, r, o)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.drop()
	torchenv.ManualSeed(o.Seed)
	vs := nn.NewVarStore(o.Device)
	defer vs.Destroy()
	net, err := model.Build(vs.Root(), model.Arch{Model: r.Model, Hidden: r.Hidden, Classes: len(sp.classes)})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := model.NewAdam(model.Params(vs), r.LR)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	for e := 1; e <= r.Epochs; e++ {
		ep, err := trainOneEpoch(ctx, net, opt, sp.trainX, sp.trainY, r.BatchSize, permutation(sp.trainN, o.Seed, e), e, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := evaluate(ctx, net, sp.evalX, sp.evalY, len(sp.classes), false)
		if err != nil {
			t.Fatal(err)
		}
		got := run.History[e-1]
		if got.TrainLoss != ep.TrainLoss || got.TrainAcc != ep.TrainAcc || got.ValLoss != ev.Loss || got.ValAcc != ev.Accuracy {
			t.Errorf("epoch %d: engine %v/%v/%v/%v, plain loop %v/%v/%v/%v", e, got.TrainLoss, got.TrainAcc, got.ValLoss, got.ValAcc, ep.TrainLoss, ep.TrainAcc, ev.Loss, ev.Accuracy)
		}
	}
}
