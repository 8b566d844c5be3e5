package train

import (
	"strings"
	"testing"
)

// The seed's recipes as package transfer registers them (without the
// seed's numbers), for the engine's tests: train cannot import transfer.
// transfer's TestRegistryHoldsTheSeedsRecipes checks the registry against
// the same values.

func overfitRecipe() Recipe {
	return Recipe{Name: "overfit", Kind: "overfit", Model: "ffn", Hidden: []int{4096}, Dataset: "mnist",
		Epochs: 30, BatchSize: 2048, LR: 0.006, ValFraction: 0.2}
}

func pretrainRecipe(dataset string) Recipe {
	return Recipe{Name: "pretrain-" + dataset, Kind: "pretrain", Model: "cnn", Dataset: dataset,
		Epochs: 20, BatchSize: 128, LR: 1e-3}
}

// finetuneRecipe is transfer.Finetune's recipe: the seed's transfer
// protocol from source (a dataset or a checkpoint path) at layers.
func finetuneRecipe(t testing.TB, source, layers string) Recipe {
	t.Helper()
	layers, err := ParseLayers(layers)
	if err != nil {
		t.Fatal(err)
	}
	name := source
	if !knownSource(source) {
		name = "checkpoint"
	}
	return Recipe{Name: "transfer-" + name + "-" + strings.ReplaceAll(layers, ":", "-"), Kind: "finetune", Model: "cnn",
		Dataset: "emnist-letters", Source: source, Layers: layers, Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250}
}
