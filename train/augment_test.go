package train

import (
	"context"
	"math"
	"testing"

	"github.com/sugarme/gotch/ts"
)

// blobs are n 28x28 images of a bright square of side 2+i%10 in the
// middle, with 4 px of background around it at most, as MNIST digits.
func blobs(t *testing.T, n int) *ts.Tensor {
	t.Helper()
	v := make([]float32, n*28*28)
	for i := 0; i < n; i++ {
		side := 2 + i%10
		lo := 14 - side/2
		for r := lo; r < lo+side; r++ {
			for c := lo; c < lo+side; c++ {
				v[i*784+r*28+c] = float32(0.2 + 0.08*float64(i%10))
			}
		}
	}
	x, err := ts.OfSlice(v)
	if err != nil {
		t.Fatal(err)
	}
	return x.MustView([]int64{int64(n), 1, 28, 28}, true)
}

func values(t *testing.T, x *ts.Tensor) []float64 { return x.Float64Values() }

func same(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// Augmentation is seeded: the same seed, epoch and batch give the same
// images, another batch or seed others. A shift moves each image by whole
// pixels, at most 2 each way, exactly (its ink is the same); the standard
// augmentation also turns and scales it. The batch given is left alone.
func TestAugmentationIsSeededAndMovesImages(t *testing.T) {
	pin(t)
	const n = 32
	x := blobs(t, n)
	defer x.MustDrop()
	orig := values(t, x)
	for _, kind := range []string{AugmentShift, AugmentStandard} {
		a := augmentation{kind: kind, seed: 7}
		get := func(a augmentation, e, b int) []float64 {
			out, err := a.apply(x, e, b)
			if err != nil {
				t.Fatal(err)
			}
			defer out.MustDrop()
			return values(t, out)
		}
		first := get(a, 1, 0)
		if !same(first, get(a, 1, 0)) {
			t.Errorf("%s: the same seed, epoch and batch gave other images", kind)
		}
		if same(first, get(a, 1, 1)) || same(first, get(a, 2, 0)) || same(first, get(augmentation{kind: kind, seed: 8}, 1, 0)) {
			t.Errorf("%s: another batch, epoch or seed gave the same images", kind)
		}
		if !same(orig, values(t, x)) {
			t.Errorf("%s: the batch given was changed in place", kind)
		}
		moved := 0
		for i := 0; i < n; i++ {
			img, in := first[i*784:(i+1)*784], orig[i*784:(i+1)*784]
			if !same(img, in) {
				moved++
			}
			if kind == AugmentShift && !isShiftOf(img, in, augmentShiftPx) {
				t.Errorf("shift: image %d is not a whole-pixel shift of at most %d px of its original", i, augmentShiftPx)
			}
			if sa, sb := sum(img), sum(in); kind == AugmentStandard && math.Abs(sa-sb) > 0.3*sb {
				t.Errorf("standard: image %d's ink %.2f, the original's %.2f: more than scaling by 0.9-1.1 changes", i, sa, sb)
			}
		}
		if moved < n/2 { // a draw of no move has probability 1/25 per image for shift
			t.Errorf("%s: %d of %d images moved", kind, moved, n)
		}
	}
	if (augmentation{kind: AugmentNone}).on() || (augmentation{}).on() || checkAugment("flip") == nil {
		t.Error("none is an augmentation, or flip is accepted")
	}
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// isShiftOf reports whether img is in moved by whole pixels, at most max
// each way, with background coming in.
func isShiftOf(img, in []float64, max int) bool {
	for dy := -max; dy <= max; dy++ {
		for dx := -max; dx <= max; dx++ {
			ok := true
			for r := 0; r < 28 && ok; r++ {
				for c := 0; c < 28 && ok; c++ {
					var want float64
					if sr, sc := r-dy, c-dx; sr >= 0 && sr < 28 && sc >= 0 && sc < 28 {
						want = in[sr*28+sc]
					}
					ok = math.Abs(img[r*28+c]-want) < 1e-6
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// An augmented run augments its training batches only: the test pass it
// records is that of the trained network on the test images as they are,
// the same as a later evaluation of its checkpoint; a frozen prefix is
// not cached (each step's images are new); and its training differs from
// the run without augmentation.
func TestAugmentationNeverTouchesTheHeldOutImages(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize = 320, 1, 64
	o.Tuning.Augment = AugmentStandard
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	if run.Config.Augment != AugmentStandard {
		t.Errorf("config records augment %q", run.Config.Augment)
	}
	test := run.Final.Test
	eo := EvalOptions{Checkpoint: run.Checkpoint, ResultsDir: t.TempDir(), Data: o.Data}
	eo.Options.Log = Discard{}
	ef, _, err := EvalCheckpoint(context.Background(), eo)
	if err != nil {
		t.Fatal(err)
	}
	if ef.Eval.Accuracy != test.Accuracy || math.Abs(ef.Eval.Loss-test.Loss) > 1e-6 || ef.Eval.N != test.N {
		t.Errorf("the run recorded %.2f%% (loss %.6f) on %d test images, its checkpoint evaluates to %.2f%% (loss %.6f) on %d",
			test.Accuracy, test.Loss, test.N, ef.Eval.Accuracy, ef.Eval.Loss, ef.Eval.N)
	}
	plain := o
	plain.Tuning.Augment, plain.PretrainedDir = "", t.TempDir()
	base, err := Run(context.Background(), r, plain)
	if err != nil {
		t.Fatal(err)
	}
	if base.History[0].TrainLoss == run.History[0].TrainLoss {
		t.Error("augmentation left the training loss as it was")
	}
	last := finetuneRecipe(t, "mnist", "last")
	if cachesFeatures(last, o) || !cachesFeatures(last, plain) {
		t.Error("an augmented head-only run caches its frozen features, or a plain one does not")
	}
}
