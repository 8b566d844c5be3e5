package charts

import (
	"fmt"
	stdhtml "html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// classEmbedding is an embedding of n classes (named as names gives them),
// three points each, for the network at checkpoint.
func classEmbedding(checkpoint, dataset string, names []string, predicted bool) Embedding {
	e := Embedding{Checkpoint: checkpoint, Dataset: dataset, Layer: "fc2", Dim: 84, Classes: names,
		Predicted: predicted, Explained: [2]float64{0.3, 0.2}}
	for c := range names {
		for i := range 3 {
			e.Points = append(e.Points, EmbedPoint{Index: c*3 + i, Label: c, Pred: c, X: float64(c) + float64(i)/10, Y: float64(c % 5)})
		}
	}
	return e
}

var titleRE = regexp.MustCompile(`<h1>(.*?)</h1>`)

func pageTitle(t *testing.T, html string) string {
	t.Helper()
	m := titleRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("page has no <h1>")
	}
	return stdhtml.UnescapeString(m[1])
}

// A fine-tuning run's feature-space pages are titled with the run, link
// each other and the run's page, and say when they must be the same (a
// "last" run's fc2 is frozen); the run page and the index link them, the
// index also the depth sweeps; an evaluation of a checkpoint outside
// results/ links no run page, there being none. Before, every "after"
// page was titled "Feature space of model.pt", nothing linked them but
// the transfer page, and the evaluation page linked a missing index.html.
func TestFeatureSpacePagesLinkTheirRunAndEachOther(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	last := finetuneRun("ft-fashion-last-on-mnist", "mnist", "fashion", "last", 2, true)
	last.Classes = digits()
	all := finetuneRun("ft-fashion-all-on-mnist", "mnist", "fashion", "all", 2, true)
	all.Classes = digits()
	writeRun(t, dir, last)
	writeRun(t, dir, all)
	ef, _ := sampleEval("mnist", "test", digits())
	writeEval(t, dir, "eval-net-pt-1234", ef) // a checkpoint outside results/: evaluations only
	if err := os.WriteFile(filepath.Join(dir, SweepPageName("mnist")), []byte("<html></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{last.Name, all.Name} {
		before, after := TransferEmbedPages(r, "mnist")
		// As 'transferlab embed --run' writes them: after, then before.
		if _, err := WriteEmbedding(dir, after, classEmbedding(filepath.Join(dir, r, "model.pt"), "mnist", digits(), true)); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteEmbedding(dir, before, classEmbedding("pretrained/fashion-cnn.pt", "mnist", digits(), false)); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{last.Name, all.Name} {
		before, after := TransferEmbedPages(r, "mnist")
		bh, ah := readFile(t, filepath.Join(dir, before)), readFile(t, filepath.Join(dir, after))
		if got, want := pageTitle(t, ah), "Feature space of "+r+" after fine-tuning at fc2 on mnist"; got != want {
			t.Errorf("after page titled %q, want %q", got, want)
		}
		if got, want := pageTitle(t, bh), "Feature space of "+r+" before fine-tuning (its source, fashion-cnn.pt) at fc2 on mnist"; got != want {
			t.Errorf("before page titled %q, want %q", got, want)
		}
		// Both link each other before any rebuild: writing the before
		// page redrew the after page.
		for _, c := range []struct{ page, html, other string }{{after, ah, before}, {before, bh, after}} {
			for _, href := range []string{c.other, r + "/index.html"} {
				if !strings.Contains(c.html, `href="`+href+`"`) {
					t.Errorf("%s does not link %s", c.page, href)
				}
			}
			frozen := strings.Contains(c.html, `id="embed-frozen"`)
			if frozen != (r == last.Name) {
				t.Errorf("%s: says fc2 was frozen: %v, want %v", c.page, frozen, r == last.Name)
			}
			if frozen && !strings.Contains(text(c.html), "the two pages show the same points") {
				t.Errorf("%s: the frozen note does not say before and after are the same", c.page)
			}
		}
	}
	// A pretraining's model.pt drawn on another dataset: its page names the
	// run, and the run's page links it.
	pre := sampleRun("pretrain-mnist", "pretrain", "mnist", 2, 2, true)
	writeRun(t, dir, pre)
	if _, err := WriteEmbedding(dir, "embed-pretrain-mnist-fashion.html", classEmbedding(filepath.Join(dir, pre.Name, "model.pt"), "fashion", digits(), false)); err != nil {
		t.Fatal(err)
	}
	if got, want := pageTitle(t, readFile(t, filepath.Join(dir, "embed-pretrain-mnist-fashion.html"))), "Feature space of pretrain-mnist at fc2 on fashion"; got != want {
		t.Errorf("a pretraining's feature space is titled %q, want %q", got, want)
	}
	// The commands rebuild the report after drawing (rebuildReport).
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{last.Name, all.Name} {
		before, after := TransferEmbedPages(r, "mnist")
		run := readFile(t, filepath.Join(dir, r, RunPageName))
		for _, href := range []string{"../" + before, "../" + after} {
			if !strings.Contains(run, `href="`+href+`"`) {
				t.Errorf("run page of %s does not link %s", r, href)
			}
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, pre.Name, RunPageName)), `href="../embed-pretrain-mnist-fashion.html"`) {
		t.Error("the pretraining's run page does not link its feature space")
	}
	// The index lists the sweep and the four feature spaces, by run.
	index := readFile(t, filepath.Join(dir, IndexPageName))
	md := readFile(t, filepath.Join(dir, MarkdownName))
	for _, want := range []string{SweepPageName("mnist"), "embed-ft-fashion-last-on-mnist-mnist-source.html", "embed-ft-fashion-all-on-mnist-mnist.html"} {
		if !strings.Contains(index, `href="`+want+`"`) || !strings.Contains(md, "("+want+")") {
			t.Errorf("index.html or results.md does not link %s", want)
		}
	}
	if !strings.Contains(text(index), "ft-fashion-last-on-mnist: before fine-tuning, fc2 on mnist") {
		t.Errorf("the index does not name the feature spaces by run:\n%s", text(index))
	}
	// The evaluation-only folder has no run page, and its evaluation page
	// does not link one.
	evalPage := readFile(t, filepath.Join(dir, "eval-net-pt-1234", "eval-mnist-test.html"))
	if _, err := os.Stat(filepath.Join(dir, "eval-net-pt-1234", RunPageName)); err == nil {
		t.Fatal("an evaluation-only folder got a run page")
	}
	if strings.Contains(evalPage, `href="index.html"`) {
		t.Error("the evaluation page links the run page index.html, which does not exist")
	}
}

// Each class of a feature space has its own colour: ten for digits (0
// and 9 shared a blue in echarts' nine-colour palette), 26 for letters.
func TestBrowserFeatureSpaceClassesHaveTheirOwnColours(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	for _, names := range [][]string{digits(), letters} {
		name := fmt.Sprintf("embed-net-%d.html", len(names))
		path, err := WriteEmbedding(dir, name, classEmbedding("net.pt", "x", names, true))
		if err != nil {
			t.Fatal(err)
		}
		p := openCDP(t, chromium, "file://"+path, 1280, 900)
		var colours []string
		p.eval(`(function () { var inst = echarts.getInstanceByDom(document.getElementById("chart_embed"));
  return inst.getModel().getSeries().map(function (s) { return String(s.getData().getVisual("style").fill); }); })()`, &colours)
		seen := map[string]string{}
		for i, c := range colours {
			if other, ok := seen[c]; ok {
				t.Errorf("%d classes: %s and %s share colour %s", len(names), other, names[i], c)
			}
			seen[c] = names[i]
		}
		if len(colours) != len(names) {
			t.Errorf("%d classes: %d series drawn", len(names), len(colours))
		}
	}
}
