package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// One unreadable image among several costs the others nothing: predict
// prints every readable image's prediction, then one error line naming
// the bad file, and exits 1.
func TestPredictPrintsTheGoodImagesBeforeTheBadOnesError(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 4; y < 24; y++ {
		img.SetGray(14, y, color.Gray{Y: 255}) // a "1"
	}
	good := []string{filepath.Join(dir, "one.png"), filepath.Join(dir, "two.png")}
	for _, p := range good {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	broken := filepath.Join(dir, "broken.png")
	os.WriteFile(broken, []byte("not a png"), 0o644)
	pretrained := filepath.Join("..", "..", "pretrained", "mnist-cnn.pt")

	c := startCLI(t, "predict", "--checkpoint", pretrained, good[0], broken, good[1])
	code := waitExit(t, c, 60*time.Second)
	if code < 0 {
		return
	}
	lines := strings.Split(strings.TrimSpace(c.output()), "\n")
	if code != 1 || len(lines) != 3 {
		t.Fatalf("exit %d with %d lines, want 1 with two predictions and one error; output:\n%s", code, len(lines), c.output())
	}
	for i, p := range good {
		if !strings.HasPrefix(lines[i], p+": ") || !strings.Contains(lines[i], "%") {
			t.Errorf("line %d %q: want %s's prediction", i+1, lines[i], p)
		}
	}
	if !strings.HasPrefix(lines[2], "transferlab: ") || !strings.Contains(lines[2], broken) {
		t.Errorf("last line %q: want the one error, naming %s", lines[2], broken)
	}
}
