package train

import "transferlab/metrics"

// Recipe is one experiment: which network, which data, which
// hyperparameters, and the seed homework's result for it. The seed's
// recipes are registered in package transfer; Run trains any Recipe.
type Recipe struct {
	Name        string // results folder name
	Kind        string // "overfit", "pretrain" or "finetune"
	Model       string // "ffn" or "cnn"
	Hidden      []int  // ffn hidden sizes
	Dataset     string // training data
	Source      string // finetune: "none", "mnist", "fashion" or a checkpoint path
	Layers      string // finetune: "last", "all" or "from:LAYER" (ParseLayers)
	Epochs      int
	BatchSize   int
	LR          float64
	ValFraction float64 // 0.2: hold out 20% of the training set for validation
	// StratifiedVal holds ValFraction out of each class (--val-fraction)
	// instead of the whole set at once (Q4's 80/20 split).
	StratifiedVal bool
	PerClass      int // reduced training set: first N images of each class
	Reference     *metrics.Reference
}
