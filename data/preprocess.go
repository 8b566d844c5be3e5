package data

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"

	_ "golang.org/x/image/bmp" // registers BMP with image.Decode
	"golang.org/x/image/draw"

	"transferlab/metrics"
)

// Side is the height and width of the networks' input (MNIST's size):
// every image of a folder:DIR dataset, and every image 'predict' reads, is
// prepared to Side x Side bytes.
const Side = 28

// MaxMegapixels bounds the images that are decoded: a few hundred bytes
// of PNG can claim, and make the decoder allocate, gigabytes of pixels.
// The claim is read from the header (image.DecodeConfig) before decoding.
const MaxMegapixels = 50

// Values of Prep.Invert.
const (
	InvertAuto = "auto" // decide per image from its border (the default)
	InvertYes  = "yes"
	InvertNo   = "no"
)

// Values of Prep.Fit.
const (
	FitPad   = "pad"   // pad to a square, scale to 28x28 (the default)
	FitMNIST = "mnist" // the ink's bounding box into 20x20, centred by its centre of mass in 28x28
)

// Prep says how an image file becomes the network's input. The zero value
// is the default: Invert auto, Fit pad.
type Prep struct {
	// Invert is the ink polarity: MNIST-style networks expect bright ink on
	// black, while most scans and drawings are dark ink on white. auto
	// inverts an image whose border pixels average above 127 (a light
	// background); yes and no apply to every image.
	Invert string
	// Fit is how an image of any size becomes 28x28: pad (keep the aspect
	// ratio, pad to a square with background, scale with Catmull-Rom) or
	// mnist (as MNIST's images were made: the ink's bounding box scaled to
	// fit 20x20, keeping the aspect ratio, and placed in 28x28 with its
	// centre of mass at the centre).
	Fit string
	// Colour prepares images for an ImageNet backbone instead
	// (PrepareColour: RGB, 224x224, torchvision's evaluation transform);
	// Invert and Fit do not apply.
	Colour bool
}

// Shape is a prepared image's channels, rows and columns.
func (p Prep) Shape() (c, rows, cols int) {
	if p.Colour {
		return 3, ColourSide, ColourSide
	}
	return 1, Side, Side
}

// imageBytes is the size of one prepared image.
func (p Prep) imageBytes() int {
	c, r, w := p.Shape()
	return c * r * w
}

// Check validates p's values ("" = the default).
func (p Prep) Check() error {
	switch p.Invert {
	case "", InvertAuto, InvertYes, InvertNo:
	default:
		return fmt.Errorf("unknown invert %q: choose auto, yes or no", p.Invert)
	}
	switch p.Fit {
	case "", FitPad, FitMNIST:
	default:
		return fmt.Errorf("unknown fit %q: choose pad or mnist", p.Fit)
	}
	return nil
}

func (p Prep) invert() string {
	if p.Invert == "" {
		return InvertAuto
	}
	return p.Invert
}

func (p Prep) fit() string {
	if p.Fit == "" {
		return FitPad
	}
	return p.Fit
}

// ErrNotImage marks a file that cannot be decoded as an image (or is too
// large to be): with Options.SkipBad such files are skipped and counted.
var ErrNotImage = errors.New("not a readable image")

// Prepared is an image ready for the network: Side*Side bytes, row-major,
// 0 = background, 255 = ink, and whether it was inverted.
type Prepared struct {
	Pixels   []byte
	Inverted bool
}

// PrepareFile decodes the image file at path (PNG, JPEG, GIF or BMP) and
// prepares it as p says. Errors name the file; one that is not an image,
// or whose header claims more than MaxMegapixels, wraps ErrNotImage.
func PrepareFile(path string, p Prep) (Prepared, error) {
	img, err := DecodeFile(path)
	if err != nil {
		return Prepared{}, err
	}
	return PrepareImage(img, p), nil
}

// DecodeFile decodes an image file after checking its header's size
// against MaxMegapixels.
func DecodeFile(path string) (image.Image, error) {
	f, _, err := metrics.OpenRegular(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v; transferlab reads PNG, JPEG, GIF and BMP)", path, ErrNotImage, err)
	}
	if mp := float64(cfg.Width) * float64(cfg.Height) / 1e6; mp > MaxMegapixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s: %w: its %s header says %dx%d pixels (%.0f megapixels); transferlab decodes at most %d megapixels",
			path, ErrNotImage, format, cfg.Width, cfg.Height, mp, MaxMegapixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%s: %v)", path, ErrNotImage, format, err)
	}
	return img, nil
}

// PrepareImage turns a decoded image into the network's input: grayscale,
// polarity, then the fit. Polarity comes before the fit so that the
// padding, which is 0, is background in the result whatever the image's
// own background was.
func PrepareImage(img image.Image, p Prep) Prepared {
	if p.Colour {
		return Prepared{Pixels: PrepareColour(img)}
	}
	g := toGray(img)
	inv := false
	switch p.invert() {
	case InvertYes:
		inv = true
	case InvertAuto:
		inv = borderMean(g) > 127
	}
	if inv {
		for i, v := range g.Pix {
			g.Pix[i] = 255 - v
		}
	}
	var out []byte
	if p.fit() == FitMNIST {
		out = fitMNIST(g)
	} else {
		out = fitPad(g)
	}
	return Prepared{Pixels: out, Inverted: inv}
}

