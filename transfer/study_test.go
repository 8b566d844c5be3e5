package transfer

import (
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
