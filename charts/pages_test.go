package charts

import (
	"bytes"
	"encoding/base64"
	"fmt"
	stdhtml "html"
	"image/png"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"transferlab/metrics"
)

func TestRunPage(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-mnist", "pretrain", "mnist", 5, 5, true)
	run.Reference = &metrics.Reference{TrainAcc: 99.1, ValAcc: 98.7, Note: "seed notebook"}
	writeRun(t, dir, recipeOf(run))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "pretrain-mnist", "index.html"))
	wantSeries(t, html, idAccuracy, map[string]int{seriesTrain: 5, seriesValidation: 5})
	wantSeries(t, html, idLoss, map[string]int{seriesTrain: 5, seriesValidation: 5})
	wantSeries(t, html, idSpeed, map[string]int{seriesSeconds: 5, seriesImagesPerS: 5})
	if x := chartOptions(t, html, idAccuracy).XAxis[0].Data; strings.Join(x, ",") != "1,2,3,4,5" {
		t.Errorf("accuracy x axis %v, want epochs 1..5", x)
	}
	if strings.Contains(html, `http-equiv="refresh"`) {
		t.Error("a finished run's page reloads itself")
	}
	if !strings.Contains(html, `src="../assets/echarts.min.js"`) {
		t.Error("run page does not load echarts from ../assets/")
	}
	if strings.Contains(html, "https://") {
		t.Error("run page refers to the internet")
	}
	body := text(html)
	for _, want := range []string{"97.50 %", "92.50 %", "91.25 %", "99.10 %", "98.70 %", "seed notebook", "adam", "batch size64", "1.13.1"} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	for _, id := range []string{`id="final"`, `id="params"`, `id="history"`, `id="reference"`, `id="env"`} {
		if !strings.Contains(html, id) {
			t.Errorf("run page lacks table %s", id)
		}
	}
}

func TestRunPageRunningRefreshesAndGaps(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("overfit", "overfit", "mnist", 3, 10, true)
	run.History[1].HasVal = false // an epoch without validation is a gap
	run.History[2].TrainLoss = math.NaN()
	run.History[2].ValLoss = math.Inf(1)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "overfit", "index.html"))
	// It follows the run by merging metrics.js into its charts, not by
	// reloading (TestRunningPageUpdatesInPlace).
	if strings.Contains(html, `http-equiv="refresh"`) || !strings.Contains(html, `"metrics.js?t="`) {
		t.Error("a running run's page reloads itself, or does not poll metrics.js")
	}
	wantSeries(t, html, idAccuracy, map[string]int{seriesTrain: 3, seriesValidation: 3})
	loss := chartOptions(t, html, idLoss)
	for _, s := range loss.Series {
		v := s.Data[2].(map[string]any)["value"]
		if v != gap {
			t.Errorf("loss %s: NaN/Inf point is %v, want a gap", s.Name, v)
		}
	}
	acc := chartOptions(t, html, idAccuracy)
	if v := acc.Series[1].Data[1].(map[string]any)["value"]; v != gap {
		t.Errorf("unvalidated epoch is %v, want a gap", v)
	}
	if _, err := os.Stat(filepath.Join(dir, AssetsDir, "echarts.min.js")); err != nil {
		t.Errorf("WriteRunPage did not copy echarts: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "overfit", ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}

	// No epoch yet: a page without charts that still refreshes.
	run = sampleRun("fresh", "overfit", "mnist", 0, 10, true)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	html = readFile(t, filepath.Join(dir, "fresh", "index.html"))
	if !strings.Contains(html, "No finished epoch yet") || strings.Contains(html, "let option_") {
		t.Error("a run with no epoch should show a note and no chart")
	}
	if !strings.Contains(html, `<meta http-equiv="refresh" content="10">`) {
		t.Error("a fresh running run's page, with no chart to update, does not reload itself every 10 s")
	}
}

func TestWriteRunPageRefusesBadNames(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "../escape", "a/b", `a\b`, ".hidden", "assets"} {
		run := sampleRun(name, "overfit", "mnist", 1, 1, false)
		if err := WriteRunPage(dir, run); err == nil {
			t.Errorf("run name %q accepted", name)
		}
	}
	if err := WriteRunPage(dir, nil); err == nil {
		t.Error("nil run accepted")
	}
}