// toGray converts img to 8-bit luma (ITU-R 601, as color.GrayModel) in a
// fresh image with bounds starting at 0,0. Transparent pixels are composited
// over white, as an image viewer shows them: a drawing with a transparent
// background is then dark ink on white, which auto inverts like a scan.
// JPEG's YCbCr images give their Y plane, the luma they were encoded with.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				px := row[4*x : 4*x+4]
				a := uint32(px[3]) * 0x101
				// premultiply the 16-bit values as color.NRGBA.RGBA does
				r := uint32(px[0]) * 0x101 * a / 0xffff
				gg := uint32(px[1]) * 0x101 * a / 0xffff
				bb := uint32(px[2]) * 0x101 * a / 0xffff
				g.Pix[y*w+x] = lumaOverWhite(r, gg, bb, a)
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				px := row[4*x : 4*x+4]
				g.Pix[y*w+x] = lumaOverWhite(uint32(px[0])*0x101, uint32(px[1])*0x101, uint32(px[2])*0x101, uint32(px[3])*0x101)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				g.Pix[y*w+x] = lumaOverWhite(r, gg, bb, a)
			}
		}
	}
	return g
}

// lumaOverWhite is the 8-bit luma of a premultiplied 16-bit colour laid
// over white.
func lumaOverWhite(r, g, b, a uint32) uint8 {
	bg := 0xffff - a
	r, g, b = r+bg, g+bg, b+bg
	return color.GrayModel.Convert(color.RGBA64{uint16(r), uint16(g), uint16(b), 0xffff}).(color.Gray).Y
}

// borderMean is the mean of the image's outermost pixels (each counted
// once): the background, for a drawing or scan that leaves a margin.
func borderMean(g *image.Gray) float64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w == 0 || h == 0 {
		return 0
	}
	var sum, n float64
	add := func(x, y int) {
		sum += float64(g.Pix[y*g.Stride+x])
		n++
	}
	for x := 0; x < w; x++ {
		add(x, 0)
		if h > 1 {
			add(x, h-1)
		}
	}
	for y := 1; y < h-1; y++ {
		add(0, y)
		if w > 1 {
			add(w-1, y)
		}
	}
	return sum / n
}

// fitPad centres g on a square of background (0) and scales it to
// Side x Side. An image already Side x Side is returned as it is.
func fitPad(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w == Side && h == Side {
		return append([]byte(nil), g.Pix...)
	}
	n := max(w, h)
	sq := image.NewGray(image.Rect(0, 0, n, n))
	x0, y0 := (n-w)/2, (n-h)/2
	draw.Draw(sq, image.Rect(x0, y0, x0+w, y0+h), g, image.Point{}, draw.Src)
	dst := image.NewGray(image.Rect(0, 0, Side, Side))
	draw.CatmullRom.Scale(dst, dst.Rect, sq, sq.Rect, draw.Src, nil)
	return dst.Pix
}

// inkThreshold is the level from which a pixel counts as ink for the
// mnist fit's bounding box: a quarter of full brightness, so that JPEG
// noise and paper texture do not stretch the box.
const inkThreshold = 64

// mnistBox is the side of the box the ink is scaled into, as in MNIST.
const mnistBox = 20

// fitMNIST prepares g as MNIST's digits were: the bounding box of its ink
// scaled (Catmull-Rom) so that its longer side is 20 pixels, keeping the
// aspect ratio, then placed in a Side x Side image so that its centre of
// mass lies at the centre (shifted back inside where it would stick out).
// An image without ink becomes all background.
func fitMNIST(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	minX, minY, maxX, maxY := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if g.Pix[y*g.Stride+x] >= inkThreshold {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	out := make([]byte, Side*Side)
	if maxX < 0 {
		return out
	}
	bw, bh := maxX-minX+1, maxY-minY+1
	long := max(bw, bh)
	sw := max(1, int(math.Round(float64(bw)*mnistBox/float64(long))))
	sh := max(1, int(math.Round(float64(bh)*mnistBox/float64(long))))
	small := image.NewGray(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(small, small.Rect, g, image.Rect(minX, minY, maxX+1, maxY+1), draw.Src, nil)
	var m, mx, my float64
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			v := float64(small.Pix[y*small.Stride+x])
			m += v
			mx += v * (float64(x) + 0.5)
			my += v * (float64(y) + 0.5)
		}
	}
	cx, cy := float64(sw)/2, float64(sh)/2
	if m > 0 {
		cx, cy = mx/m, my/m
	}
	x0 := min(max(int(math.Round(Side/2-cx)), 0), Side-sw)
	y0 := min(max(int(math.Round(Side/2-cy)), 0), Side-sh)
	for y := 0; y < sh; y++ {
		copy(out[(y0+y)*Side+x0:], small.Pix[y*small.Stride:y*small.Stride+sw])
	}
	return out
}
