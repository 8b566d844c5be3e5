package train

import (
	"math"
	"math/rand/v2"

	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
)

// AugmentCrop, the training augmentation for the backbones, as torchvision's ImageNet
// recipe and its transfer tutorial train: RandomResizedCrop(224) (a crop
// of 8% to 100% of the area, aspect ratio 3/4 to 4/3, resized back with
// bilinear interpolation) and RandomHorizontalFlip. Unlike torchvision's,
// the crop is taken from the cached 224x224 centre crop, not from the
// whole photo: the cache keeps one prepared image per photo. Only the
// training batches are augmented, and only where the images reach the
// network every epoch (not on cached features). Seeded by the run's seed,
// the epoch and the batch: the same seed gives the same crops.

// Bounds of RandomResizedCrop's defaults.
const (
	cropMinArea = 0.08
	cropMaxArea = 1.0
	cropTries   = 10
)

var (
	cropMinRatio = 3.0 / 4
	cropMaxRatio = 4.0 / 3
)

// cropAugmenter draws the crops and flips of one run (AugmentCrop).
type cropAugmenter struct{ seed int64 }

// batch returns the augmented copy of xb (N x C x H x W), batch b of
// epoch e; xb is not freed. A libtorch failure is an error.
func (a cropAugmenter) batch(xb *ts.Tensor, e, b int) (out *ts.Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, torchenv.PanicError(p)
		}
	}()
	r := rand.New(rand.NewPCG(uint64(a.seed), uint64(e)<<32|uint64(b)))
	size := xb.MustSize()
	n, h, w := size[0], size[2], size[3]
	parts := make([]*ts.Tensor, n)
	defer func() {
		for _, p := range parts {
			if p != nil {
				p.MustDrop()
			}
		}
	}()
	for i := int64(0); i < n; i++ {
		top, left, ch, cw := cropBox(r, int(h), int(w))
		img := xb.MustNarrow(0, i, 1, false)
		rows := img.MustNarrow(2, int64(top), int64(ch), true)
		crop := rows.MustNarrow(3, int64(left), int64(cw), true)
		img = crop.MustUpsampleBilinear2d([]int64{h, w}, false, nil, nil, true)
		if r.IntN(2) == 1 {
			img = img.MustFlip([]int64{3}, true)
		}
		parts[i] = img
	}
	return ts.Cat(parts, 0)
}

// cropBox is torchvision 0.14's RandomResizedCrop.get_params: a box of a
// random area and aspect ratio that fits, in up to 10 tries, else the
// centre crop of the ratio's nearest bound.
func cropBox(r *rand.Rand, h, w int) (top, left, ch, cw int) {
	area := float64(h * w)
	for try := 0; try < cropTries; try++ {
		target := area * (cropMinArea + r.Float64()*(cropMaxArea-cropMinArea))
		ratio := math.Exp(math.Log(cropMinRatio) + r.Float64()*(math.Log(cropMaxRatio)-math.Log(cropMinRatio)))
		cw = int(math.Round(math.Sqrt(target * ratio)))
		ch = int(math.Round(math.Sqrt(target / ratio)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			return r.IntN(h - ch + 1), r.IntN(w - cw + 1), ch, cw
		}
	}
	ch, cw = h, w
	switch in := float64(w) / float64(h); {
	case in < cropMinRatio:
		ch = int(math.Round(float64(w) / cropMinRatio))
	case in > cropMaxRatio:
		cw = int(math.Round(float64(h) * cropMaxRatio))
	}
	return (h - ch) / 2, (w - cw) / 2, ch, cw
}