// Names come from files: a class or source holding "</script>" must not
// end the chart script early.
func TestScriptInjectionIsNeutralised(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	evil := `</script><script>alert(1)</script><!--`
	run := finetuneRun("ft", "emnist-letters", evil, "last", 2, true)
	writeRun(t, dir, run)
	ef, _ := sampleEval("emnist-letters", "test", append([]string{evil}, letters[1:]...))
	writeEval(t, dir, "ft", ef)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"transfer.html", "ft/index.html", "ft/eval-emnist-letters-test.html"} {
		html := readFile(t, filepath.Join(dir, p))
		if strings.Contains(html, "</script><script>alert(1)") || strings.Contains(html, "<!--") {
			t.Errorf("%s: a name broke out of its script", p)
		}
	}
	html := readFile(t, filepath.Join(dir, "transfer.html"))
	opt := chartOptions(t, html, idTransferCurves)
	if len(opt.Series) != 1 || !strings.HasPrefix(opt.Series[0].Name, `</script><script>alert(1)</script><!--/last`) {
		t.Errorf("series names %+v", opt.Series)
	}
}

func TestEvalPage(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("transfer-mnist-last", "finetune", "emnist-letters", 2, 2, true))
	ef, cells := sampleEval("emnist-letters", "test", letters)
	writeEval(t, dir, "transfer-mnist-last", ef)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "transfer-mnist-last", "eval-emnist-letters-test.html"))
	wantSeries(t, html, idConfusion, map[string]int{seriesConfusion: cells})
	wantSeries(t, html, idPerClass, map[string]int{seriesPerClass: 26})
	if x := chartOptions(t, html, idPerClass).XAxis[0].Data; len(x) != 26 || x[0] != "a" || x[25] != "z" {
		t.Errorf("per-class x axis %v", x)
	}
	imgs := regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(imgs) != 5 {
		t.Fatalf("%d misclassified images, want 5", len(imgs))
	}
	b, err := base64.StdEncoding.DecodeString(stdhtml.UnescapeString(imgs[1][1])) // html/template writes '+' as &#43;
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 28 || r.Dy() != 28 {
		t.Errorf("image %v, want 28×28", r)
	}
	if g, _, _, _ := img.At(3, 2).RGBA(); byte(g>>8) != ef.Eval.Misclassified[1].Pixels[2*28+3] {
		t.Error("image pixels are not the misclassified image's")
	}
	body := text(html)
	for _, want := range []string{"true b", "predicted c", "1 misclassified images were skipped", "90.00 %"} {
		if !strings.Contains(body, want) {
			t.Errorf("eval page lacks %q", want)
		}
	}
	// The run page links its evaluation.
	runHTML := readFile(t, filepath.Join(dir, "transfer-mnist-last", "index.html"))
	if !strings.Contains(runHTML, `href="eval-emnist-letters-test.html"`) {
		t.Error("run page does not link its evaluation page")
	}
	if got := EvalPageName("emnist-letters", "test"); got != "eval-emnist-letters-test.html" {
		t.Errorf("EvalPageName = %q", got)
	}
}

