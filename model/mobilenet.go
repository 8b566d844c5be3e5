package model

// MobileNetV2 is torchvision's mobilenet_v2 at width 1.0 (torchvision
// 0.14's models/mobilenetv2.py): a stem convolution, 17 inverted residual
// blocks and a 1x1 convolution to 1280 channels (features.0 ..
// features.18), then average pool, Dropout(0.2) and a Linear
// (classifier.0, classifier.1). Its parameter and buffer names are
// torchvision's, num_batches_tracked included, so torchvision's .pth files
// load strictly and ours load into torchvision with strict=True.
//
// gotch's vision.MobileNetV2 has the same names but its batch norms lack
// num_batches_tracked, so, as for the ResNets, the network is built here
// from gotch's layers with our BatchNorm.

import (
	"fmt"
	"math"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// mobilenetBlocks are torchvision's inverted_residual_setting: expansion
// t, output channels c, blocks n, first stride s.
var mobilenetBlocks = [][4]int64{
	{1, 16, 1, 1},
	{6, 24, 2, 2},
	{6, 32, 3, 2},
	{6, 64, 4, 2},
	{6, 96, 3, 1},
	{6, 160, 3, 2},
	{6, 320, 1, 1},
}

const (
	mobilenetStem     = 32
	mobilenetLast     = 1280
	mobilenetFeatures = 19 // features.0 .. features.18
	mobilenetDropout  = 0.2
)

// mobilenetLayers are MobileNetV2's stages for --layers from:LAYER, each
// named by the torchvision module it starts at and holding the blocks up
// to the next one, grouped by the resolution they run at (for 224x224
// images): the stem features.0 (112x112), the unexpanded block
// features.1 (112), features.2-3 (56), features.4-6 (28), features.7-13
// (14), features.14-18 (7, with the 1x1 convolution to 1280); classifier
// includes the average pool.
var mobilenetLayers = []string{"features.0", "features.1", "features.2", "features.4", "features.7", "features.14", "classifier"}

// mobilenetStageStart is the first block of each stage, and the number of
// blocks at the end.
var mobilenetStageStart = []int{0, 1, 2, 4, 7, 14, mobilenetFeatures}

// MobileNetV2 holds the layers of torchvision's mobilenet_v2.
type MobileNetV2 struct {
	Blocks     []mbBlock // features.0 .. features.18
	Classifier *Linear   // classifier.1

	stageChain
}

// mbUnit is a convolution and its batch norm, ReLU6 after them or not.
type mbUnit struct {
	conv  *nn.Conv2D
	bn    *BatchNorm
	relu6 bool
}

// mbBlock is one entry of features: the stem, an inverted residual block
// (with the shortcut when it keeps stride and width) or the last 1x1
// convolution.
type mbBlock struct {
	units    []mbUnit
	residual bool
}

// NewMobileNetV2 builds mobilenet_v2 under p with a classes-way
// classifier, initialised as torchvision does (Kaiming-normal fan_out
// convolutions, batch norms at weight 1 and bias 0, classifier N(0, 0.01)
// with bias 0).
func NewMobileNetV2(p *nn.Path, classes int64) *MobileNetV2 {
	f := p.Sub("features")
	n := &MobileNetV2{}
	n.stageChain = stageChain{name: "mobilenet_v2", layers: mobilenetLayers, stage: n.stage}
	convBN := func(q *nn.Path, in, out, k, stride, groups int64) mbUnit {
		return mbUnit{conv: newGroupedConv(q.Sub("0"), in, out, k, stride, groups), bn: newBatchNorm(q.Sub("1"), out), relu6: true}
	}
	n.Blocks = append(n.Blocks, mbBlock{units: []mbUnit{convBN(f.Sub("0"), BackboneChannels, mobilenetStem, 3, 2, 1)}})
	in := int64(mobilenetStem)
	for _, s := range mobilenetBlocks {
		t, c, count, stride := s[0], s[1], s[2], s[3]
		for i := int64(0); i < count; i++ {
			if i > 0 {
				stride = 1
			}
			conv := f.Sub(fmt.Sprint(len(n.Blocks))).Sub("conv")
			hidden := in * t
			var b mbBlock
			next := 0
			if t != 1 {
				b.units = append(b.units, convBN(conv.Sub("0"), in, hidden, 1, 1, 1))
				next++
			}
			b.units = append(b.units,
				convBN(conv.Sub(fmt.Sprint(next)), hidden, hidden, 3, stride, hidden),
				mbUnit{conv: newGroupedConv(conv.Sub(fmt.Sprint(next+1)), hidden, c, 1, 1, 1), bn: newBatchNorm(conv.Sub(fmt.Sprint(next+2)), c)})
			b.residual = stride == 1 && in == c
			n.Blocks = append(n.Blocks, b)
			in = c
		}
	}
	n.Blocks = append(n.Blocks, mbBlock{units: []mbUnit{convBN(f.Sub(fmt.Sprint(len(n.Blocks))), in, mobilenetLast, 1, 1, 1)}})
	c := p.Sub("classifier").Sub("1")
	n.Classifier = &Linear{
		Weight: c.MustNewVar("weight", []int64{classes, mobilenetLast}, nn.NewRandnInit(0, 0.01)),
		Bias:   c.MustNewVar("bias", []int64{classes}, nn.NewConstInit(0)),
	}
	return n
}

// newGroupedConv is nn.Conv2d(in, out, k, stride, (k-1)/2, groups,
// bias=False) with torchvision's MobileNetV2 init: kaiming_normal_
// (mode="fan_out"), whose fan is out*k*k whatever the groups.
func newGroupedConv(p *nn.Path, in, out, k, stride, groups int64) *nn.Conv2D {
	cfg := nn.DefaultConv2DConfig()
	cfg.Bias = false
	cfg.Stride = []int64{stride, stride}
	pad := (k - 1) / 2
	cfg.Padding = []int64{pad, pad}
	cfg.Groups = groups
	cfg.WsInit = nn.NewRandnInit(0, math.Sqrt(2/float64(out*k*k)))
	return nn.NewConv2D(p, in, out, k, cfg)
}

// FeatureWidth is the width of the pooled feature the classifier reads.
func (n *MobileNetV2) FeatureWidth() int64 { return mobilenetLast }

// UseChannelsLast stores the convolutions' weights, and from then on the
// images, in channels_last memory format, as ResNet's does.
func (n *MobileNetV2) UseChannelsLast() error {
	for _, b := range n.Blocks {
		for _, u := range b.units {
			if err := lib.TransferlabParamChannelsLast(lib.Ctensor(u.conv.Ws.Ctensor())); err != nil {
				return fmt.Errorf("channels_last: %w", err)
			}
		}
	}
	n.channelsLast = true
	return nil
}

// Head maps pooled features to logits (the dropout is off: inference).
func (n *MobileNetV2) Head(features *ts.Tensor) *ts.Tensor { return n.Classifier.Forward(features) }

// stage runs stage i of mobilenetLayers on x and returns a new tensor;
// the dropout before the classifier acts in training.
func (n *MobileNetV2) stage(s *Scope, i int, x *ts.Tensor, train, bnTrain bool) *ts.Tensor {
	if i == len(mobilenetLayers)-1 {
		p := s.T(pooled(x))
		return n.Classifier.Forward(s.T(ts.MustDropout(p, mobilenetDropout, train)))
	}
	return n.blocks(x, mobilenetStageStart[i], mobilenetStageStart[i+1], bnTrain)
}

// blocks runs features.from .. features.to-1 on x and returns a new
// tensor.
func (n *MobileNetV2) blocks(x *ts.Tensor, from, to int, bnTrain bool) *ts.Tensor {
	s := NewScope()
	defer s.Drop()
	h, owned := x, false
	for _, b := range n.Blocks[from:to] {
		next := b.forward(h, bnTrain)
		if owned {
			s.T(h)
		}
		h, owned = next, true
	}
	return h
}

// forward runs the block's units, adding x when it is residual; x is not
// freed.
func (b mbBlock) forward(x *ts.Tensor, bnTrain bool) *ts.Tensor {
	s := NewScope()
	defer s.Drop()
	h := x
	for i, u := range b.units {
		h = u.bn.Forward(s.T(u.conv.Forward(h)), bnTrain)
		if u.relu6 {
			h = s.T(h).MustRelu6(false)
		}
		if i < len(b.units)-1 || b.residual {
			s.T(h)
		}
	}
	if b.residual {
		return h.MustAdd(x, false)
	}
	return h
}
