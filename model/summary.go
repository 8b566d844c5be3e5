package model

import (
	"slices"
	"strings"

	"github.com/sugarme/gotch/nn"

	"transferlab/metrics"
)

// Summary lists vs's layers from input to output (conv1 ... fc3; a
// ResNet's stem, layer1..layer4, fc; MobileNetV2's stages features.0 ...
// features.14, classifier, as LayersOf names them) with their parameters' distinct
// shapes and count, and whether they train: a layer trains when its
// parameters require gradients. Batch norm buffers are state, not
// parameters (PyTorch counts them so too), and a backbone's stem is conv1
// with its bn1.
func Summary(vs *nn.VarStore) []metrics.Layer {
	var layers []metrics.Layer
	for _, p := range Params(vs) {
		if IsBuffer(p.Name) {
			continue
		}
		name := stageOf(p.Name)
		i := slices.IndexFunc(layers, func(l metrics.Layer) bool { return l.Name == name })
		if i < 0 {
			layers = append(layers, metrics.Layer{Name: name, Trainable: true})
			i = len(layers) - 1
		}
		l := &layers[i]
		shape := intShape(p.Tensor.MustSize())
		switch {
		case slices.ContainsFunc(l.Shapes, func(s []int) bool { return slices.Equal(s, shape) }):
		case strings.HasSuffix(p.Name, ".weight") && len(shape) > 1: // weight before bias, as PyTorch lists them
			l.Shapes = append([][]int{shape}, l.Shapes...)
		default:
			l.Shapes = append(l.Shapes, shape)
		}
		l.Params += int64(p.Tensor.Numel())
		l.Trainable = l.Trainable && p.Tensor.MustRequiresGrad()
	}
	for _, b := range Backbones {
		order := backboneSpecs[b].layers
		if slices.ContainsFunc(layers, func(l metrics.Layer) bool { return l.Name == order[1] }) {
			slices.SortStableFunc(layers, func(a, b metrics.Layer) int {
				return slices.Index(order, a.Name) - slices.Index(order, b.Name)
			})
		}
	}
	return layers
}
