package data

// Colour images for the ImageNet backbones: torchvision's evaluation
// transform, Resize(256) (the shorter side to 256, PIL's bilinear filter,
// which antialiases when it shrinks), CenterCrop(224), ToTensor and
// Normalize with ImageNet's mean and std. The resize and crop give uint8
// pixels, which is what a folder's cache keeps (3x224x224 = 147 KB an
// image); ToTensor and Normalize are applied per batch (ColourNorm).

import (
	"image"
	"image/color"
	"math"
)

// Sizes of torchvision's evaluation transform for ImageNet networks.
const (
	ColourResize = 256
	ColourSide   = 224
)

// ImageNetMean and ImageNetStd are torchvision's Normalize constants, per
// RGB channel.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// PrepareColour is img after Resize(256) and CenterCrop(224): 3x224x224
// uint8, channel-major (RGB planes), as ToTensor would lay it out.
func PrepareColour(img image.Image) []byte {
	planes, w, h := rgbPlanes(img)
	nw, nh := shorterSideTo(w, h, ColourResize)
	planes = resizePlanes(planes, w, h, nw, nh)
	return centreCrop(planes, nw, nh, ColourSide)
}

// rgbPlanes splits img into R, G and B planes as PIL's convert("RGB")
// does: alpha is dropped, not composited, and grey is copied to all three.
func rgbPlanes(img image.Image) ([3][]byte, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var p [3][]byte
	for c := range p {
		p[c] = make([]byte, w*h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := y*w + x
			p[0][i], p[1][i], p[2][i] = c.R, c.G, c.B
		}
	}
	return p, w, h
}

// shorterSideTo is torchvision 0.14's Resize(size) output size: the
// shorter side becomes size, the longer one size*long/short truncated.
func shorterSideTo(w, h, size int) (int, int) {
	if w <= h {
		return size, int(float64(size) * float64(h) / float64(w))
	}
	return int(float64(size) * float64(w) / float64(h)), size
}

// centreCrop is CenterCrop(side) on planes of w x h; torchvision rounds
// the offsets with Python's round (half to even). Images smaller than side
// do not reach it: Resize(256) comes first.
func centreCrop(planes [3][]byte, w, h, side int) []byte {
	top := int(math.RoundToEven(float64(h-side) / 2))
	left := int(math.RoundToEven(float64(w-side) / 2))
	out := make([]byte, 0, 3*side*side)
	for _, p := range planes {
		for y := top; y < top+side; y++ {
			out = append(out, p[y*w+left:y*w+left+side]...)
		}
	}
	return out
}

// resizePlanes resizes each plane as Pillow's ImagingResample does with
// the bilinear filter: a horizontal pass then a vertical one, each
// skipped when that side keeps its size, 8-bit results between them.
func resizePlanes(planes [3][]byte, w, h, nw, nh int) [3][]byte {
	var out [3][]byte
	for c, p := range planes {
		if nw != w {
			p = resamplePass(p, w, h, nw, true)
		}
		if nh != h {
			p = resamplePass(p, nw, h, nh, false)
		}
		out[c] = p
	}
	return out
}

// pilPrecision is Pillow's PRECISION_BITS for 8-bit images: coefficients
// are fixed point with 22 fractional bits.
const pilPrecision = 32 - 8 - 2

// resamplePass resizes a w x h plane along x (horizontal) or y to n.
func resamplePass(p []byte, w, h, n int, horizontal bool) []byte {
	in := h
	if horizontal {
		in = w
	}
	bounds, coeffs := pilCoefficients(in, n)
	ow, oh := n, h
	if !horizontal {
		ow, oh = w, n
	}
	out := make([]byte, ow*oh)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			i := x
			if !horizontal {
				i = y
			}
			lo, k := bounds[i], coeffs[i]
			ss := int64(1) << (pilPrecision - 1)
			for j, kj := range k {
				var v byte
				if horizontal {
					v = p[y*w+lo+j]
				} else {
					v = p[(lo+j)*w+x]
				}
				ss += int64(v) * kj
			}
			out[y*ow+x] = clip8(ss >> pilPrecision)
		}
	}
	return out
}

// pilCoefficients are Pillow's precompute_coeffs for the bilinear
// (triangle) filter, widened by the scale when shrinking (the antialias),
// normalised and turned to fixed point: for each output pixel the first
// input pixel and the weights.
func pilCoefficients(in, out int) ([]int, [][]int64) {
	scale := float64(in) / float64(out)
	filterScale := math.Max(scale, 1)
	support := filterScale // the triangle's support is 1
	bounds := make([]int, out)
	coeffs := make([][]int64, out)
	for i := 0; i < out; i++ {
		centre := (float64(i) + 0.5) * scale
		lo := max(int(centre-support+0.5), 0)
		hi := min(int(centre+support+0.5), in)
		w := make([]float64, hi-lo)
		var sum float64
		for j := range w {
			w[j] = triangle((float64(j+lo) - centre + 0.5) / filterScale)
			sum += w[j]
		}
		k := make([]int64, len(w))
		for j := range w {
			v := w[j] / sum * (1 << pilPrecision)
			if v < 0 {
				k[j] = int64(v - 0.5)
			} else {
				k[j] = int64(v + 0.5)
			}
		}
		bounds[i], coeffs[i] = lo, k
	}
	return bounds, coeffs
}

func triangle(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

func clip8(v int64) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// ColourNorm is ToTensor and Normalize on PrepareColour's pixels, in Go:
// the reference for the batched version the training runs.
func ColourNorm(px []byte) []float32 {
	out := make([]float32, len(px))
	plane := len(px) / 3
	for i, v := range px {
		c := i / plane
		out[i] = (float32(v)/255 - ImageNetMean[c]) / ImageNetStd[c]
	}
	return out
}
