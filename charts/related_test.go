package charts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"transferlab/metrics"
)

// A fine-tuning run's page links the pretraining that trained its source
// network, and the previous run of its recipe with a table of the
// settings that changed; a first run has neither. Before, a run page
// named its source only as "mnist" and said nothing of earlier runs.
func TestRunPageLinksItsSourceAndPreviousRun(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	pre := sampleRun("pretrain-mnist", "pretrain", "mnist", 3, 3, false)
	pre.Checkpoint = "pretrained/mnist-cnn.pt"
	pre.Started, pre.Finished = day, day.Add(time.Hour)
	// A pretraining on fashion, and a later one on mnist that replaced the
	// file after the fine-tunings read it: neither is their source.
	fash := sampleRun("pretrain-fashion", "pretrain", "fashion", 3, 3, false)
	fash.Checkpoint = "pretrained/fashion-cnn.pt"
	fash.Started, fash.Finished = day, day.Add(time.Hour)
	later := sampleRun("pretrain-mnist-v2", "pretrain", "mnist", 3, 3, false)
	later.Checkpoint = "pretrained/mnist-cnn.pt"
	later.Started, later.Finished = day.Add(10*time.Hour), day.Add(11*time.Hour)

	first := finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 2, true)
	first.Config.SourceCheckpoint = "pretrained/mnist-cnn.pt"
	first.Started, first.Finished = day.Add(2*time.Hour), day.Add(3*time.Hour)
	second := finetuneRun("transfer-mnist-last-lr0.01", "emnist-letters", "mnist", "last", 2, true)
	second.Config.SourceCheckpoint = "/home/me/lab/pretrained/mnist-cnn.pt" // recorded absolute
	second.Config.LR, second.Config.Epochs = 0.01, 7
	second.Started, second.Finished = day.Add(4*time.Hour), day.Add(5*time.Hour)
	for _, r := range []*metrics.Run{pre, fash, later, first, second} {
		writeRun(t, dir, r)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(dir, "transfer-mnist-last-lr0.01", RunPageName))
	for _, want := range []string{
		`<p id="source-run">Source network: trained by <a href="../pretrain-mnist/index.html">pretrain-mnist</a></p>`,
		`<p id="previous-run">Previous run of this recipe: <a href="../transfer-mnist-last/index.html">transfer-mnist-last</a></p>`,
		`<tr><td>epochs</td><td>2</td><td>7</td></tr>`,
		`<tr><td>learning rate</td><td>0.001</td><td>0.01</td></tr>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the second fine-tuning's page lacks %s", want)
		}
	}
	diff, _, _ := strings.Cut(page[strings.Index(page, `<table id="config-diff">`)+1:], "</table>")
	if n := strings.Count(diff, "<tr><td>"); n != 2 {
		t.Errorf("the settings diff has %d rows, want 2 (epochs and learning rate)", n)
	}
	page = readFile(t, filepath.Join(dir, "transfer-mnist-last", RunPageName))
	if !strings.Contains(page, `href="../pretrain-mnist/index.html"`) || strings.Contains(page, `id="previous-run"`) {
		t.Errorf("the first fine-tuning's page: want its source linked and no previous run")
	}
	// Without its pretraining in the folder, the page names the file.
	alone := t.TempDir()
	writeRun(t, alone, first)
	if err := Build(alone); err != nil {
		t.Fatal(err)
	}
	if page := readFile(t, filepath.Join(alone, "transfer-mnist-last", RunPageName)); !strings.Contains(page, `<p id="source-run">Source network: <code>pretrained/mnist-cnn.pt</code>: a committed or pretrained network, not trained by any run in this results folder</p>`) {
		t.Errorf("a fine-tuning whose pretraining is not in the folder does not name its source file")
	}
	page = readFile(t, filepath.Join(dir, "pretrain-mnist-v2", RunPageName))
	if strings.Contains(page, `id="source-run"`) || !strings.Contains(page, `<p id="previous-run">Previous run of this recipe: <a href="../pretrain-mnist/index.html">pretrain-mnist</a>, with the same settings</p>`) {
		t.Errorf("the second pretraining's page: want no source and the first pretraining as its previous run, same settings")
	}
}

// A fine-tuning that loaded a committed network is not linked to a
// pretraining on the same dataset that wrote another file; its page names
// the file and its hash. Before, any pretraining on the dataset was named
// as its source (issue 26).
func TestRunPageDoesNotLinkAPretrainingThatWroteAnotherFile(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	pre := sampleRun("pretrain-mnist-quick", "pretrain", "mnist", 3, 3, false)
	pre.Checkpoint = "/tmp/rv/results/pretrained-quick/mnist-cnn.pt"
	pre.Started, pre.Finished = day, day.Add(time.Hour)
	ft := finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 2, true)
	ft.Config.SourceCheckpoint = "/tmp/rv/pretrained/mnist-cnn.pt"
	ft.Config.SourceSHA256 = "f753e45890be764ab74b5e980eb57a78d958dad94541d93fe6e141b0e9dd78aa"
	ft.Started, ft.Finished = day.Add(2*time.Hour), day.Add(3*time.Hour)
	writeRun(t, dir, pre)
	writeRun(t, dir, ft)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(dir, "transfer-mnist-last", RunPageName))
	want := `<p id="source-run">Source network: <code>/tmp/rv/pretrained/mnist-cnn.pt</code> (sha256 f753e45890be…): a committed or pretrained network, not trained by any run in this results folder</p>`
	if strings.Contains(page, "pretrain-mnist-quick/index.html") || !strings.Contains(page, want) {
		t.Errorf("the fine-tuning's page links a pretraining that wrote another file, or lacks %s", want)
	}
}

// A pretraining that wrote the path a fine-tuning loaded is not its
// source when the pretraining's own sidecar records another SHA-256 than
// the one the fine-tuning loaded (the file was replaced between them);
// with the same sum it is.
func TestRunPageChecksTheSourceHash(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	ckpt := filepath.Join(dir, "pretrained", "mnist-cnn.pt")
	pre := sampleRun("pretrain-mnist", "pretrain", "mnist", 3, 3, false)
	pre.Checkpoint = ckpt
	pre.Started, pre.Finished = day, day.Add(time.Hour)
	if err := os.MkdirAll(filepath.Dir(ckpt), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := metrics.WriteJSON(strings.TrimSuffix(ckpt, ".pt")+".json", map[string]any{"saved": day.Add(59 * time.Minute), "sha256": "aaaa"}); err != nil {
		t.Fatal(err)
	}
	ft := finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 2, true)
	ft.Config.SourceCheckpoint = ckpt
	ft.Started, ft.Finished = day.Add(2*time.Hour), day.Add(3*time.Hour)
	writeRun(t, dir, pre)
	for sum, linked := range map[string]bool{"bbbb": false, "aaaa": true} {
		ft.Config.SourceSHA256 = sum
		writeRun(t, dir, ft)
		if err := Build(dir); err != nil {
			t.Fatal(err)
		}
		page := readFile(t, filepath.Join(dir, ft.Name, RunPageName))
		if got := strings.Contains(page, `href="../pretrain-mnist/index.html"`); got != linked {
			t.Errorf("loaded sha256 %s, the pretraining's aaaa: linked %v, want %v", sum, got, linked)
		}
	}
}
