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
