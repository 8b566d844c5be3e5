package data

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Tensors returns the split as one resident image tensor (N x 1 x Rows x
// Cols, float32 in [0,1], no normalization, as the seed; colour images N x
// 3 x Rows x Cols, normalised with ImageNet's mean and std as torchvision's
// transform does) and one label
// tensor (N, int64), on device. The bytes cross cgo once; scaling runs in
// libtorch.
func (s *Split) Tensors(device gotch.Device) (images, labels *ts.Tensor, err error) {
	if s.Len() == 0 {
		return nil, nil, fmt.Errorf("%s/%s has no images", s.Dataset, s.Name)
	}
	if len(s.Pixels) != s.Len()*s.ImageBytes() {
		return nil, nil, fmt.Errorf("%s/%s: %d pixel bytes for %d images of %dx%dx%d", s.Dataset, s.Name, len(s.Pixels), s.Len(), s.channels(), s.Rows, s.Cols)
	}
	shape := []int64{int64(s.Len()), int64(s.channels()), int64(s.Rows), int64(s.Cols)}
	raw, err := ts.OfSlice(s.Pixels)
	if err != nil {
		return nil, nil, err
	}
	defer raw.MustDrop()
	shaped := raw.MustView(shape, false)
	defer shaped.MustDrop()
	asFloat := shaped.MustTotype(gotch.Float, false)
	defer asFloat.MustDrop()
	scaled := asFloat.MustDivScalar(ts.FloatScalar(255), false)
	if s.Channels == 3 {
		scaled = imageNetNormalize(scaled)
	}
	defer scaled.MustDrop()
	l, err := ts.OfSlice(s.Labels)
	if err != nil {
		return nil, nil, err
	}
	defer l.MustDrop()
	if images, err = scaled.ToDevice(device, gotch.Float, false, false, false); err != nil {
		return nil, nil, err
	}
	if labels, err = l.ToDevice(device, gotch.Int64, false, false, false); err != nil {
		images.MustDrop()
		return nil, nil, err
	}
	return images, labels, nil
}

// imageNetNormalize is torchvision's Normalize(ImageNetMean, ImageNetStd)
// on N x 3 x H x W images in [0,1]; x is freed.
func imageNetNormalize(x *ts.Tensor) *ts.Tensor {
	mean := ts.MustOfSlice(ImageNetMean[:]).MustView([]int64{1, 3, 1, 1}, true)
	defer mean.MustDrop()
	std := ts.MustOfSlice(ImageNetStd[:]).MustView([]int64{1, 3, 1, 1}, true)
	defer std.MustDrop()
	centred := x.MustSub(mean, true)
	return centred.MustDiv(std, true)
}
