package data

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/internal/pyref"
)

// Measured against torchvision 0.14.1 + Pillow 9.4 (Debian 12): PNGs give
// the same uint8 pixels (max 0 after Normalize: the resize is Pillow's to
// the bit); JPEGs differ by Go's decoder against libjpeg-turbo's (chroma
// upsampling, IDCT rounding), up to 0.34 at hard colour edges and 0.009 on
// average in normalised units (1 level of 255 is 0.017 to 0.018).
const (
	pngMaxDiff  = 1e-6
	jpegMaxDiff = 0.4   // about 23 levels of 255, at edges only
	jpegMeanMax = 0.015 // under 1 level of 255
)

// PrepareColour and ColourNorm give the tensor torchvision's evaluation
// transform gives, on JPEGs and PNGs of odd sizes, grey, with alpha,
// smaller than 224.
func TestColourMatchesTorchvision(t *testing.T) {
	py := pyref.Python(t, "torchvision")
	dir := t.TempDir()
	if out, err := exec.Command(py, "testdata/colour_ref.py", dir).CombinedOutput(); err != nil {
		t.Fatalf("colour_ref.py: %v\n%s", err, out)
	}
	raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
	if len(raws) < 6 {
		t.Fatalf("colour_ref.py wrote %d references", len(raws))
	}
	for _, raw := range raws {
		img := strings.TrimSuffix(raw, ".raw")
		decoded, err := DecodeFile(img)
		if err != nil {
			t.Fatal(err)
		}
		got := ColourNorm(PrepareColour(decoded))
		want := readFloats(t, raw)
		maxD, meanD := diff(got, want)
		t.Logf("%s: max |ours - torchvision| %.4f, mean %.5f (normalised units)", filepath.Base(img), maxD, meanD)
		limit, meanLimit := pngMaxDiff, pngMaxDiff
		if strings.HasSuffix(img, ".jpg") {
			limit, meanLimit = jpegMaxDiff, jpegMeanMax
		}
		if maxD > limit || meanD > meanLimit {
			t.Errorf("%s: max %.4f (limit %g), mean %.5f (limit %g)", filepath.Base(img), maxD, limit, meanD, meanLimit)
		}
	}
}

func readFloats(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func diff(a, b []float32) (maxD, meanD float64) {
	if len(a) != len(b) {
		return math.Inf(1), math.Inf(1)
	}
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		maxD = math.Max(maxD, d)
		meanD += d
	}
	return maxD, meanD / float64(len(a))
}
