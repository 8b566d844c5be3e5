package model

import (
	"strings"

	"github.com/sugarme/gotch/nn"

	"transferlab/metrics"
)

// Summary lists vs's layers in name order (conv1 ... fc3) with their
// parameters' shapes and count, and whether they train: a layer trains
// when its parameters require gradients.
func Summary(vs *nn.VarStore) []metrics.Layer {
	var layers []metrics.Layer
	for _, p := range Params(vs) {
		name, _, _ := strings.Cut(p.Name, ".")
		if len(layers) == 0 || layers[len(layers)-1].Name != name {
			layers = append(layers, metrics.Layer{Name: name, Trainable: true})
		}
		l := &layers[len(layers)-1]
		shape := intShape(p.Tensor.MustSize())
		if strings.HasSuffix(p.Name, ".weight") { // weight before bias, as PyTorch lists them
			l.Shapes = append([][]int{shape}, l.Shapes...)
		} else {
			l.Shapes = append(l.Shapes, shape)
		}
		l.Params += int64(p.Tensor.Numel())
		l.Trainable = l.Trainable && p.Tensor.MustRequiresGrad()
	}
	return layers
}
