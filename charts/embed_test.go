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

// At 400 px every one of EMNIST's 26 classes has its tick box in view
// under the chart, in its class's colour, and unticking one hides its
// points. Before, the legend paged ("1/2") and half the classes were out
// of reach (issue 26).
func TestBrowserEmbedClassesAllReachableAt400Px(t *testing.T) {
	chromium := needBrowser(t)
	e := sampleEmbedding()
	e.Classes, e.Points = nil, nil
	for c := range 26 {
		e.Classes = append(e.Classes, string(rune('a'+c)))
		e.Points = append(e.Points, EmbedPoint{Index: c, Label: c, Pred: c, X: float64(c), Y: float64(c % 5)})
	}
	path, err := WriteEmbedding(t.TempDir(), "embed-net-letters.html", e)
	if err != nil {
		t.Fatal(err)
	}
	p := openCDP(t, chromium, "file://"+path, 400, 900)
	var boxes []struct {
		Name, Colour string
		Right        float64
	}
	p.eval(`Array.prototype.map.call(document.querySelectorAll("#embed-picker label"), function (l) {
  var r = l.getBoundingClientRect();
  return {Name: l.textContent, Colour: l.querySelector(".swatch").style.background, Right: r.right};
})`, &boxes)
	if len(boxes) != 26 {
		t.Fatalf("%d class boxes under the chart, want 26", len(boxes))
	}
	for i, b := range boxes {
		if b.Name != e.Classes[i] || b.Colour == "" || b.Right > 400 {
			t.Errorf("class box %d: %+v; want %s, coloured, within 400 px", i, b, e.Classes[i])
		}
	}
	if n := len(p.drawnTexts(idEmbed, "legend")); n != 0 {
		t.Errorf("the chart still draws %d legend texts", n)
	}
	p.eval(`(function () { var b = document.querySelector('#embed-picker input[data-series="q"]'); b.click(); return true; })()`, nil)
	for _, s := range p.series(idEmbed) {
		if s.Name == "q" && s.Shown {
			t.Error("class q is drawn after its box is unticked")
		}
	}
}
