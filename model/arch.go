package model

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// Arch describes a network well enough to rebuild it from a checkpoint's
// sidecar.
type Arch struct {
	Model   string `json:"model"`            // "cnn", "ffn" or one of Backbones
	Hidden  []int  `json:"hidden,omitempty"` // ffn hidden sizes
	Classes int    `json:"classes"`
}

// Net is a network that maps a batch of images to logits.
type Net interface {
	ForwardT(x *ts.Tensor, train bool) *ts.Tensor
}

// Models are the architectures Build knows.
var Models = append([]string{"cnn", "ffn"}, Backbones...)

// Build creates the network a describes under p, initialized as PyTorch
// would.
func Build(p *nn.Path, a Arch) (Net, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	if a.Model == "ffn" {
		return NewFFN(p, a.Hidden, int64(a.Classes)), nil
	}
	if s, ok := backboneSpecs[a.Model]; ok {
		return s.build(p, a.Model, int64(a.Classes))
	}
	return NewCNN(p, int64(a.Classes)), nil
}

// maxWidth bounds layer sizes and maxParams the parameter count read from
// files, so a damaged sidecar cannot ask libtorch for gigabytes. The seed's
// networks have 3.3M (the FFN) and 3.1M (the CNN) parameters; 64M
// parameters (256 MB of fp32 weights, 1 GB with Adam's state and the
// resume copies) leave room for wider networks of this kind.
const (
	maxWidth  = 1 << 16
	maxParams = 64 << 20
)

// Check reports whether a describes a network Build can make, before any
// memory is allocated for it.
func (a Arch) Check() error {
	if a.Classes < 2 || a.Classes > maxWidth {
		return fmt.Errorf("a classifier needs 2 to %d classes, got %d", maxWidth, a.Classes)
	}
	switch {
	case a.Model == "cnn" || IsBackbone(a.Model):
		return nil
	case a.Model == "ffn":
		for _, h := range a.Hidden {
			if h < 1 || h > maxWidth {
				return fmt.Errorf("ffn hidden size %d: sizes must be 1 to %d", h, maxWidth)
			}
		}
		if n := a.ffnParams(); n > maxParams {
			return fmt.Errorf("ffn hidden sizes %v make %d parameters, more than the %d transferlab builds", a.Hidden, n, maxParams)
		}
		return nil
	}
	return fmt.Errorf("unknown model %q: choose %s", a.Model, strings.Join(Models, ", "))
}

// ffnParams counts the FFN's weights and biases.
func (a Arch) ffnParams() int64 {
	var n int64
	in := int64(FFNInput)
	for _, h := range append(append([]int(nil), a.Hidden...), a.Classes) {
		n += in*int64(h) + int64(h)
		in = int64(h)
	}
	return n
}

// HeadPrefix is the name prefix of a's output layer: the one a transfer
// replaces and "last" leaves trainable.
func (a Arch) HeadPrefix() string {
	if a.Model == "ffn" {
		return fmt.Sprintf("fc%d.", len(a.Hidden)+1)
	}
	if s, ok := backboneSpecs[a.Model]; ok {
		return s.head
	}
	return "fc3."
}
