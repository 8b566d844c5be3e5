package charts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleEmbedding is three classes of points, one of them "<b>"-named (a
// folder:DIR class may be), with a mistake in class 1.
func sampleEmbedding() Embedding {
	e := Embedding{Checkpoint: "net.pt", Dataset: "folder:shapes", Layer: "fc2", Dim: 84,
		Classes: []string{"circle", "<b>square</b>", "star"}, Predicted: true, Explained: [2]float64{0.4, 0.2}}
	for i := 0; i < 30; i++ {
		c := i % 3
		p := EmbedPoint{Index: i, Label: c, Pred: c, X: float64(c*10 + i%5), Y: float64(i % 7)}
		if i == 4 {
			p.Pred = 2
		}
		e.Points = append(e.Points, p)
	}
	return e
}

// The page draws in headless Chromium, offline, without errors, with one
// series per class holding its points.
func TestBrowserDrawsEmbedding(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the embedding page was not drawn")
	}
	if _, err := findEcharts(); err != nil {
		t.Fatalf("echarts is not installed (%v): run tools/setup-echarts.sh", err)
	}
	dir := t.TempDir()
	path, err := WriteEmbedding(dir, "embed-net-shapes.html", sampleEmbedding())
	if err != nil {
		t.Fatal(err)
	}
	res := probe(t, chromium, path, nil)
	wantDrawn(t, "embedding page", res, map[string]map[string]int{
		idEmbed: {"circle": 10, "<b>square</b>": 10, "star": 10},
	})
}

// A mistake is drawn as a triangle and says what was predicted.
func TestEmbeddingPageMarksMistakes(t *testing.T) {
	dir := t.TempDir()
	path, err := WriteEmbedding(dir, "embed-net-shapes.html", sampleEmbedding())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if n := strings.Count(page, `"symbol":"triangle"`); n != 1 {
		t.Errorf("%d triangles, want 1 (the one mistake)", n)
	}
	if !strings.Contains(page, `"value":[14,4,4,"star"],"symbol":"triangle"`) {
		t.Errorf("the mistake's point does not carry its prediction")
	}
	if _, err := WriteEmbedding(dir, filepath.Join("..", "x.html"), sampleEmbedding()); err == nil {
		t.Error("a page name with a folder was accepted")
	}
}
