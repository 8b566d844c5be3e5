package train

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch/nn"

	"transferlab/model"
)

// Freeze depth: --layers from:LAYER trains LAYER and every layer above it
// and freezes the rest. "last" is from:fc3 (the seed's head-only transfer)
// and "all" is from:conv1; those two keep their names, so the seed's
// recipes and numbers still apply to them.

// layersFromPrefix starts a --layers value that names a depth.
const layersFromPrefix = "from:"

// ParseLayers checks a --layers value and returns it in canonical form:
// "last", "all" or "from:LAYER" for a layer strictly between the two.
func ParseLayers(s string) (string, error) {
	switch s {
	case "last", "all":
		return s, nil
	}
	if name, ok := strings.CutPrefix(s, layersFromPrefix); ok {
		for _, layers := range append([][]string{model.CNNLayers()}, backboneLayers()...) {
			for i, l := range layers {
				if l != name {
					continue
				}
				switch i {
				case 0:
					return "all", nil
				case len(layers) - 1:
					return "last", nil
				}
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("unknown --layers %q: choose last, all or from:LAYER, LAYER one of %s (the CNN), %s (resnet18, resnet50) or %s (mobilenet_v2) (train LAYER and every layer above it)",
		s, strings.Join(model.CNNLayers(), ", "), strings.Join(model.LayersOf("resnet18"), ", "), strings.Join(model.LayersOf("mobilenet_v2"), ", "))
}

// backboneLayers are the stage lists of the backbones.
func backboneLayers() [][]string {
	var out [][]string
	for _, b := range model.Backbones {
		out = append(out, model.LayersOf(b))
	}
	return out
}

// checkLayersFor fails when a --layers value names a depth the network
// model does not have (from:layer3 for the CNN).
func checkLayersFor(modelName, layers string) error {
	name, ok := strings.CutPrefix(layers, layersFromPrefix)
	if !ok {
		return nil
	}
	for _, l := range model.LayersOf(modelName) {
		if l == name {
			return nil
		}
	}
	return fmt.Errorf("--layers %s: %s has no layer %s: choose one of %s", layers, modelName, name, strings.Join(model.LayersOf(modelName), ", "))
}

// DepthLayers lists the --layers values of every depth, from the head
// only (from:fc3) down to every layer (from:conv1).
func DepthLayers() []string {
	layers := model.CNNLayers()
	out := make([]string, 0, len(layers))
	for i := len(layers) - 1; i >= 0; i-- {
		out = append(out, layersFromPrefix+layers[i])
	}
	return out
}

// FirstTrainable returns the index into model.CNNLayers of the first layer
// that --layers value trains: 0 for "all" (and for recipes that are not
// transfers, which train everything).
func FirstTrainable(layers string) int { return firstTrainableIn(model.CNNLayers(), layers) }

// firstTrainableIn is FirstTrainable for a network whose depths are all.
func firstTrainableIn(all []string, layers string) int {
	switch layers {
	case "last":
		return len(all) - 1
	case "", "all":
		return 0
	}
	name := strings.TrimPrefix(layers, layersFromPrefix)
	for i, l := range all {
		if l == name {
			return i
		}
	}
	return 0
}

// freezeBelow sets requires_grad false on every parameter of the layers
// below layers[k] (model.LayersOf(modelName)) in vs and true on the
// others, and returns the trainable ones, for the optimizer. A layer's
// parameters are those model.StagePrefixes names: a ResNet's stem (conv1)
// is conv1 and bn1, MobileNetV2's features.7 is features.7 .. features.13.
func freezeBelow(vs *nn.VarStore, modelName string, layers []string, k int) ([]model.Param, error) {
	var keep []string
	for _, l := range layers[k:] {
		keep = append(keep, model.StagePrefixes(modelName, l)...) // "fc1." never matches an "fc10"
	}
	return model.FreezeAllBut(vs, keep...)
}

// cachesFeatures says whether a run of r computes the frozen prefix of its
// CNN once per split instead of in every step: whenever something is
// frozen, unless --no-feature-cache asks for the naive loop or the
// training images are augmented (each step's images are new ones, whose
// features no cache holds).
func cachesFeatures(r Recipe, o Options) bool {
	return r.Kind == "finetune" && (r.Model == "cnn" || model.IsBackbone(r.Model)) && firstTrainableIn(model.LayersOf(r.Model), r.Layers) > 0 && !o.NoFeatureCache && !augmentsExplicitly(o)
}
