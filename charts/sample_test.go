package charts

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"transferlab/metrics"
)

// The tests write their own metrics files into temp folders, shaped like
// the ones the training and eval commands write.

var letters = func() []string {
	l := make([]string, 26)
	for i := range l {
		l[i] = string(rune('a' + i))
	}
	return l
}()

func digits() []string {
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}

// sampleRun is a run of n finished epochs out of total; withVal says
// whether it was validated.
func sampleRun(name, kind, dataset string, n, total int, withVal bool) *metrics.Run {
	r := &metrics.Run{
		Name: name, Kind: kind, Status: "done",
		Config: metrics.Config{Model: "cnn", Dataset: dataset, Epochs: total, BatchSize: 64, LR: 1e-3,
			Optimizer: "adam", Seed: 1, Precision: "fp32", Threads: 2, Device: "cpu"},
		Started:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Finished:    time.Date(2025, 1, 2, 3, 14, 5, 0, time.UTC),
		WallSeconds: 600,
		Env:         metrics.Env{Libtorch: "1.13.1", Gotch: "v0.9.1", CPUs: 2, Host: "test"},
	}
	if withVal {
		r.Config.ValFraction = 0.2
	}
	if n < total {
		r.Status = "running"
	}
	for i := 1; i <= n; i++ {
		e := metrics.Epoch{Epoch: i, TrainLoss: 1.0 / float64(i), TrainAcc: 80 + float64(i), Seconds: 10 + float64(i), ImagesPerSec: 5000 + float64(i)}
		if withVal {
			e.HasVal, e.ValLoss, e.ValAcc = true, 1.1/float64(i), 78+float64(i)
		}
		r.History = append(r.History, e)
	}
	if n == total {
		r.Final.Train = &metrics.Eval{Dataset: dataset, Split: "train", N: 1000, Loss: 0.1, Accuracy: 97.5}
		r.Final.Test = &metrics.Eval{Dataset: dataset, Split: "test", N: 200, Loss: 0.2, Accuracy: 91.25}
		if withVal {
			r.Final.Val = &metrics.Eval{Dataset: dataset, Split: "val", N: 250, Loss: 0.15, Accuracy: 92.5}
		}
	}
	return r
}

func finetuneRun(name, dataset, source, layers string, n int, withVal bool) *metrics.Run {
	r := sampleRun(name, "finetune", dataset, n, n, withVal)
	r.Config.Source, r.Config.Layers = source, layers
	r.Classes = letters
	r.Reference = &metrics.Reference{TrainAcc: 88.8, TestAcc: 77.7, Note: "seed notebook"}
	// It ran its recipe, so its seed numbers may be shown beside it.
	return recipeOf(r)
}

// sampleEval is an evaluation over classes with a few mistakes; the
// confusion matrix has n cells that are not zero, returned too.
func sampleEval(dataset, split string, classes []string) (*metrics.EvalFile, int) {
	k := len(classes)
	e := metrics.Eval{Dataset: dataset, Split: split, N: 0, Loss: 0.3, Accuracy: 90, Seconds: 1.5}
	nonzero := 0
	e.Confusion = make([][]int, k)
	for t := range k {
		e.Confusion[t] = make([]int, k)
		e.Confusion[t][t] = 50 + t
		nonzero++
		if t%3 == 0 {
			e.Confusion[t][(t+1)%k] = 2 + t
			nonzero++
		}
		e.PerClass = append(e.PerClass, 100*float64(50+t)/float64(50+t+2+t))
	}
	for i := range 5 {
		px := make([]byte, 28*28)
		for j := range px {
			px[j] = byte((i*31 + j) % 256)
		}
		e.Misclassified = append(e.Misclassified, metrics.Mistake{Index: 100 + i, True: i % k, Pred: (i + 1) % k, Rows: 28, Cols: 28, Pixels: px})
	}
	// A broken one: too few pixels.
	e.Misclassified = append(e.Misclassified, metrics.Mistake{Index: 7, True: 0, Pred: 1, Rows: 28, Cols: 28, Pixels: []byte{1, 2, 3}})
	return &metrics.EvalFile{Checkpoint: "results/x/model.pt", Classes: classes, Eval: e,
		When: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), Env: metrics.Env{Libtorch: "1.13.1", Gotch: "v0.9.1", CPUs: 2}}, nonzero
}

// writeRun writes results/<run>/metrics.json.
func writeRun(t *testing.T, dir string, r *metrics.Run) {
	t.Helper()
	if err := metrics.WriteJSON(filepath.Join(dir, r.Name, metrics.FileName), r); err != nil {
		t.Fatal(err)
	}
}

func writeEval(t *testing.T, dir, run string, ef *metrics.EvalFile) {
	t.Helper()
	name := fmt.Sprintf("eval-%s-%s.json", ef.Eval.Dataset, ef.Eval.Split)
	if err := metrics.WriteJSON(filepath.Join(dir, run, name), ef); err != nil {
		t.Fatal(err)
	}
}

// fakeEcharts points TRANSFERLAB_ECHARTS at a stand-in echarts.min.js, laid
// out as npm installs it, for tests that do not run JavaScript.
func fakeEcharts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	js := filepath.Join(dir, echartsInPackage)
	if err := os.MkdirAll(filepath.Dir(js), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, []byte("/* fake echarts */"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(filepath.Dir(js)), "package.json"), []byte(`{"name":"echarts","version":"5.4.3"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EchartsEnv, dir)
	return js
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// series is what the structural tests read back from a chart's options.
type series struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Data []any  `json:"data"`
}

type chartOption struct {
	Series []series `json:"series"`
	XAxis  []struct {
		Data []string `json:"data"`
	} `json:"xAxis"`
	YAxis []struct {
		Data []string `json:"data"`
	} `json:"yAxis"`
}

// chartOptions decodes the options of chart id from a generated page: the
// JSON go-echarts writes after "let option_<id> = ".
func chartOptions(t *testing.T, html, id string) chartOption {
	t.Helper()
	marker := "let option_" + id + " = "
	i := strings.Index(html, marker)
	if i < 0 {
		t.Fatalf("chart %s not in page", id)
	}
	var opt chartOption
	js := funcRE.ReplaceAllString(html[i+len(marker):], "null") // JavaScript formatters are not JSON
	if err := json.NewDecoder(strings.NewReader(js)).Decode(&opt); err != nil {
		t.Fatalf("chart %s options: %v", id, err)
	}
	if !strings.Contains(html, `id="`+id+`"`) {
		t.Fatalf("chart %s has no container", id)
	}
	return opt
}

// wantSeries checks a chart's series names and point counts.
func wantSeries(t *testing.T, html, id string, want map[string]int) {
	t.Helper()
	opt := chartOptions(t, html, id)
	got := map[string]int{}
	for _, s := range opt.Series {
		got[s.Name] = len(s.Data)
	}
	if len(got) != len(want) {
		t.Errorf("chart %s: series %v, want %v", id, got, want)
	}
	for name, n := range want {
		if g, ok := got[name]; !ok || g != n {
			t.Errorf("chart %s: series %q has %d points (present %v), want %d", id, name, g, ok, n)
		}
	}
}

var funcRE = regexp.MustCompile(`function \([^)]*\) \{[^}]*\}`)

var tagRE = regexp.MustCompile(`<[^>]*>`)

// text strips tags, for checks on what a table says.
func text(html string) string { return tagRE.ReplaceAllString(html, "") }
