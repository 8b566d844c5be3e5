package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sugarme/gotch/ts"

	"transferlab/model"
)

// Augmentation of the training images, as torchvision's RandomAffine on
// each batch: every image of a training batch is moved by an affine
// transform of its own, drawn in Go from the seed, the epoch and the
// batch (so the same seed gives the same batches, a resumed run sees the
// ones it would have, and nothing depends on libtorch's random stream),
// and resampled on the run's device by affine_grid/grid_sample. Only the
// training step calls it: the validation and test passes see the images
// as they are. A frozen prefix's features depend on the image, so an
// augmented run computes them in every step instead of caching them.

// The augmentations a run can train with.
const (
	AugmentAuto     = "auto"     // AugmentCrop for a backbone whose images reach it every epoch, else none
	AugmentNone     = "none"     // the images as they are (the seed's)
	AugmentShift    = "shift"    // whole-pixel shifts of up to 2 px each way, exact (nearest)
	AugmentStandard = "standard" // shifts of up to 2 px, rotations of up to 10° and scaling by 0.9 to 1.1 (bilinear)
	AugmentCrop     = "crop"     // torchvision's random resized crop and horizontal flip (crop.go)
)

// Augments lists the augmentations by name, for flags and errors.
var Augments = []string{AugmentAuto, AugmentNone, AugmentShift, AugmentStandard, AugmentCrop}

// The ranges of the transforms.
const (
	augmentShiftPx  = 2
	augmentRotation = 10 * math.Pi / 180
	augmentScaleMin = 0.9
	augmentScaleMax = 1.1
)

// augmentSalt keeps the augmentation's random stream apart from the
// shuffle's, which is seeded by the same seed and epoch.
const augmentSalt = 0x61756721

// augmentation is a run's augmentation: its kind and seed.
type augmentation struct {
	kind string
	seed int64
}

// checkAugment fails for an augmentation no run can have.
func checkAugment(kind string) error {
	switch kind {
	case "", AugmentAuto, AugmentNone, AugmentShift, AugmentStandard, AugmentCrop:
		return nil
	}
	return fmt.Errorf("unknown augmentation %q: choose auto, none, shift, standard or crop", kind)
}

// augmentsExplicitly says whether the run asked for an augmentation by
// name: its frozen prefix then runs in every step, since each step's
// images are new ones whose features no cache holds. auto never turns
// the feature cache off.
func augmentsExplicitly(o Options) bool {
	switch o.Tuning.Augment {
	case "", AugmentAuto, AugmentNone:
		return false
	}
	return true
}

// runAugmentation is the augmentation a run of r trains with, auto
// resolved: a backbone's images are cropped and flipped where they reach
// the network every epoch (not from cached features), the homework
// networks' are left as they are (the seed's recipe).
func runAugmentation(r Recipe, o Options) augmentation {
	kind := o.Tuning.Augment
	if kind == "" || kind == AugmentAuto {
		kind = AugmentNone
		if model.IsBackbone(r.Model) && !cachesFeatures(r, o) {
			kind = AugmentCrop
		}
	}
	return augmentation{kind: kind, seed: o.Seed}
}

// recorded is the augmentation as a run's config records it: "" for none.
func (a augmentation) recorded() string {
	if !a.on() {
		return ""
	}
	return a.kind
}

// on reports whether a changes images.
func (a augmentation) on() bool { return a.kind != "" && a.kind != AugmentNone }

// thetas are the affine matrices (2x3, row-major, in affine_grid's
// normalised coordinates) of the size images of batch b of epoch e.
func (a augmentation) thetas(e, b, size, height, width int) []float32 {
	r := rand.New(rand.NewPCG(uint64(a.seed)^augmentSalt, uint64(e)<<32|uint64(b)))
	shift := func(px int) float64 { // a whole-pixel shift, in normalised units
		return 2 * float64(r.IntN(2*augmentShiftPx+1)-augmentShiftPx) / float64(px)
	}
	out := make([]float32, 0, 6*size)
	for i := 0; i < size; i++ {
		angle, scale := 0.0, 1.0
		if a.kind == AugmentStandard {
			angle = (2*r.Float64() - 1) * augmentRotation
			scale = augmentScaleMin + r.Float64()*(augmentScaleMax-augmentScaleMin)
		}
		tx, ty := shift(width), shift(height)
		// The output pixel at p samples the input at R(angle)·p/scale + t:
		// the image turns by -angle, grows by scale and moves by -t.
		c, s := math.Cos(angle)/scale, math.Sin(angle)/scale
		out = append(out, float32(c), float32(-s), float32(tx), float32(s), float32(c), float32(ty))
	}
	return out
}

// apply returns batch b of epoch e, augmented; xb is left alone. Shifts
// sample the nearest pixel (whole-pixel moves, exact); rotation and
// scaling interpolate bilinearly; both fill with 0, the background.
func (a augmentation) apply(xb *ts.Tensor, e, b int) (*ts.Tensor, error) {
	if a.kind == AugmentCrop {
		return cropAugmenter{seed: a.seed}.batch(xb, e, b)
	}
	shape := xb.MustSize() // N, C, H, W
	if len(shape) != 4 {
		return nil, fmt.Errorf("augmentation needs images (N, C, H, W), got %v", shape)
	}
	n := shape[0]
	theta, err := ts.OfSlice(a.thetas(e, b, int(n), int(shape[2]), int(shape[3])))
	if err != nil {
		return nil, err
	}
	theta = theta.MustView([]int64{n, 2, 3}, true)
	if d := xb.MustDevice(); d.IsCuda() {
		theta = theta.MustTo(d, true)
	}
	grid := ts.MustAffineGridGenerator(theta, shape, false)
	theta.MustDrop()
	defer grid.MustDrop()
	const bilinear, nearest, zeros = 0, 1, 0
	mode := int64(bilinear)
	if a.kind == AugmentShift {
		mode = nearest
	}
	return ts.MustGridSampler(xb, grid, mode, zeros, false), nil
}
