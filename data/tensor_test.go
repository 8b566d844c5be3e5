package data

import (
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
)

// Split.Tensors gives N x 1 x Rows x Cols float32 in [0,1] and int64 labels.
func TestSplitTensors(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	syn := synth{n: 5, rows: 28, cols: 28, classes: 3}
	pix := syn.pixels()
	pix[0], pix[1] = 0, 255
	s := &Split{Dataset: "synthetic", Name: "train", Rows: 28, Cols: 28, Pixels: pix,
		Labels: []int64{0, 1, 2, 0, 1}, Classes: []string{"a", "b", "c"}}
	images, labels, err := s.Tensors(gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer images.MustDrop()
	defer labels.MustDrop()
	if got := images.MustSize(); len(got) != 4 || got[0] != 5 || got[1] != 1 || got[2] != 28 || got[3] != 28 {
		t.Fatalf("image shape %v, want [5 1 28 28]", got)
	}
	if images.DType() != gotch.Float || labels.DType() != gotch.Int64 {
		t.Fatalf("dtypes %v, %v", images.DType(), labels.DType())
	}
	vals := images.Float64Values()
	for i, v := range vals {
		if v < 0 || v > 1 {
			t.Fatalf("value %d is %g, outside [0,1]", i, v)
		}
		if want := float64(pix[i]) / 255; v < want-1e-6 || v > want+1e-6 {
			t.Fatalf("value %d is %g, want %g", i, v, want)
		}
	}
	if vals[0] != 0 || vals[1] != 1 {
		t.Fatalf("0 and 255 give %g and %g", vals[0], vals[1])
	}
	if got := labels.Int64Values(); len(got) != 5 || got[2] != 2 || got[4] != 1 {
		t.Fatalf("labels %v", got)
	}
}
