// Package data loads the image datasets transferlab trains on (MNIST,
// Fashion-MNIST, EMNIST letters and any folder of IDX files), finds them
// locally or downloads them from their official sources, verifies them, and
// turns a split into resident tensors.
package data

import "fmt"

// Split is one split of a dataset held in memory: N grayscale images of
// Rows x Cols bytes (row-major, upright, 0 = background) and their 0-based
// class labels.
type Split struct {
	Dataset string // registry name, for example "mnist" or "idx:/path"
	Name    string // "train" or "test"
	// Channels is 3 for colour images (RGB planes, for the backbones),
	// 1 (or 0) for grayscale.
	Channels int
	Rows     int      // image height in pixels
	Cols     int      // image width in pixels
	Pixels   []byte   // N*Channels*Rows*Cols bytes
	Labels   []int64  // N labels in [0, len(Classes))
	Classes  []string // class names, index = label
}

// Len is the number of images.
func (s *Split) Len() int { return len(s.Labels) }

// ImageBytes is the size of one image.
func (s *Split) ImageBytes() int { return s.channels() * s.Rows * s.Cols }

func (s *Split) channels() int { return max(s.Channels, 1) }

// Image returns image i's pixels (a view, not a copy).
func (s *Split) Image(i int) []byte {
	n := s.ImageBytes()
	return s.Pixels[i*n : (i+1)*n]
}

// Subset returns a new split holding the images at idx, in that order.
func (s *Split) Subset(idx []int) (*Split, error) {
	n := s.ImageBytes()
	out := &Split{Dataset: s.Dataset, Name: s.Name, Channels: s.Channels, Rows: s.Rows, Cols: s.Cols, Classes: s.Classes,
		Pixels: make([]byte, 0, len(idx)*n), Labels: make([]int64, 0, len(idx))}
	for _, i := range idx {
		if i < 0 || i >= s.Len() {
			return nil, fmt.Errorf("subset of %s/%s: index %d out of range [0, %d)", s.Dataset, s.Name, i, s.Len())
		}
		out.Pixels = append(out.Pixels, s.Image(i)...)
		out.Labels = append(out.Labels, s.Labels[i])
	}
	return out, nil
}
