package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/model"
)

// bf16 keeps 8 significant bits: rounding one value to bf16 moves it by at
// most 2^-9 of itself. The CNN rounds its input and weights at each of its
// eight layers and oneDNN accumulates in fp32, so the logits' relative
// error is a small multiple of that, whatever the kernels (AVX-512
// emulation, AMX, plain AVX2 on AMD EPYC). Measured here (AMD EPYC,
// oneDNN's AVX2 path): see the test's log line.
const (
	bf16UnitRoundoff = 1.0 / 512
	bf16LogitsBound  = 16 * bf16UnitRoundoff // 3.1%
)

// What bf16 autocast promises on any CPU: the committed MNIST network's
// logits under autocast are within a bf16-sized relative error of its fp32
// logits on the same images, autocast really changes them (more than fp32
// rounding would), and the predicted classes almost all agree.
func TestBF16LogitsStayWithinBF16ErrorOfFP32(t *testing.T) {
	pin(t)
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	net, err := model.Build(vs.Root(), model.Arch{Model: "cnn", Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.LoadWeights(vs, filepath.Join("..", "pretrained", "mnist-cnn.pt")); err != nil {
		t.Fatal(err)
	}
	test, err := data.Load(context.Background(), "mnist", "test", quick(t).Data)
	if err != nil {
		t.Fatal(err)
	}
	// 256 images: where the CPU has no bf16 instructions bf16 takes slow
	// paths, and this forward pass runs at about 17 images/s.
	idx := make([]int, 256)
	for i := range idx {
		idx[i] = i * 39 // spread over the test set
	}
	if test, err = test.Subset(idx); err != nil {
		t.Fatal(err)
	}
	x, y, err := test.Tensors(gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	defer y.MustDrop()

	var f32, b16 []float64
	ts.NoGrad(func() {
		for _, bf16 := range []bool{false, true} {
			logits, ferr := logitsOf(net, x, false, bf16)
			if ferr != nil {
				err = ferr
				return
			}
			if bf16 {
				b16 = logits.Float64Values()
			} else {
				f32 = logits.Float64Values()
			}
			logits.MustDrop()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var diff2, norm2 float64
	agree := 0
	for i := 0; i < len(idx); i++ {
		row32, row16 := f32[i*10:(i+1)*10], b16[i*10:(i+1)*10]
		if argmax(row32) == argmax(row16) {
			agree++
		}
		for j := range row32 {
			d := row16[j] - row32[j]
			diff2 += d * d
			norm2 += row32[j] * row32[j]
		}
	}
	rel := math.Sqrt(diff2 / norm2)
	t.Logf("bf16 logits: relative error %.4f (%.1f unit roundoffs), %d of %d predictions agree", rel, rel/bf16UnitRoundoff, agree, len(idx))
	if rel > bf16LogitsBound {
		t.Errorf("bf16 logits are %.2f%% from fp32's, want <= %.2f%%", 100*rel, 100*bf16LogitsBound)
	}
	if rel < 1e-4 {
		t.Errorf("bf16 logits are within %.1e of fp32's: autocast did not run in bf16", rel)
	}
	if agree < len(idx)*99/100 {
		t.Errorf("%d of %d predictions agree with fp32's, want >= 99%%", agree, len(idx))
	}
}

func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// bf16 training learns what fp32 training learns: the same short run of the
// FFN (784-256-10, 3,200 MNIST training images, 4 epochs) in each
// precision lowers its loss by more than half and ends within
// bf16TrainingMargin of fp32's test accuracy; the bf16 checkpoint holds
// fp32 master weights that load as fp32.
//
// The margin, from measurements: on an AMD EPYC (Zen 3, AVX2 only, where
// bf16 convolutions run on libtorch's portable bf16 matrix product), seeds 1 to 5 gave bf16 within 0.10 points of fp32
// on 2,000 test images (0.37 on validation), while fp32's own results
// spread over 1.15 points from seed to seed. A point is ten times the
// measured gap and below the seed-to-seed spread: it fails a bf16 path that
// learns a different model, not kernels that round differently (AMX,
// AVX-512 or emulation, whose effect is a fraction of a seed's). It has
// not been measured on an AMX CPU here. The FFN, not the CNN: this run
// takes 7 s in emulated bf16, the CNN's would take many minutes; the CNN's
// bf16 path is checked by TestBF16LogitsStayWithinBF16ErrorOfFP32.
const bf16TrainingMargin = 1.0

func TestBF16TrainingLearnsWhatFP32Learns(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	test := map[string]float64{}
	var bf16Checkpoint string
	for _, precision := range []string{"fp32", "bf16"} {
		o := quick(t)
		o.Limit, o.Epochs, o.BatchSize, o.LR, o.EvalLimit, o.Hidden = 4000, 4, 64, 0.001, 2000, []int{256}
		o.Precision = precision
		run, err := Run(context.Background(), r, o)
		if err != nil {
			t.Fatal(err)
		}
		if run.Config.Precision != precision {
			t.Errorf("precision recorded as %q, want %q", run.Config.Precision, precision)
		}
		first, last := run.History[0].TrainLoss, run.History[len(run.History)-1].TrainLoss
		if !(last < first/2) {
			t.Errorf("%s: training loss %.4f in epoch 1, %.4f in epoch 4: want it more than halved", precision, first, last)
		}
		test[precision] = run.Final.Test.Accuracy
		bf16Checkpoint = run.Checkpoint
	}
	t.Logf("test accuracy on 2000 images: fp32 %.2f%%, bf16 %.2f%%", test["fp32"], test["bf16"])
	if math.Abs(test["bf16"]-test["fp32"]) > bf16TrainingMargin || test["bf16"] < 80 {
		t.Errorf("bf16 reaches %.2f%%, fp32 %.2f%%: want within %.1f points (and above 80%%)", test["bf16"], test["fp32"], bf16TrainingMargin)
	}
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	if _, err := model.Build(vs.Root(), model.Arch{Model: "ffn", Hidden: []int{256}, Classes: 10}); err != nil {
		t.Fatal(err)
	}
	if err := model.LoadWeights(vs, bf16Checkpoint); err != nil {
		t.Errorf("the bf16 checkpoint does not load as fp32: %v", err)
	}
}
