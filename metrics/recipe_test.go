package metrics

import "testing"

func TestNotRecipe(t *testing.T) {
	full := Recipe{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250}
	cfg := Config{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250}
	for _, tc := range []struct {
		name string
		run  Run
		want string
	}{
		{"the recipe", Run{Kind: "finetune", Config: cfg, Recipe: &full, Reference: &Reference{TestAcc: 1}}, ""},
		{"reproduce --quick transfer", Run{Kind: "finetune", Recipe: &full,
			Config: Config{Epochs: 1, BatchSize: 32, LR: 1e-3, PerClass: 20, EvalLimit: 1000}},
			"smoke test: 20 per class of 250, 1 epoch of 10, test on ≤ 1000 sampled images"},
		// Written before runs recorded their recipe: the seed's recipe of
		// its kind judges it, because it carries the seed's numbers.
		{"old quick pretrain", Run{Kind: "pretrain", Reference: &Reference{TestAcc: 99},
			Config: Config{Epochs: 1, BatchSize: 128, LR: 1e-3, Limit: 2000}},
			"smoke test: --limit 2000, 1 epoch of 20"},
		{"more epochs, other batch", Run{Kind: "pretrain", Reference: &Reference{TestAcc: 99},
			Config: Config{Epochs: 25, BatchSize: 64, LR: 1e-3}},
			"not the seed's recipe: 25 epochs of 20, batch 64 (recipe 128)"},
		{"no recipe known", Run{Kind: "pretrain", Config: Config{Epochs: 1}}, ""},
		{"limit without recipe", Run{Kind: "pretrain", Config: Config{Epochs: 1, Limit: 500}}, "smoke test: --limit 500"},
		// The fine-tuning options depart from every recipe; Adam, spelled
		// out, does not.
		{"adam spelled out", Run{Kind: "finetune", Config: Config{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250, Optimizer: "adam"}, Recipe: &full}, ""},
		{"fine-tuning options", Run{Kind: "finetune", Recipe: &full, Config: Config{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250,
			Optimizer: "adamw", WeightDecay: 0.05, Schedule: "cosine", WarmupEpochs: 0.5, LabelSmoothing: 0.1}},
			"not the seed's recipe: optimizer adamw, weight decay 0.05, cosine schedule, warmup 0.5 epoch, label smoothing 0.1"},
		{"validation held out", Run{Kind: "finetune", Recipe: &full, Config: Config{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250,
			ValFraction: 0.1, ValStratified: true, Keep: "best", Patience: 3}},
			"smoke test: --val-fraction 0.1, best epoch kept, early stopping (patience 3)"},
	} {
		if got := tc.run.NotRecipe().Label(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
