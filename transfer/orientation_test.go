package transfer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/train"
)

// --emnist-orientation both asks for the five configurations in each
// orientation, the data options saying which, and names the raw runs apart
// from the upright ones (which keep their usual names). No EMNIST images
// here (no internet): the runs are recorded, not trained.
func TestOrientationsBothWiring(t *testing.T) {
	type call struct{ recipe, orient, name, folder string }
	var calls []call
	fake := func(_ context.Context, r train.Recipe, o train.Options, name string, n int) ([]*metrics.Run, error) {
		o.RunName = name
		folder := train.RunName(r, o)
		calls = append(calls, call{r.Name, o.Data.EMNISTOrientation, name, folder})
		return []*metrics.Run{{Name: folder, Kind: "finetune", Config: metrics.Config{Dataset: r.Dataset, Source: r.Source, Layers: r.Layers}}}, nil
	}
	for _, seed := range []int64{train.DefaultSeed, 7} {
		calls = nil
		got, err := runTransfersOriented(context.Background(), train.Options{Target: "emnist-letters", Seed: seed}, 1, fake)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Orientation != data.OrientationUpright || got[1].Orientation != data.OrientationRaw || len(calls) != 10 {
			t.Fatalf("seed %d: %d orientations, %d runs; want upright then raw, 10 runs", seed, len(got), len(calls))
		}
		folders := map[string]bool{}
		for i, c := range calls {
			want := Orientations[i/5]
			if c.orient != want {
				t.Errorf("run %d (%s): orientation %q, want %q", i, c.recipe, c.orient, want)
			}
			if folders[c.folder] {
				t.Errorf("seed %d: two runs share the folder %s", seed, c.folder)
			}
			folders[c.folder] = true
			if want == data.OrientationRaw && !strings.Contains(c.folder, "-raw") {
				t.Errorf("raw run folder %s", c.folder)
			}
			if want == data.OrientationUpright && c.name != "" {
				t.Errorf("upright run %s was renamed %q", c.recipe, c.name)
			}
		}
		t.Logf("seed %d: %s and %s", seed, calls[1].folder, calls[6].folder)
	}
	if _, err := runTransfersOriented(context.Background(), train.Options{Target: "mnist"}, 1, fake); err == nil || !strings.Contains(err.Error(), "emnist-letters") {
		t.Errorf("target mnist: %v, want a refusal naming emnist-letters", err)
	}
}

func TestOrientationTableSideBySide(t *testing.T) {
	run := func(source, layers string, train, test float64) *metrics.Run {
		return &metrics.Run{Kind: "finetune", Config: metrics.Config{Dataset: "emnist-letters", Source: source, Layers: layers},
			Final: metrics.Final{Train: &metrics.Eval{Accuracy: train}, Test: &metrics.Eval{Accuracy: test}}}
	}
	var buf bytes.Buffer
	err := WriteOrientationTable(&buf, []OrientationRuns{
		{data.OrientationUpright, []*metrics.Run{run("mnist", "last", 80, 70), run("none", "all", 90, 85)}},
		{data.OrientationRaw, []*metrics.Run{run("mnist", "last", 60, 50)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	t.Logf("\n%s", buf.String())
	if len(lines) != 3 || !strings.Contains(lines[0], "test (upright)") || !strings.Contains(lines[0], "test (raw)") {
		t.Fatalf("table:\n%s", buf.String())
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "mnist/last emnist-letters 80.00 70.00 60.00 50.00" {
		t.Errorf("row %q", lines[1])
	}
	if f := strings.Fields(lines[2]); strings.Join(f, " ") != "none/all emnist-letters 90.00 85.00 - -" {
		t.Errorf("row %q", lines[2])
	}
}