func TestTransferPage(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, finetuneRun("ft-mnist-last", "emnist-letters", "mnist", "last", 3, true))
	writeRun(t, dir, finetuneRun("ft-fashion-all", "emnist-letters", "fashion", "all", 4, true))
	writeRun(t, dir, finetuneRun("ft-none-all", "emnist-letters", "none", "all", 2, false))
	writeRun(t, dir, finetuneRun("ft-on-mnist", "mnist", "fashion", "last", 3, true))
	writeRun(t, dir, sampleRun("pretrain-mnist", "pretrain", "mnist", 2, 2, true)) // not a finetune run
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "transfer.html"))
	wantSeries(t, html, idTransferCurves, map[string]int{
		"fashion/all (validation)":                  4,
		"mnist/last (validation)":                   3,
		"none/all (train, no validation)":           2,
		"fashion/last [target: mnist] (validation)": 3,
	})
	wantSeries(t, html, idTransferBars, map[string]int{seriesTrain: 4, seriesTest: 4})
	x := chartOptions(t, html, idTransferBars).YAxis[0].Data // horizontal bars
	if strings.Join(x, ",") != "fashion/all,mnist/last,none/all,fashion/last [target: mnist]" {
		t.Errorf("bar labels %q", x)
	}
	if !strings.Contains(html, `src="assets/echarts.min.js"`) {
		t.Error("transfer page does not load echarts from assets/")
	}
	// The run on another target is in its own table, marked, never in the
	// EMNIST table.
	i := strings.Index(html, "Results on EMNIST letters")
	j := strings.Index(html, "Other targets (not EMNIST letters)")
	if i < 0 || j < i {
		t.Fatalf("tables missing or out of order (%d, %d)", i, j)
	}
	if strings.Contains(html[i:j], "ft-on-mnist") {
		t.Error("a run fine-tuned on mnist is in the EMNIST table")
	}
	other := html[j:]
	if !strings.Contains(other, "ft-on-mnist") || !strings.Contains(other, "target: mnist") || !strings.Contains(other, `class="other-target"`) {
		t.Error("the mnist-target run is not marked as another target")
	}
	emnist := text(html[i:j])
	for _, want := range []string{"mnist/last", "fashion/all", "none/all", "88.80 %", "77.70 %", "seed notebook", "97.50 %", "91.25 %"} {
		if !strings.Contains(emnist, want) {
			t.Errorf("EMNIST table lacks %q", want)
		}
	}
	if strings.Contains(html, "pretrain-mnist") {
		t.Error("a pretrain run is on the transfer page")
	}
}

func TestTransferPageEmpty(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("overfit", "overfit", "mnist", 2, 2, false))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "transfer.html"))
	if !strings.Contains(html, "No fine-tuning run yet") || strings.Contains(html, "let option_") {
		t.Error("empty transfer page should say so and draw nothing")
	}
	if strings.Contains(readFile(t, filepath.Join(dir, "index.html")), `href="transfer.html"`) {
		t.Error("index links an empty transfer page")
	}
}

