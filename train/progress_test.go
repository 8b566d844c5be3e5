package train

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// Every pass of a "last" run shows its progress: caching the frozen
// layers' output for each split (62 silent seconds on EMNIST's test
// images before), each epoch's training and its held-out pass; each runs
// to its last batch and is closed.
func TestEveryPassOfALastRunShowsProgress(t *testing.T) {
	pin(t)
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 300, 1, 50, 100
	if _, err := Run(context.Background(), pretrainRecipe("mnist"), o); err != nil {
		t.Fatal(err)
	}
	log := &taskLogger{}
	f := o
	f.ResultsDir, f.Log = t.TempDir(), log
	f.Target, f.PerClass, f.Epochs, f.EvalLimit, f.Limit, f.BatchSize = "fashion", 10, 2, 300, 0, 0
	if _, err := Run(context.Background(), finetuneRecipe(t, "mnist", "last"), f); err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, b := range log.tasks {
		labels = append(labels, b.label)
		if b.done != b.last || b.last == 0 || !b.finished {
			t.Errorf("%s: %d of %d batches, finished %v", b.label, b.done, b.last, b.finished)
		}
	}
	want := []string{"frozen layers below fc3, training images", "frozen layers below fc3, test images", "epoch 1/2 test pass", "epoch 2/2 test pass"}
	for _, w := range want {
		if !strings.Contains(strings.Join(labels, "\n"), w) {
			t.Errorf("no progress for %q among %q", w, labels)
		}
	}
}

// Off a terminal a long pass prints a line now and then, with the time
// left, and nothing with a carriage return.
func TestProgressLinesOffATerminalSayTheTimeLeft(t *testing.T) {
	var out bytes.Buffer
	l := &ConsoleLogger{W: &out, Every: time.Nanosecond}
	obs := l.Task("frozen layers below fc3, test images", 4)
	for i := 1; i <= 4; i++ {
		time.Sleep(2 * time.Millisecond)
		obs.Batch(i, 4, 0, 0, 100)
	}
	obs.Done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || strings.Contains(out.String(), "\r") {
		t.Fatalf("lines %q; want one for each batch but the last, plain", lines)
	}
	if !strings.Contains(lines[0], "batch 1/4") || !strings.Contains(lines[0], "ETA ") {
		t.Errorf("line %q lacks its batch or the time left", lines[0])
	}
}

// A feature-cache pass computes no loss or accuracy: its bar and its
// lines show the images done of all, the pace and the time left, and no
// "loss 0.0000 acc 0.00%". Before, the bar read that, and counted
// batches (issue 26).
func TestAFeaturePassShowsImagesNotAScore(t *testing.T) {
	for _, bars := range []bool{true, false} {
		var out bytes.Buffer
		l := &ConsoleLogger{W: &out, Bars: bars, Every: time.Nanosecond}
		obs := l.Task("frozen layers below fc3, test images", 10000)
		for _, done := range []int{256, 2560, 5120} {
			time.Sleep(210 * time.Millisecond) // past the bar's redraw throttle
			obs.Batch(done, 10000, unscored, unscored, 613)
		}
		got := out.String()
		if strings.Contains(got, "loss") || strings.Contains(got, "acc") || strings.Contains(got, "NaN") ||
			!strings.Contains(got, "2560/10000") || !strings.Contains(got, "613 img/s") {
			t.Errorf("bars %v: progress %q; want images done of all and img/s, no loss or accuracy", bars, got)
		}
		if !bars && !strings.Contains(got, "ETA ") {
			t.Errorf("progress lines %q lack the time left", got)
		}
	}
}
