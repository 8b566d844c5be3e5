// Package transfer holds the experiments: the registry of the seed's
// recipes (the Q4 overfit, the Q5 pretrainings and the five transfer
// configurations, as data with the seed's defaults), reproduce, the seeds,
// depth-sweep and EMNIST-orientation studies, their tables, and the
// feature-space study (Embed). Package train runs each recipe.
package transfer

import (
	"fmt"
	"sort"
	"strings"

	"transferlab/metrics"
	"transferlab/train"
)

// The seed's transfer protocol: EMNIST letters reduced to the first 250
// training images per class, Adam 1e-3 over the trainable parameters,
// batch 32, 10 epochs.
func finetune(source, layers string, ref *metrics.Reference) train.Recipe {
	return train.Recipe{
		Name: "transfer-" + source + "-" + strings.ReplaceAll(layers, ":", "-"), Kind: "finetune", Model: "cnn",
		Dataset: "emnist-letters", Source: source, Layers: layers,
		Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250, Reference: ref,
	}
}

var recipes = []train.Recipe{
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

// TransferRecipes lists the five transfer configurations in the seed's
// table order.
func TransferRecipes() []train.Recipe {
	var out []train.Recipe
	for _, r := range recipes {
		if r.Kind == "finetune" {
			out = append(out, r)
		}
	}
	return out
}

// Lookup finds a recipe by name.
func Lookup(name string) (train.Recipe, error) {
	var names []string
	for _, r := range recipes {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return train.Recipe{}, fmt.Errorf("unknown recipe %q: choose %s", name, strings.Join(names, ", "))
}

// Pretrain returns the pretraining recipe for dataset.
func Pretrain(dataset string) (train.Recipe, error) {
	switch dataset {
	case "mnist", "fashion":
		return Lookup("pretrain-" + dataset)
	}
	return train.Recipe{}, fmt.Errorf("unknown pretraining dataset %q: choose mnist or fashion", dataset)
}

// Finetune returns the transfer recipe for a source and layers choice
// (last, all or from:LAYER). A source that is a checkpoint path, or a depth
// the seed did not run, uses the seed's hyperparameters too.
func Finetune(source, layers string) (train.Recipe, error) {
	layers, err := train.ParseLayers(layers)
	if err != nil {
		return train.Recipe{}, err
	}
	for _, r := range recipes {
		if r.Kind == "finetune" && r.Source == source && r.Layers == layers {
			return r, nil
		}
	}
	if source == "none" && layers != "all" {
		return train.Recipe{}, fmt.Errorf("--from none --layers %s would train on top of frozen random layers: use --layers all", layers)
	}
	if source == "mnist" || source == "fashion" {
		return finetune(source, layers, nil), nil
	}
	r := finetune("checkpoint", layers, nil)
	r.Source = source
	return r, nil
}
