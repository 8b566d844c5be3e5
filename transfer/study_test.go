package transfer

import (
	"strings"
	"testing"

	"transferlab/train"
)

// The cosine recipe anneals every configuration and trains the
// head-only ones at three times the rate, the user's --lr or the
// recipe's; the seed recipe changes nothing.
func TestStudyOptionsPerConfiguration(t *testing.T) {
	cosine, err := ImprovedRecipe("cosine")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		source, layers string
		userLR         float64
		rec            StudyRecipe
		wantLR         float64
	}{
		{"mnist", "last", 0, cosine, 3e-3},
		{"fashion", "last", 0.01, cosine, 0.03},
		{"mnist", "all", 0, cosine, 0},
		{"none", "all", 0.002, cosine, 0.002},
		{"mnist", "last", 0, SeedRecipe, 0},
	} {
		r, err := Finetune(c.source, c.layers)
		if err != nil {
			t.Fatal(err)
		}
		o := train.Options{LR: c.userLR, RunName: "mine", Tuning: train.Tuning{Augment: train.AugmentShift}}
		got := studyOptions(o, r, c.rec)
		if got.LR != c.wantLR {
			t.Errorf("%s/%s, --lr %g, %s: lr %g, want %g", c.source, c.layers, c.userLR, c.rec.Name, got.LR, c.wantLR)
		}
		if got.Tuning != c.rec.Tuning || got.RunName != "" {
			t.Errorf("%s/%s, %s: tuning %+v, run name %q: want the recipe's and none", c.source, c.layers, c.rec.Name, got.Tuning, got.RunName)
		}
	}
}

// The table marks the configurations whose source was pretrained on the
// target itself, with one line saying what the mark means, and says
// nothing of it where no configuration is one.
func TestStudyTableMarksSameDataConfigurations(t *testing.T) {
	var out strings.Builder
	configs := []StudyConfig{{Label: "mnist/last"}, {Label: "fashion/last", SameData: true}, {Label: "fashion/all", SameData: true}}
	if err := WriteStudyTable(&out, configs, SeedRecipe); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	if n := strings.Count(table, " (same data)"); n != 2 {
		t.Errorf("%d rows marked (same data), want 2:\n%s", n, table)
	}
	if n := strings.Count(table, "not a transfer"); n != 1 {
		t.Errorf("table says what 'same data' means %d times, want once:\n%s", n, table)
	}
	out.Reset()
	if err := WriteStudyTable(&out, configs[:1], SeedRecipe); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "same data") {
		t.Errorf("table without a same-data row speaks of one:\n%s", out.String())
	}
}
