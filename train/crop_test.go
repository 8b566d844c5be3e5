package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Every crop lies inside the image, covers 8% to 100% of it with an
// aspect ratio of 3/4 to 4/3 (or is the fallback centre crop), as
// torchvision's RandomResizedCrop draws them.
func TestCropBoxStaysInsideWithTorchvisionsBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{224, 224}, {224, 100}, {30, 224}, {1, 1}} {
		h, w := size[0], size[1]
		for i := 0; i < 2000; i++ {
			top, left, ch, cw := cropBox(r, h, w)
			if top < 0 || left < 0 || ch < 1 || cw < 1 || top+ch > h || left+cw > w {
				t.Fatalf("%dx%d: crop %d,%d %dx%d leaves the image", h, w, top, left, ch, cw)
			}
			area := float64(ch*cw) / float64(h*w)
			ratio := float64(cw) / float64(ch)
			inBounds := area >= cropMinArea*0.9 && ratio >= cropMinRatio*0.9 && ratio <= cropMaxRatio*1.1
			centred := top == (h-ch)/2 && left == (w-cw)/2
			if !inBounds && !centred {
				t.Fatalf("%dx%d: crop %dx%d (area %.3f, ratio %.2f) is neither in torchvision's bounds nor the fallback", h, w, ch, cw, area, ratio)
			}
		}
	}
}

// The same seed, epoch and batch give the same crops and flips, another
// batch others; the shape stays; a uniform image stays uniform (crop and
// bilinear resize add nothing).
func TestAugmenterIsSeededAndKeepsShape(t *testing.T) {
	x := ts.MustRand([]int64{4, 3, 32, 32}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	a := cropAugmenter{seed: 7}
	one, err := a.batch(x, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.batch(x, 1, 0)
	other, _ := a.batch(x, 1, 1)
	if s := one.MustSize(); s[0] != 4 || s[1] != 3 || s[2] != 32 || s[3] != 32 {
		t.Fatalf("augmented batch is %v", s)
	}
	if !one.MustEqual(again, false) {
		t.Error("the same seed, epoch and batch gave different crops")
	}
	if one.MustEqual(other, false) {
		t.Error("two batches got the same crops")
	}
	flat := ts.MustOnes([]int64{2, 3, 16, 16}, gotch.Float, gotch.CPU)
	out, err := a.batch(flat, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out.Float64Values() {
		if math.Abs(v-1) > 1e-6 {
			t.Fatalf("a uniform image became %v somewhere", v)
		}
	}
}
