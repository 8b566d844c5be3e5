package model

import (
	"math"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
)

// A few Adam steps on one fixed random batch must lower the loss: the
// network, autograd and the optimizer are wired to libtorch correctly.
func TestCNNAdamStepsLowerTheLossOnAFixedBatch(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	torchenv.ManualSeed(42)
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	net := NewCNN(vs.Root(), 10)
	opt, err := nn.DefaultAdamConfig().Build(vs, 3e-4)
	if err != nil {
		t.Fatal(err)
	}
	x := ts.MustRand([]int64{16, 1, ImageSide, ImageSide}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	y := ts.MustRandint(10, []int64{16}, gotch.Int64, gotch.CPU)
	defer y.MustDrop()

	var losses []float64
	for step := 0; step < 15; step++ {
		logits := net.ForwardT(x, true)
		loss := logits.CrossEntropyForLogits(y)
		if err := opt.BackwardStep(loss); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, loss.Float64Values()[0])
		t.Logf("step %d loss %.4f", step, losses[step])
		logits.MustDrop()
		loss.MustDrop()
	}
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("step %d: loss %v is not finite", i, l)
		}
	}
	// With PyTorch's init the first loss is near ln(10); gotch's N(0,1)
	// default would give ~1e9.
	if losses[0] > 5 {
		t.Errorf("initial loss %.3g: the init is not PyTorch's", losses[0])
	}
	if last := losses[len(losses)-1]; last >= 0.9*losses[0] {
		t.Errorf("loss did not decrease: %v", losses)
	}
}

// channels_last changes strides, not numbers: the same network gives the
// same logits and the same Adam steps (up to float rounding), and its
// checkpoint is the standard layout, identical to the one saved before.
func TestChannelsLastGivesTheSameNetwork(t *testing.T) {
	pin(t)
	vsA, netA := newNet(t, Arch{Model: "cnn", Classes: 10}, 5)
	vsB, netB := newNet(t, Arch{Model: "cnn", Classes: 10}, 5)
	dir := t.TempDir()
	before := dir + "/before.pt"
	if _, err := SaveTensors(named(vsB), before); err != nil {
		t.Fatal(err)
	}
	if err := netB.(*CNN).UseChannelsLast(); err != nil {
		t.Fatal(err)
	}
	for _, p := range Params(vsB) {
		if p.Name == "conv2.weight" && p.Tensor.MustIsContiguous() {
			t.Fatal("conv2.weight is still in the standard layout")
		}
	}
	after := dir + "/after.pt"
	if _, err := SaveTensors(named(vsB), after); err != nil {
		t.Fatal(err)
	}
	if a, b := tensorsOf(t, before), tensorsOf(t, after); !reflectEqual(a, b) {
		t.Error("the channels_last network saves other numbers than the standard one")
	}

	x := ts.MustRand([]int64{8, 1, ImageSide, ImageSide}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	y := ts.MustRandint(10, []int64{8}, gotch.Int64, gotch.CPU)
	defer y.MustDrop()
	optA, _ := NewAdam(Params(vsA), 1e-3)
	optB, _ := NewAdam(Params(vsB), 1e-3)
	defer optA.Drop()
	defer optB.Drop()
	for step := 0; step < 3; step++ {
		la := netA.ForwardT(x, true)
		lb := netB.ForwardT(x, true)
		diff := la.MustSub(lb, false).MustAbs(true).MustMax(true)
		d, _ := Float(diff)
		diff.MustDrop()
		if d > 1e-4 {
			t.Errorf("step %d: logits differ by %g", step, d)
		}
		for _, p := range []struct {
			logits *ts.Tensor
			opt    *Optimizer
		}{{la, optA}, {lb, optB}} {
			loss := p.logits.CrossEntropyForLogits(y)
			if err := p.opt.Step(loss); err != nil {
				t.Fatal(err)
			}
			loss.MustDrop()
			p.logits.MustDrop()
		}
	}
}

func named(vs *nn.VarStore) []ts.NamedTensor {
	var out []ts.NamedTensor
	for _, p := range Params(vs) {
		out = append(out, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
	}
	return out
}

func tensorsOf(t *testing.T, file string) map[string][]float64 {
	m, err := ReadTensors(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for name, x := range m {
		out[name] = x.Float64Values()
		x.MustDrop()
	}
	return out
}

func reflectEqual(a, b map[string][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !equalF(v, b[k]) {
			return false
		}
	}
	return true
}
