package charts

import (
	"encoding/json"
	stdhtml "html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"transferlab/metrics"
)

// metrics.csv is written beside metrics.json with every run page: one row
// per epoch under a header naming the held-out split.
func TestMetricsCSV(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-fashion", "pretrain", "fashion", 3, 5, true)
	run.Config.EvalSplit = "test"
	run.History[1].HasVal = false
	run.History[2].TrainLoss = math.NaN()
	run.History[0].EvalSeconds = 4.5 // the other epochs recorded none
	run.History[0].LR = []float64{1e-3}
	run.History[2].LR = []float64{2.5e-4, 1e-5} // two parameter groups
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	want := "epoch,train_loss,train_acc,test_loss,test_acc,seconds,elapsed_seconds,images_per_sec,test_seconds,lr\n" +
		"1,1,81,1.1,79,11,11,5001,4.5,0.001\n" +
		"2,0.5,82,,,12,23,5002,,\n" +
		"3,NaN,83,0.3666666666666667,81,13,36,5003,,0.00025;1e-05\n"
	if got := readFile(t, filepath.Join(dir, "pretrain-fashion", CSVName)); got != want {
		t.Errorf("metrics.csv:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "pretrain-fashion", RunPageName)), `href="metrics.csv"`) {
		t.Error("the run page does not link metrics.csv")
	}

	// 'transferlab report' writes it for every run too.
	dir = t.TempDir()
	writeRun(t, dir, sampleRun("overfit", "overfit", "mnist", 2, 2, true))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, filepath.Join(dir, "overfit", CSVName))
	if lines := strings.Split(strings.TrimSpace(got), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "epoch,train_loss,train_acc,val_loss,val_acc,") {
		t.Errorf("metrics.csv of a built run:\n%s", got)
	}
}

// A finished run's page shows its test evaluation: the confusion matrix,
// accuracy per class and the misclassified images metrics.json holds.
func TestRunPageShowsTestEvaluation(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := finetuneRun("ft", "emnist-letters", "mnist", "all", 2, true)
	ef, cells := sampleEval("emnist-letters", "test", letters)
	run.Final.Test = &ef.Eval
	writeRun(t, dir, run)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "ft", RunPageName))
	wantSeries(t, html, idConfusion, map[string]int{seriesConfusion: cells})
	wantSeries(t, html, idPerClass, map[string]int{seriesPerClass: 26})
	if n := len(regexp.MustCompile(`<img src="data:image/png;base64,`).FindAllString(html, -1)); n != 5 {
		t.Errorf("run page shows %d misclassified images, want 5", n)
	}
	if !strings.Contains(text(html), "true b") || !strings.Contains(html, `id="per-class"`) {
		t.Error("run page lacks the labelled mistakes or the per-class table")
	}
	// A run still training has no test evaluation: no such section.
	running := sampleRun("r", "overfit", "mnist", 1, 3, true)
	if err := WriteRunPage(dir, running); err != nil {
		t.Fatal(err)
	}
	if html := readFile(t, filepath.Join(dir, "r", RunPageName)); strings.Contains(html, "chart_confusion") {
		t.Error("a run without a test evaluation shows a confusion matrix")
	}
}

var liveDataRE = regexp.MustCompile(`(?s)^window\.transferlabRunData = (.*);\n$`)

// A running run's page does not reload itself (that would reset the
// reader's zoom and legend): it polls metrics.js, written beside it, for
// the new points.
func TestRunningPageUpdatesInPlace(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-mnist", "pretrain", "mnist", 3, 10, true)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "pretrain-mnist", RunPageName))
	if strings.Contains(html, `http-equiv="refresh"`) {
		t.Error("the page of a running run with charts reloads itself")
	}
	if !strings.Contains(html, `"metrics.js?t="`) {
		t.Error("the running page does not poll metrics.js")
	}
	js := readFile(t, filepath.Join(dir, "pretrain-mnist", LiveScriptName))
	m := liveDataRE.FindStringSubmatch(js)
	if m == nil {
		t.Fatalf("metrics.js is not one assignment of the run's data: %.300s", js)
	}
	var d struct {
		Status, Epochs string
		Charts         map[string]chartOption
	}
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("metrics.js data: %v", err)
	}
	if d.Status != "running" || d.Epochs != "3 of 10" {
		t.Errorf("metrics.js status %q, epochs %q", d.Status, d.Epochs)
	}
	for _, id := range []string{idAccuracy, idLoss, idSpeed} {
		c, ok := d.Charts[id]
		if !ok || len(c.XAxis) == 0 || len(c.XAxis[0].Data) != 3 {
			t.Errorf("metrics.js: chart %s missing or without its 3 epochs: %+v", id, c)
			continue
		}
		for _, s := range c.Series {
			if s.Name == "" || len(s.Data) != 3 {
				t.Errorf("metrics.js: chart %s series %q has %d points, want 3 and a name", id, s.Name, len(s.Data))
			}
		}
	}
	// A finished run's page neither polls nor reloads.
	run = sampleRun("done", "pretrain", "mnist", 2, 2, true)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	if html := readFile(t, filepath.Join(dir, "done", RunPageName)); strings.Contains(html, "metrics.js?t=") || strings.Contains(html, `http-equiv="refresh"`) {
		t.Error("a finished run's page polls or reloads")
	}
	if _, err := os.Stat(filepath.Join(dir, "done", LiveScriptName)); err != nil {
		t.Errorf("metrics.js not written for a finished run (an open page needs its last state): %v", err)
	}
}

