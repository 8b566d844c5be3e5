package transfer

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"transferlab/metrics"
	"transferlab/model"
	"transferlab/train"
)

// The committed MNIST network's fc2 features separate MNIST's classes: on
// the first two principal components the class centroids carry a good
// share of the points' spread. A network whose features had collapsed, or
// an embedding that mixed up points and labels, would fail this.
func TestEmbedMNISTSeparatesClasses(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pt := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	if _, err := os.Stat(pt); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	e, err := Embed(context.Background(), EmbedOptions{Checkpoint: pt, Dataset: "mnist", N: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Points) != 300 || e.Layer != "fc2" || e.Dim != 84 || !e.Predicted || !e.DefaultLayer || len(e.Classes) != 10 {
		t.Fatalf("embedding: %d points, layer %s of %d, predicted %v, default %v, %d classes", len(e.Points), e.Layer, e.Dim, e.Predicted, e.DefaultLayer, len(e.Classes))
	}
	var mx, my float64
	for _, p := range e.Points {
		mx += p.X / 300
		my += p.Y / 300
	}
	sum := make([][3]float64, 10) // x, y, count per class
	wrong := 0
	for _, p := range e.Points {
		sum[p.Label][0] += p.X
		sum[p.Label][1] += p.Y
		sum[p.Label][2]++
		if p.Pred != p.Label {
			wrong++
		}
	}
	var between, total float64
	for _, p := range e.Points {
		c := sum[p.Label]
		cx, cy := c[0]/c[2], c[1]/c[2]
		between += (cx-mx)*(cx-mx) + (cy-my)*(cy-my)
		total += (p.X-mx)*(p.X-mx) + (p.Y-my)*(p.Y-my)
	}
	t.Logf("class centroids hold %.0f%% of the plane's variance; %d of 300 misclassified; PC1 %.1f%%, PC2 %.1f%%",
		100*between/total, wrong, 100*e.Explained[0], 100*e.Explained[1])
	if between < 0.3*total {
		t.Errorf("class centroids hold %.0f%% of the variance on the plane, want 30%% or more", 100*between/total)
	}
	if wrong > 15 {
		t.Errorf("%d of 300 misclassified by a 99%% network", wrong)
	}
	if name := e.PageName("results"); !strings.HasPrefix(name, "embed-mnist-cnn-") || !strings.HasSuffix(name, "-mnist.html") {
		t.Errorf("page name %q", name)
	}
}

func TestEmbedSample(t *testing.T) {
	a, b := embedSample(1000, 50, 3), embedSample(1000, 50, 3)
	if !slices.Equal(a, b) || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 50 {
		t.Errorf("sample %v / %v: want the same 50 distinct sorted indices", a, b)
	}
	if a[len(a)-1] < 500 {
		t.Errorf("sample %v is a prefix, not spread over the split", a)
	}
	if c := embedSample(1000, 50, 4); slices.Equal(a, c) {
		t.Error("another seed gave the same sample")
	}
	if all := embedSample(5, 50, 3); !slices.Equal(all, []int{0, 1, 2, 3, 4}) {
		t.Errorf("n above the split: %v", all)
	}
}

func TestEmbedLayerChoices(t *testing.T) {
	cnn := model.Arch{Model: "cnn", Classes: 10}
	for layer, dim := range map[string]int{"conv1": 1960, "conv2": 7350, "conv3": 14700, "conv5": 7350, "fc1": 120, "fc2": 84, "": 84} {
		l := layer
		if _, d, err := embedLayer(cnn, &l); err != nil || d != dim {
			t.Errorf("cnn %q: dim %d, %v; want %d", layer, d, err, dim)
		}
	}
	for _, bad := range []string{"fc3", "conv6", "x"} {
		l := bad
		if _, _, err := embedLayer(cnn, &l); err == nil || !strings.Contains(err.Error(), "conv1, conv2") {
			t.Errorf("cnn %q: %v, want an error listing the layers", bad, err)
		}
	}
	ffn := model.Arch{Model: "ffn", Hidden: []int{64, 32}, Classes: 10}
	l := ""
	if s, d, err := embedLayer(ffn, &l); err != nil || l != "fc2" || s != 2 || d != 32 {
		t.Errorf("ffn default: %s, %d stages, dim %d, %v", l, s, d, err)
	}
	l = "fc3"
	if _, _, err := embedLayer(ffn, &l); err == nil || !strings.Contains(err.Error(), "fc1, fc2") {
		t.Errorf("ffn fc3 (the head): %v", err)
	}
}

// A fine-tuning run's feature spaces: after is its model.pt on the target
// with predictions; before is the committed MNIST network it started from,
// on the same sample of Fashion-MNIST test images, without predictions
// (its ten digits are not Fashion-MNIST's classes). A run from scratch has
// no before.
func TestTransferEmbeddingsBeforeAndAfter(t *testing.T) {
	pin(t)
	o := quick(t)
	o.PretrainedDir = filepath.Join("..", "pretrained")
	if _, err := os.Stat(train.PretrainedPath(o.PretrainedDir, "mnist")); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	o.Target, o.PerClass, o.Epochs, o.EvalLimit = "fashion", 10, 1, 200
	eo := EmbedOptions{N: 150, Seed: 3, Data: o.Data, Options: o}
	for _, c := range []struct {
		source, layers string
		before         bool
	}{{"mnist", "last", true}, {"none", "all", false}} {
		r, err := Finetune(c.source, c.layers)
		if err != nil {
			t.Fatal(err)
		}
		run, err := train.Run(context.Background(), r, o)
		if err != nil {
			t.Fatal(err)
		}
		before, after, err := TransferEmbeddings(context.Background(), o.ResultsDir, run, eo)
		if err != nil {
			t.Fatalf("%s/%s: %v", c.source, c.layers, err)
		}
		if after == nil || after.Dataset != "fashion" || after.Layer != "fc2" || !after.Predicted || len(after.Points) != 150 ||
			after.Checkpoint != filepath.Join(o.ResultsDir, run.Name, "model.pt") {
			t.Fatalf("%s/%s after: %+v", c.source, c.layers, after)
		}
		if !c.before {
			if before != nil {
				t.Errorf("a run from scratch has a before page: %s", before.Checkpoint)
			}
			continue
		}
		src, _ := filepath.Abs(train.PretrainedPath(o.PretrainedDir, "mnist"))
		if run.Config.SourceCheckpoint != src || run.Config.SourceSHA256 == "" {
			t.Errorf("the run records its source as %q (SHA-256 %q), want %s and its sum", run.Config.SourceCheckpoint, run.Config.SourceSHA256, src)
		}
		if before == nil || before.Checkpoint != src || before.Predicted || before.Dataset != "fashion" {
			t.Fatalf("before: %+v", before)
		}
		for i := range before.Points {
			if before.Points[i].Index != after.Points[i].Index || before.Points[i].Label != after.Points[i].Label || before.Points[i].Pred != -1 {
				t.Fatalf("point %d: before %+v, after %+v: not the same sample, or a prediction before", i, before.Points[i], after.Points[i])
			}
		}
	}
	if _, _, err := TransferEmbeddings(context.Background(), o.ResultsDir, &metrics.Run{Name: "x", Kind: "pretrain", Status: "done"}, eo); err == nil {
		t.Error("a pretraining run has no before and after: want an error")
	}
}

// A source network retrained (or replaced) since the run started from it
// is not drawn as "before"; "after" still is.
func TestTransferEmbeddingsRefuseAChangedSource(t *testing.T) {
	pin(t)
	o := quick(t)
	committed, err := os.ReadFile(filepath.Join("..", "pretrained", "mnist-cnn.pt"))
	if err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	sidecar, err := os.ReadFile(model.SidecarPath(filepath.Join("..", "pretrained", "mnist-cnn.pt")))
	if err != nil {
		t.Fatal(err)
	}
	src := train.PretrainedPath(o.PretrainedDir, "mnist")
	if err := os.WriteFile(src, committed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model.SidecarPath(src), sidecar, 0o644); err != nil {
		t.Fatal(err)
	}
	o.Target, o.PerClass, o.Epochs, o.EvalLimit = "fashion", 5, 1, 100
	r, _ := Finetune("mnist", "last")
	run, err := train.Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, append(committed, 0), 0o644); err != nil { // another file now
		t.Fatal(err)
	}
	before, after, err := TransferEmbeddings(context.Background(), o.ResultsDir, run, EmbedOptions{N: 50, Data: o.Data, Options: o})
	if err == nil || !strings.Contains(err.Error(), "has changed since the run started from it") || before != nil || after == nil {
		t.Fatalf("before %v, after %v, error %v; want after only and an error saying the source changed", before != nil, after != nil, err)
	}
}