func TestIndexAndMarkdown(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	overfit := sampleRun("overfit-ffn", "overfit", "mnist", 4, 4, false)
	ft := finetuneRun("ft|pipe", "emnist-letters", "mnist", "all", 2, true)
	running := sampleRun("pretrain-fashion", "pretrain", "fashion", 1, 5, true)
	for _, r := range []*metrics.Run{overfit, ft, running} {
		writeRun(t, dir, r)
	}
	ef, _ := sampleEval("mnist", "test", digits())
	writeEval(t, dir, "overfit-ffn", ef)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "index.html"))
	for _, want := range []string{`href="overfit-ffn/index.html"`, `href="ft%7cpipe/index.html"`, `href="pretrain-fashion/index.html"`,
		`href="transfer.html"`, `href="overfit-ffn/eval-mnist-test.html"`} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if strings.Contains(html, "<script src=") {
		t.Error("index loads a script although it has no chart")
	}
	if runs, evals := strings.Count(html, "<tr data-run="), strings.Count(html, "<tr><td><a href="); runs != 3 || evals != 1 {
		t.Errorf("%d run rows and %d evaluation rows in index, want 3 and 1", runs, evals)
	}
	// Each run's swatch is in its colour on the compare page's charts.
	compare := readFile(t, filepath.Join(dir, ComparePageName))
	for name, st := range runStyles([]*metrics.Run{overfit, ft, running}) {
		swatch := `<span class="swatch" style="background: ` + st.Colour + `" data-symbol="` + st.Symbol + `"></span>`
		for page, h := range map[string]string{"index": html, "compare": compare} {
			if !strings.Contains(h, swatch+`<a href="`+strings.ReplaceAll(url.PathEscape(name), "%7C", "%7c")) {
				t.Errorf("%s: no %s swatch before %s", page, st.Colour, name)
			}
		}
	}
	md := readFile(t, filepath.Join(dir, "results.md"))
	for _, want := range []string{
		"| [overfit-ffn](overfit-ffn/index.html) | overfit | done | cnn | mnist | 4/4 | 97.50 % | — | 91.25 % | 10m00s |",
		`| [ft\|pipe](ft%7Cpipe/index.html) | finetune | done |`,
		"| [pretrain-fashion](pretrain-fashion/index.html) | pretrain | running | cnn | fashion | 1/5 | — | — | — |",
		"[transfer.html](transfer.html)",
		"| [overfit-ffn](overfit-ffn/eval-mnist-test.html) | mnist | test | 0 | 90.00 % | 0.3000 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}

func TestBuildSkipsUnreadableFiles(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("good", "overfit", "mnist", 2, 2, false))
	bad := filepath.Join(dir, "broken", metrics.FileName)
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"name": "broken", "history": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	badEval := filepath.Join(dir, "good", "eval-mnist-test.json")
	if err := os.WriteFile(badEval, []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Build(dir)
	if err == nil {
		t.Fatal("Build hid two unreadable files")
	}
	msg := err.Error()
	for _, want := range []string{"skipped 2 unreadable file(s)", bad, badEval, "not a valid transferlab metrics file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Count(msg, bad) != 1 {
		t.Errorf("error names %s more than once: %q", bad, msg)
	}
	for _, p := range []string{"good/index.html", "index.html", "transfer.html", "results.md"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not built: %v", p, err)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "index.html")), bad) {
		t.Error("index does not list the skipped file")
	}
	if err := Build(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}

func TestEchartsFallbackWarns(t *testing.T) {
	t.Setenv(EchartsEnv, t.TempDir()) // empty: no echarts there
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("r", "overfit", "mnist", 2, 2, false))
	res, err := BuildAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Warning, "tools/setup-echarts.sh") || !strings.Contains(res.Warning, EchartsEnv) {
		t.Errorf("warning %q does not say how to fix it", res.Warning)
	}
	html := readFile(t, filepath.Join(dir, "r", "index.html"))
	if !strings.Contains(html, `src="`+remoteEcharts()+`"`) || !strings.Contains(html, "tools/setup-echarts.sh") {
		t.Error("page without local echarts should load it from the go-echarts host and say how to fix that")
	}
	var out bytes.Buffer
	if err := Report(&out, dir); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "warning: ") || !strings.Contains(out.String(), "wrote 5 pages") {
		t.Errorf("report output %q", out.String())
	}

	// Once the cache is there, the copy is made and used.
	js := fakeEcharts(t)
	if _, err := BuildAll(dir); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, AssetsDir, "echarts.min.js")); got != readFile(t, js) {
		t.Error("echarts.min.js not copied from the cache")
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "r", "index.html")), `src="../assets/echarts.min.js"`) {
		t.Error("page does not use the local copy")
	}
	// The env var may also name the file itself.
	t.Setenv(EchartsEnv, js)
	if got, err := findEcharts(); err != nil || got != js {
		t.Errorf("findEcharts() = %q, %v", got, err)
	}
}

// charts reads metrics files only: it must build without libtorch.
func TestNoTorchImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "transferlab/charts").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "gotch") || strings.Contains(dep, "torch") {
			t.Errorf("charts depends on %s", dep)
		}
	}
}

// Each builder's chart also renders alone, as a go-echarts page.
func TestBuildersRenderAlone(t *testing.T) {
	run := finetuneRun("ft", "emnist-letters", "mnist", "last", 3, true)
	ef, _ := sampleEval("emnist-letters", "test", letters)
	for id, c := range map[string]interface{ Render(io.Writer) error }{
		idAccuracy:       AccuracyChart(run.History, HeldOutName(run.Config)),
		idLoss:           LossChart(run.History, HeldOutName(run.Config)),
		idSpeed:          SpeedChart(run.History),
		idConfusion:      ConfusionChart(&ef.Eval, ef.Classes),
		idPerClass:       PerClassChart(&ef.Eval, ef.Classes),
		idTransferCurves: TransferCurvesChart([]*metrics.Run{run}),
		idTransferBars:   TransferBarsChart([]*metrics.Run{run}),
	} {
		var buf bytes.Buffer
		if err := c.Render(&buf); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !strings.Contains(buf.String(), `id="`+id+`"`) || !strings.Contains(buf.String(), "<!DOCTYPE html>") {
			t.Errorf("%s: standalone page lacks its chart", id)
		}
	}
}

