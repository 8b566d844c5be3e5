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
	Model   string `json:"model"`            // "cnn" or "ffn"
	Hidden  []int  `json:"hidden,omitempty"` // ffn hidden sizes
	Classes int    `json:"classes"`
}

// Net is a network that maps a batch of images to logits.
type Net interface {
	ForwardT(x *ts.Tensor, train bool) *ts.Tensor
}

// Models are the architectures Build knows.
var Models = []string{"cnn", "ffn"}

// Build creates the network a describes under p, initialized as PyTorch
// would.
func Build(p *nn.Path, a Arch) (Net, error) {
	if a.Classes < 2 {
		return nil, fmt.Errorf("a classifier needs at least 2 classes, got %d", a.Classes)
	}
	switch a.Model {
	case "cnn":
		return NewCNN(p, int64(a.Classes)), nil
	case "ffn":
		for _, h := range a.Hidden {
			if h < 1 {
				return nil, fmt.Errorf("ffn hidden size %d: sizes must be positive", h)
			}
		}
		return NewFFN(p, a.Hidden, int64(a.Classes)), nil
	}
	return nil, fmt.Errorf("unknown model %q: choose %s", a.Model, strings.Join(Models, " or "))
}

// HeadPrefix is the name prefix of a's output layer: the one a transfer
// replaces and "last" leaves trainable.
func (a Arch) HeadPrefix() string {
	if a.Model == "ffn" {
		return fmt.Sprintf("fc%d.", len(a.Hidden)+1)
	}
	return "fc3."
}
