// Package transfer runs transferlab's experiments: one training loop for
// the Q4 overfit, the Q5 pretrainings and the five transfer configurations,
// each a Recipe of data and hyperparameters with the seed's defaults.
package transfer

import (
	"fmt"
	"sort"
	"strings"

	"transferlab/metrics"
)

// Recipe is one experiment: which network, which data, which
// hyperparameters, and the seed homework's result for it.
type Recipe struct {
	Name        string // results folder name
	Kind        string // "overfit", "pretrain" or "finetune"
	Model       string // "ffn" or "cnn"
	Hidden      []int  // ffn hidden sizes
	Dataset     string // training data
	Source      string // finetune: "none", "mnist", "fashion" or a checkpoint path
	Layers      string // finetune: "last" or "all"
	Epochs      int
	BatchSize   int
	LR          float64
	ValFraction float64 // 0.2: hold out 20% of the training set for validation
	PerClass    int     // reduced training set: first N images of each class
	Reference   *metrics.Reference
}

// The seed's transfer protocol: EMNIST letters reduced to the first 250
// training images per class, Adam 1e-3 over the trainable parameters,
// batch 32, 10 epochs.
func finetune(source, layers string, ref *metrics.Reference) Recipe {
	return Recipe{
		Name: "transfer-" + source + "-" + strings.ReplaceAll(layers, ":", "-"), Kind: "finetune", Model: "cnn",
		Dataset: "emnist-letters", Source: source, Layers: layers,
		Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250, Reference: ref,
	}
}

var recipes = []Recipe{
	{Name: "overfit", Kind: "overfit", Model: "ffn", Hidden: []int{4096}, Dataset: "mnist",
		Epochs: 30, BatchSize: 2048, LR: 0.006, ValFraction: 0.2,
		Reference: &metrics.Reference{TrainAcc: 100, TrainLoss: 0.000203, ValAcc: 98.18, ValLoss: 0.0718}},
	{Name: "pretrain-mnist", Kind: "pretrain", Model: "cnn", Dataset: "mnist",
		Epochs: 20, BatchSize: 128, LR: 1e-3,
		Reference: &metrics.Reference{TrainAcc: 99.752, TestAcc: 99.08}},
	{Name: "pretrain-fashion", Kind: "pretrain", Model: "cnn", Dataset: "fashion",
		Epochs: 20, BatchSize: 128, LR: 1e-3,
		Reference: &metrics.Reference{TrainAcc: 98.008, TestAcc: 91.04}},
	finetune("none", "all", &metrics.Reference{Note: "never run by the seed"}),
	finetune("mnist", "last", &metrics.Reference{TrainAcc: 62.62, TestAcc: 58.90}),
	finetune("mnist", "all", &metrics.Reference{TrainAcc: 97.42, TestAcc: 86.93}),
	finetune("fashion", "last", &metrics.Reference{TrainAcc: 43.94, TestAcc: 40.57}),
	finetune("fashion", "all", &metrics.Reference{TrainAcc: 96.62, TestAcc: 83.25}),
}

// Recipes lists every recipe in a stable order.
func Recipes() []Recipe {
	out := make([]Recipe, len(recipes))
	copy(out, recipes)
	return out
}

// TransferRecipes lists the five transfer configurations in the seed's
// table order.
func TransferRecipes() []Recipe {
	var out []Recipe
	for _, r := range recipes {
		if r.Kind == "finetune" {
			out = append(out, r)
		}
	}
	return out
}

// Lookup finds a recipe by name.
func Lookup(name string) (Recipe, error) {
	var names []string
	for _, r := range recipes {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return Recipe{}, fmt.Errorf("unknown recipe %q: choose %s", name, strings.Join(names, ", "))
}

// Pretrain returns the pretraining recipe for dataset.
func Pretrain(dataset string) (Recipe, error) {
	switch dataset {
	case "mnist", "fashion":
		return Lookup("pretrain-" + dataset)
	}
	return Recipe{}, fmt.Errorf("unknown pretraining dataset %q: choose mnist or fashion", dataset)
}

// Finetune returns the transfer recipe for a source and layers choice
// (last, all or from:LAYER). A source that is a checkpoint path, or a depth
// the seed did not run, uses the seed's hyperparameters too.
func Finetune(source, layers string) (Recipe, error) {
	layers, err := ParseLayers(layers)
	if err != nil {
		return Recipe{}, err
	}
	for _, r := range recipes {
		if r.Kind == "finetune" && r.Source == source && r.Layers == layers {
			return r, nil
		}
	}
	if source == "none" && layers != "all" {
		return Recipe{}, fmt.Errorf("--from none --layers %s would train on top of frozen random layers: use --layers all", layers)
	}
	if source == "mnist" || source == "fashion" {
		return finetune(source, layers, nil), nil
	}
	r := finetune("checkpoint", layers, nil)
	r.Source = source
	return r, nil
}