// A recipe without a validation split evaluates the test split after each
// epoch: the curves must say "test", never "validation".
func TestRunPageNamesTheHeldOutSplit(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-fashion", "pretrain", "fashion", 3, 3, true)
	run.Config.EvalSplit = "test"
	writeRun(t, dir, run)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "pretrain-fashion", "index.html"))
	wantSeries(t, html, idAccuracy, map[string]int{seriesTrain: 3, seriesTest: 3})
	wantSeries(t, html, idLoss, map[string]int{seriesTrain: 3, seriesTest: 3})
}

// TestTransferPageLinksFeatureSpaces: a run whose before/after embedding
// pages exist gets both links, one with only its after page gets that
// one, and a run without pages gets none.
func TestTransferPageLinksFeatureSpaces(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, finetuneRun("ft-mnist-last", "emnist-letters", "mnist", "last", 3, true))
	writeRun(t, dir, finetuneRun("ft-on-fashion", "fashion", "mnist", "all", 3, true))
	writeRun(t, dir, finetuneRun("ft-bare", "emnist-letters", "fashion", "all", 3, true))
	touch := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("<html></html>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before, after := TransferEmbedPages("ft-mnist-last", "emnist-letters")
	touch(before)
	touch(after)
	_, onlyAfter := TransferEmbedPages("ft-on-fashion", "fashion")
	touch(onlyAfter)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "transfer.html"))
	row := func(run string) string {
		i := strings.Index(html, `href="`+run+`/index.html"`)
		if i < 0 {
			t.Fatalf("no row for %s", run)
		}
		return html[i : i+strings.Index(html[i:], "</tr>")]
	}
	if r := row("ft-mnist-last"); !strings.Contains(r, `href="`+before+`">before</a>`) || !strings.Contains(r, `href="`+after+`">after</a>`) {
		t.Errorf("row with both pages lacks a link: %s", r)
	}
	if r := row("ft-on-fashion"); strings.Contains(r, ">before</a>") || !strings.Contains(r, `href="embed-ft-on-fashion-fashion.html">after</a>`) {
		t.Errorf("row with an after page only: %s", r)
	}
	if r := row("ft-bare"); strings.Contains(r, "embed-links") {
		t.Errorf("row without pages links some: %s", r)
	}
}

// A two-phase run's page draws each parameter group's learning rate per
// epoch on a log axis: the head from epoch 1, each body layer as a gap
// until the unfreeze, then at its own rate.
func TestRunPageDrawsEachGroupsLearningRate(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("two-phase", "finetune", "fashion", 3, 3, false)
	run.Config.LRGroups = []string{"fc3", "conv1", "fc2"}
	run.History[0].LR = []float64{1e-3}
	run.History[1].LR = []float64{1e-3, 1e-5, 1e-4}
	run.History[2].LR = []float64{5e-4, 5e-6, 5e-5}
	writeRun(t, dir, run)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "two-phase", "index.html"))
	wantSeries(t, html, idLR, map[string]int{"fc3 (head)": 3, "conv1": 3, "fc2": 3})
	opt := chartOptions(t, html, idLR)
	for _, s := range opt.Series {
		first := fmt.Sprint(s.Data[0].(map[string]any)["value"])
		if s.Name == "conv1" && first == "0.001" || s.Name == "fc3 (head)" && first != "0.001" {
			t.Errorf("series %s starts at %s", s.Name, first)
		}
		if v := fmt.Sprint(s.Data[1].(map[string]any)["value"]); s.Name == "conv1" && v != "1e-05" {
			t.Errorf("conv1 at epoch 2: %v, want 1e-05", v)
		}
	}
	if !strings.Contains(html, `"type":"log"`) {
		t.Error("the learning-rate axis is not logarithmic")
	}
	// One group: one series, named as a rate.
	one := sampleRun("one-group", "finetune", "fashion", 2, 2, false)
	for i := range one.History {
		one.History[i].LR = []float64{1e-3}
	}
	writeRun(t, dir, one)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	wantSeries(t, readFile(t, filepath.Join(dir, "one-group", "index.html")), idLR, map[string]int{seriesLR: 2})
}