// The run page shows the model summary: each layer's parameters, trained
// or frozen, and the total (the point of "last" against "all").
func TestRunPageShowsTheModelSummary(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 2, false)
	run.Summary = []metrics.Layer{
		{Name: "conv1", Shapes: [][]int{{10, 1, 3, 3}, {10}}, Params: 100},
		{Name: "fc3", Shapes: [][]int{{26, 84}, {26}}, Params: 2210, Trainable: true},
	}
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(dir, "transfer-mnist-last", RunPageName))
	for _, want := range []string{`id="summary"`, "<td>conv1</td><td>10x1x3x3 &#43; 10</td><td>100</td><td>frozen</td>",
		"<td>fc3</td><td>26x84 &#43; 26</td><td>2210</td><td>trained</td>", "<td>2310</td><td>2210 trained, 100 frozen</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
}

// The run page shows the command line that trained the run, from its
// checkpoint's sidecar (model.json), escaped; a run without a sidecar yet
// shows none. Before, the page did not say how the run was made.
func TestRunPageShowsTheCommand(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("overfit", "overfit", "mnist", 2, 2, true)
	writeRun(t, dir, run)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	if html := readFile(t, filepath.Join(dir, run.Name, RunPageName)); strings.Contains(html, `id="command"`) {
		t.Error("a run with no sidecar yet shows a command")
	}
	cmd := `transferlab overfit --lr 0.01 --name "<b>x</b>"`
	if err := metrics.WriteJSON(filepath.Join(dir, run.Name, "model.json"), map[string]any{"format": 1, "command": cmd}); err != nil {
		t.Fatal(err)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, run.Name, RunPageName))
	i := strings.Index(html, `<p id="command">`)
	if i < 0 {
		t.Fatal("the run page shows no command")
	}
	line := html[i : i+strings.Index(html[i:], "</p>")]
	if got := stdhtml.UnescapeString(text(line)); got != "Command: "+cmd || strings.Contains(line, "<b>") {
		t.Errorf("command line reads %q (HTML %q), want %q, escaped", got, line, "Command: "+cmd)
	}
}

// A pretraining's page shows its command from the sidecar beside the
// network it saved outside its folder (pretrained-quick/mnist-cnn.json),
// but not a sidecar saved before it started (another training's). Before,
// pretraining pages had no command line (issue 26).
func TestPretrainPageShowsTheCommandFromItsCheckpointsSidecar(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-mnist", "pretrain", "mnist", 2, 2, true)
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	run.Started, run.Finished = day, day.Add(time.Hour)
	run.Checkpoint = filepath.Join(dir, "pretrained-quick", "mnist-cnn.pt")
	writeRun(t, dir, run)
	cmd := "transferlab reproduce --quick --target mnist"
	side := filepath.Join(dir, "pretrained-quick", "mnist-cnn.json")
	for _, c := range []struct {
		saved time.Time
		want  bool
	}{{day.Add(59 * time.Minute), true}, {day.Add(-time.Hour), false}} {
		if err := os.MkdirAll(filepath.Dir(side), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := metrics.WriteJSON(side, map[string]any{"format": 1, "command": cmd, "saved": c.saved}); err != nil {
			t.Fatal(err)
		}
		if err := Build(dir); err != nil {
			t.Fatal(err)
		}
		html := readFile(t, filepath.Join(dir, run.Name, RunPageName))
		if got := strings.Contains(html, `<p id="command">Command: <code>`+cmd+`</code></p>`); got != c.want {
			t.Errorf("sidecar saved %s: command shown %v, want %v", c.saved, got, c.want)
		}
	}
}
