package model

// CNN is the homework's Q5 network: five 3x3 convolutions (padding 1, ReLU)
// with a 2x2 max-pool after the first two, then three fully connected
// layers. Pretrained with Adam 1e-3, batch 128, 20 epochs it reaches 99.08%
// test accuracy on MNIST and 91.04% on Fashion-MNIST (the seed's numbers).
// Its parameter names match the seed's PyTorch module one to one
// (conv1.weight ... fc3.bias), so state_dicts move both ways.

import (
	"fmt"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// Shapes of the seed CNN. Two 2x2 pools take 28x28 to 7x7, so the
// flattened feature is conv5's 150 channels times 7x7.
const (
	ImageSide   = 28
	cnnConv1Out = 10
	cnnConv2Out = 150
	cnnConv3Out = 300
	cnnConv4Out = 300
	cnnConv5Out = 150
	cnnFlat     = cnnConv5Out * 7 * 7 // 7350
	cnnFC1Out   = 120
	cnnFC2Out   = 84 // the feature the transfer head reads
	cnnKernel   = 3
	cnnPadding  = 1
)

// CNN holds the layers of the seed network.
type CNN struct {
	Conv1, Conv2, Conv3, Conv4, Conv5 *nn.Conv2D
	FC1, FC2, FC3                     *Linear

	channelsLast bool // see UseChannelsLast
}

// UseChannelsLast stores the convolutions' weights, and from then on the
// images, in channels_last (NHWC) memory format, as PyTorch's
// net.to(memory_format=torch.channels_last) and x.to(...) do: the same
// numbers up to float rounding, computed by faster oneDNN kernels. Call it
// before creating the optimizer. Checkpoints are saved in the standard
// layout all the same (SaveTensors).
func (n *CNN) UseChannelsLast() error {
	for _, c := range []*nn.Conv2D{n.Conv1, n.Conv2, n.Conv3, n.Conv4, n.Conv5} {
		if err := lib.TransferlabParamChannelsLast(lib.Ctensor(c.Ws.Ctensor())); err != nil {
			return fmt.Errorf("channels_last: %w", err)
		}
	}
	n.channelsLast = true
	return nil
}

// ChannelsLast says whether UseChannelsLast was called.
func (n *CNN) ChannelsLast() bool { return n.channelsLast }

// toChannelsLast returns a channels_last copy of x, or nil when libtorch
// refuses (the caller then goes on with x: only speed is at stake).
func toChannelsLast(x *ts.Tensor) *ts.Tensor {
	c, err := lib.TransferlabChannelsLast(lib.Ctensor(x.Ctensor()))
	if err != nil {
		return nil
	}
	return ts.New(c)
}

// NewCNN builds the network under p with a classes-way head.
func NewCNN(p *nn.Path, classes int64) *CNN {
	return &CNN{
		Conv1: newConv2D(p.Sub("conv1"), 1, cnnConv1Out, cnnKernel, cnnPadding),
		Conv2: newConv2D(p.Sub("conv2"), cnnConv1Out, cnnConv2Out, cnnKernel, cnnPadding),
		Conv3: newConv2D(p.Sub("conv3"), cnnConv2Out, cnnConv3Out, cnnKernel, cnnPadding),
		Conv4: newConv2D(p.Sub("conv4"), cnnConv3Out, cnnConv4Out, cnnKernel, cnnPadding),
		Conv5: newConv2D(p.Sub("conv5"), cnnConv4Out, cnnConv5Out, cnnKernel, cnnPadding),
		FC1:   newLinear(p.Sub("fc1"), cnnFlat, cnnFC1Out),
		FC2:   newLinear(p.Sub("fc2"), cnnFC1Out, cnnFC2Out),
		FC3:   newLinear(p.Sub("fc3"), cnnFC2Out, classes),
	}
}

// cnnLayers are the seed CNN's layers from input to output: the depths at
// which a transfer can start training (--layers from:LAYER).
var cnnLayers = []string{"conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2", "fc3"}

// CNNLayers lists the CNN's layers from input to output.
func CNNLayers() []string { return append([]string(nil), cnnLayers...) }

// stage runs layer i and what follows it before the next layer: ReLU, a
// 2x2 max-pool after conv1 and conv2, a flatten before fc1. Splitting the
// forward pass at layer boundaries lets a transfer run a frozen prefix once
// and train the suffix. x is left alone; every intermediate is recorded in s.
func (n *CNN) stage(s *Scope, i int, x *ts.Tensor) *ts.Tensor {
	relu := func(h *ts.Tensor) *ts.Tensor { return s.T(h).MustRelu(false) }
	pool := func(h *ts.Tensor) *ts.Tensor {
		return s.T(h).MustMaxPool2d([]int64{2, 2}, []int64{2, 2}, []int64{0, 0}, []int64{1, 1}, false, false)
	}
	switch i {
	case 0:
		return pool(relu(n.Conv1.Forward(x)))
	case 1:
		return pool(relu(n.Conv2.Forward(x)))
	case 2:
		return relu(n.Conv3.Forward(x))
	case 3:
		return relu(n.Conv4.Forward(x))
	case 4:
		return relu(n.Conv5.Forward(x))
	case 5:
		return relu(n.FC1.Forward(s.T(x.MustFlatten(1, -1, false))))
	case 6:
		return relu(n.FC2.Forward(x))
	}
	return n.FC3.Forward(x)
}

// Stages runs layers from..to-1 (indexes into CNNLayers) on x, which is the
// output of layer from-1 (the images when from is 0), and returns a new
// tensor; x is not freed. Intermediate tensors are freed as it goes.
func (n *CNN) Stages(x *ts.Tensor, from, to int) (*ts.Tensor, error) {
	if from < 0 || to > len(cnnLayers) || from >= to {
		return nil, fmt.Errorf("cnn: no layers %d..%d of %d", from, to, len(cnnLayers))
	}
	return n.stages(x, from, to), nil
}

// stages is Stages over a range the caller knows is valid.
func (n *CNN) stages(x *ts.Tensor, from, to int) *ts.Tensor {
	s := NewScope()
	defer s.Drop()
	h, owned := x, false // owned: h is this call's to free
	if from == 0 && n.channelsLast {
		if c := toChannelsLast(x); c != nil {
			h, owned = c, true
		}
	}
	for i := from; i < to; i++ {
		next := n.stage(s, i, h)
		if owned {
			s.T(h)
		}
		h, owned = next, true
	}
	return h
}

// From returns the network of layers from up (an index into CNNLayers,
// 1 to the head's), which maps the output of layer from-1 to logits: what a
// transfer trains on features cached from a frozen prefix.
func (n *CNN) From(from int) (Net, error) {
	if from < 1 || from >= len(cnnLayers) {
		return nil, fmt.Errorf("cnn: no layers from %d of %d below the head", from, len(cnnLayers))
	}
	return cnnSuffix{n, from}, nil
}

type cnnSuffix struct {
	cnn  *CNN
	from int
}

func (s cnnSuffix) ForwardT(x *ts.Tensor, train bool) *ts.Tensor {
	return s.cnn.stages(x, s.from, len(cnnLayers))
}

// Features runs everything but the head: x (N x 1 x 28 x 28) to the fc2
// activations (N x 84).
func (n *CNN) Features(x *ts.Tensor) *ts.Tensor { return n.stages(x, 0, len(cnnLayers)-1) }

// Head maps fc2 features to logits.
func (n *CNN) Head(features *ts.Tensor) *ts.Tensor { return n.FC3.Forward(features) }

// ForwardT maps images to logits. train is unused (no dropout or batch
// norm) but kept for gotch's ModuleT interface.
func (n *CNN) ForwardT(x *ts.Tensor, train bool) *ts.Tensor {
	return n.stages(x, 0, len(cnnLayers))
}
