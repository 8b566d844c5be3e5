package data

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSampleIndicesTakesEachClassInTurn(t *testing.T) {
	s := &Split{Labels: []int64{0, 0, 0, 1, 1, 2}, Classes: []string{"a", "b", "c"}}
	if got := SampleIndices(s, 5); !reflect.DeepEqual(got, []int{0, 3, 5, 1, 4}) {
		t.Fatalf("SampleIndices = %v", got)
	}
	if got := SampleIndices(s, 100); len(got) != 6 {
		t.Fatalf("asking for more than there are: %v", got)
	}
}

func TestShowWritesALabelledPNG(t *testing.T) {
	dir := t.TempDir()
	writeIDXDir(t, dir, true, synth{n: 30, rows: 28, cols: 28, classes: 10}, synth{n: 10, rows: 28, cols: 28, classes: 10}, "t10k")
	out := filepath.Join(t.TempDir(), "grid.png")
	if err := Show(context.Background(), "idx:"+dir, "train", 16, out, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 4 x 4 cells of 84 x (84 + label) pixels with padding.
	if b := img.Bounds(); b.Dx() != gridPad+4*(28*gridScale+gridPad) || b.Dy() != gridPad+4*(28*gridScale+gridLabelH+gridPad) {
		t.Fatalf("grid of %v", b)
	}
	// The label band under the first cell holds drawn text.
	text := 0
	for y := gridPad + 28*gridScale; y < gridPad+28*gridScale+gridLabelH; y++ {
		for x := gridPad; x < gridPad+28*gridScale; x++ {
			if r, g, _, _ := img.At(x, y).RGBA(); r>>8 == uint32(gridText.R) && g>>8 == uint32(gridText.G) {
				text++
			}
		}
	}
	if text == 0 {
		t.Fatal("no label drawn under the first image")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Fatalf("left %d files beside the PNG", len(entries)-1)
	}
	if err := Show(context.Background(), "idx:"+dir, "train", 0, out, Options{}); err == nil {
		t.Fatal("n = 0 accepted")
	}
}
