package data

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"transferlab/metrics"
)

// Grid layout: each image is drawn scale times its size, its class name
// below it in the 7x13 basic font.
const (
	gridScale  = 3
	gridPad    = 6
	gridLabelH = 15
)

var (
	gridBackground = color.RGBA{0x26, 0x2a, 0x33, 0xff}
	gridText       = color.RGBA{0xf2, 0xc1, 0x4e, 0xff}
)

// SampleIndices picks n items of s to show: the first of each class in
// turn (class 0's first, class 1's first, ..., then each class's second),
// so a grid shows every class even when the file is sorted by class.
func SampleIndices(s *Split, n int) []int {
	byClass := make([][]int, len(s.Classes))
	for i, l := range s.Labels {
		if l >= 0 && int(l) < len(byClass) && len(byClass[l]) < n {
			byClass[l] = append(byClass[l], i)
		}
	}
	var out []int
	for k := 0; len(out) < n; k++ {
		added := false
		for c := range byClass {
			if k < len(byClass[c]) && len(out) < n {
				out = append(out, byClass[c][k])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// Grid draws the items idx of s in a near-square grid, each labelled with
// its class name.
func Grid(s *Split, idx []int) (*image.RGBA, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("%s/%s: no images to draw", s.Dataset, s.Name)
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(idx)))))
	rows := (len(idx) + cols - 1) / cols
	cellW, cellH := s.Cols*gridScale, s.Rows*gridScale+gridLabelH
	img := image.NewRGBA(image.Rect(0, 0, gridPad+cols*(cellW+gridPad), gridPad+rows*(cellH+gridPad)))
	draw.Draw(img, img.Bounds(), image.NewUniform(gridBackground), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			return nil, fmt.Errorf("%s/%s: image %d out of range [0, %d)", s.Dataset, s.Name, i, s.Len())
		}
		x0 := gridPad + (k%cols)*(cellW+gridPad)
		y0 := gridPad + (k/cols)*(cellH+gridPad)
		px := s.Image(i)
		for y := 0; y < s.Rows*gridScale; y++ {
			for x := 0; x < cellW; x++ {
				v := px[(y/gridScale)*s.Cols+x/gridScale]
				img.SetRGBA(x0+x, y0+y, color.RGBA{v, v, v, 0xff})
			}
		}
		label := fmt.Sprint(s.Labels[i])
		if l := s.Labels[i]; l >= 0 && int(l) < len(s.Classes) {
			label = s.Classes[l]
		}
		// Shorten to fit the cell.
		for len(label) > 1 && font.MeasureString(face, label).Ceil() > cellW {
			label = label[:len(label)-1]
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(gridText), Face: face,
			Dot: fixed.P(x0, y0+s.Rows*gridScale+face.Ascent+1)}
		d.DrawString(label)
	}
	return img, nil
}

// Show loads a split and writes a PNG grid of n of its images (see
// SampleIndices), labelled with their classes, to out, atomically
// (metrics.WriteAtomic).
func Show(ctx context.Context, name, split string, n int, out string, opts Options) error {
	if n <= 0 {
		return fmt.Errorf("show: %d images: give a positive count", n)
	}
	s, err := Load(ctx, name, split, opts)
	if err != nil {
		return err
	}
	img, err := Grid(s, SampleIndices(s, n))
	if err != nil {
		return err
	}
	return writePNG(out, img)
}

func writePNG(path string, img image.Image) error {
	return metrics.WriteAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
