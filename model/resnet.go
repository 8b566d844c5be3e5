package model

// ResNet is torchvision's ResNet-18 and ResNet-50 (torchvision 0.14's
// models/resnet.py, "v1.5": the stride of a bottleneck sits on its 3x3
// convolution), the ImageNet backbones a transfer to a user's own photos
// starts from. Its parameter and buffer names are torchvision's
// (conv1.weight, bn1.running_mean, layer1.0.downsample.0.weight, fc.bias,
// ... num_batches_tracked), so torchvision's .pth files load strictly and
// ours load into torchvision with load_state_dict(strict=True).
//
// gotch's vision package has a ResNet too, but its ResNet-50 gives every
// convolution a bias (conv1.bias, layer1.0.conv1.bias: names torchvision
// does not have) and leaves out the stem's ReLU and max-pool, and its
// batch norms have no num_batches_tracked; so the networks are built here
// from gotch's layers instead (TestGotchResNetNames records the
// differences).

import (
	"fmt"
	"math"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// resnetSpec is one ResNet depth: blocks per stage and whether the blocks
// are bottlenecks (1x1, 3x3, 1x1 with 4x expansion) or basic (3x3, 3x3).
type resnetSpec struct {
	blocks     [4]int
	bottleneck bool
}

var resnetSpecs = map[string]resnetSpec{
	"resnet18": {blocks: [4]int{2, 2, 2, 2}},
	"resnet50": {blocks: [4]int{3, 4, 6, 3}, bottleneck: true},
}

// Input of the backbones: 3-channel images, 224x224 for torchvision's
// evaluation transform (any size >= 32 runs: the pool before fc is
// adaptive).
const (
	BackboneChannels = 3
	BackboneSide     = 224
	stemOut          = 64
	bnEps            = 1e-5
	bnMomentum       = 0.1
)

// resnetLayers are the stages of a ResNet from input to output: the depths
// at which a transfer can start training (--layers from:LAYER). "conv1" is
// the stem (conv1, bn1, ReLU, max-pool); "fc" includes the average pool.
var resnetLayers = []string{"conv1", "layer1", "layer2", "layer3", "layer4", "fc"}

// ResNet holds the layers of a torchvision ResNet.
type ResNet struct {
	Conv1  *nn.Conv2D
	BN1    *BatchNorm
	Layers [4][]resBlock // layer1..layer4
	FC     *Linear

	features int64 // width of the pooled feature fc reads: 512 or 2048
	stageChain
}

// UseChannelsLast stores the convolutions' weights, and from then on the
// images, in channels_last (NHWC) memory format, as the CNN's
// UseChannelsLast does: the same numbers up to float rounding, computed
// by oneDNN's NHWC kernels. Call it before creating the optimizer.
func (n *ResNet) UseChannelsLast() error {
	convs := []*nn.Conv2D{n.Conv1}
	for _, stage := range n.Layers {
		for _, b := range stage {
			convs = append(convs, b.convs...)
			if b.downConv != nil {
				convs = append(convs, b.downConv)
			}
		}
	}
	for _, c := range convs {
		if err := lib.TransferlabParamChannelsLast(lib.Ctensor(c.Ws.Ctensor())); err != nil {
			return fmt.Errorf("channels_last: %w", err)
		}
	}
	n.channelsLast = true
	return nil
}

// NewResNet builds the ResNet named model under p with a classes-way fc,
// initialised as torchvision does (Kaiming-normal convolutions, batch
// norms at weight 1 and bias 0, PyTorch's default Linear).
func NewResNet(p *nn.Path, model string, classes int64) (*ResNet, error) {
	spec, ok := resnetSpecs[model]
	if !ok {
		return nil, fmt.Errorf("unknown ResNet %q: choose resnet18 or resnet50", model)
	}
	n := &ResNet{
		Conv1: newConvNoBias(p.Sub("conv1"), BackboneChannels, stemOut, 7, 2, 3),
		BN1:   newBatchNorm(p.Sub("bn1"), stemOut),
	}
	n.stageChain = stageChain{name: "resnet", layers: resnetLayers, stage: n.stage}
	in, width := int64(stemOut), int64(stemOut)
	for s := 0; s < 4; s++ {
		stage := p.Sub(fmt.Sprintf("layer%d", s+1))
		for b := 0; b < spec.blocks[s]; b++ {
			stride := int64(1)
			if s > 0 && b == 0 {
				stride = 2
			}
			blk, out := newBlock(stage.Sub(fmt.Sprint(b)), spec.bottleneck, in, width, stride)
			n.Layers[s] = append(n.Layers[s], blk)
			in = out
		}
		width *= 2
	}
	n.features = in
	n.FC = newLinear(p.Sub("fc"), in, classes)
	return n, nil
}

// FeatureWidth is the width of the pooled feature the head reads.
func (n *ResNet) FeatureWidth() int64 { return n.features }

// Head maps pooled features to logits.
func (n *ResNet) Head(features *ts.Tensor) *ts.Tensor { return n.FC.Forward(features) }

// stage runs stage i of resnetLayers on x and returns a new tensor.
func (n *ResNet) stage(s *Scope, i int, x *ts.Tensor, _, bnTrain bool) *ts.Tensor {
	switch i {
	case 0:
		h := s.T(n.BN1.Forward(s.T(n.Conv1.Forward(x)), bnTrain)).MustRelu(false)
		return s.T(h).MustMaxPool2d([]int64{3, 3}, []int64{2, 2}, []int64{1, 1}, []int64{1, 1}, false, false)
	case 5:
		return n.FC.Forward(s.T(pooled(x)))
	}
	h, owned := x, false
	for _, b := range n.Layers[i-1] {
		next := b.forward(h, bnTrain)
		if owned {
			s.T(h)
		}
		h, owned = next, true
	}
	return h
}

// resBlock is a residual block: its branch plus the shortcut, then ReLU.
type resBlock struct {
	convs      []*nn.Conv2D
	bns        []*BatchNorm
	downConv   *nn.Conv2D // nil: identity shortcut
	downBN     *BatchNorm
	bottleneck bool
}

// newBlock builds block p (torchvision's BasicBlock or Bottleneck) from in
// channels at the stage's width and returns it with its output channels.
func newBlock(p *nn.Path, bottleneck bool, in, width, stride int64) (resBlock, int64) {
	b := resBlock{bottleneck: bottleneck}
	out := width
	if bottleneck {
		out = 4 * width
		b.convs = []*nn.Conv2D{
			newConvNoBias(p.Sub("conv1"), in, width, 1, 1, 0),
			newConvNoBias(p.Sub("conv2"), width, width, 3, stride, 1),
			newConvNoBias(p.Sub("conv3"), width, out, 1, 1, 0),
		}
		b.bns = []*BatchNorm{newBatchNorm(p.Sub("bn1"), width), newBatchNorm(p.Sub("bn2"), width), newBatchNorm(p.Sub("bn3"), out)}
	} else {
		b.convs = []*nn.Conv2D{
			newConvNoBias(p.Sub("conv1"), in, width, 3, stride, 1),
			newConvNoBias(p.Sub("conv2"), width, width, 3, 1, 1),
		}
		b.bns = []*BatchNorm{newBatchNorm(p.Sub("bn1"), width), newBatchNorm(p.Sub("bn2"), width)}
	}
	if stride != 1 || in != out {
		d := p.Sub("downsample")
		b.downConv = newConvNoBias(d.Sub("0"), in, out, 1, stride, 0)
		b.downBN = newBatchNorm(d.Sub("1"), out)
	}
	return b, out
}

// forward returns relu(branch(x) + shortcut(x)); x is not freed.
func (b resBlock) forward(x *ts.Tensor, bnTrain bool) *ts.Tensor {
	s := NewScope()
	defer s.Drop()
	h := x
	for i, c := range b.convs {
		h = s.T(b.bns[i].Forward(s.T(c.Forward(h)), bnTrain))
		if i < len(b.convs)-1 {
			h = s.T(h.MustRelu(false))
		}
	}
	short := x
	if b.downConv != nil {
		short = s.T(b.downBN.Forward(s.T(b.downConv.Forward(x)), bnTrain))
	}
	return s.T(h.MustAdd(short, false)).MustRelu(false)
}

// newConvNoBias is nn.Conv2d(in, out, k, stride, pad, bias=False) with
// torchvision's ResNet init: kaiming_normal_(mode="fan_out", relu).
func newConvNoBias(p *nn.Path, in, out, k, stride, pad int64) *nn.Conv2D {
	cfg := nn.DefaultConv2DConfig()
	cfg.Bias = false
	cfg.Stride = []int64{stride, stride}
	cfg.Padding = []int64{pad, pad}
	cfg.WsInit = nn.NewRandnInit(0, math.Sqrt(2/float64(out*k*k)))
	return nn.NewConv2D(p, in, out, k, cfg)
}

// BatchNorm is torch.nn.BatchNorm2d with PyTorch's names, including the
// num_batches_tracked counter, which PyTorch's strict loading requires
// and which counts the batches that updated the running statistics.
type BatchNorm struct {
	Weight, Bias, RunningMean, RunningVar, NumBatchesTracked *ts.Tensor
}

// bufferSuffixes end the names of batch norm buffers: state that is saved
// and loaded but never trained.
var bufferSuffixes = []string{".running_mean", ".running_var", ".num_batches_tracked"}

// IsBuffer says whether the parameter name is a buffer (batch norm state),
// which no optimizer may update and no freezing may make trainable.
func IsBuffer(name string) bool {
	for _, s := range bufferSuffixes {
		if len(name) > len(s) && name[len(name)-len(s):] == s {
			return true
		}
	}
	return false
}

func newBatchNorm(p *nn.Path, c int64) *BatchNorm {
	return &BatchNorm{
		Weight:            p.MustNewVar("weight", []int64{c}, nn.NewConstInit(1)),
		Bias:              p.MustNewVar("bias", []int64{c}, nn.NewConstInit(0)),
		RunningMean:       p.MustZerosNoTrain("running_mean", []int64{c}),
		RunningVar:        p.MustOnesNoTrain("running_var", []int64{c}),
		NumBatchesTracked: newCounter(p, "num_batches_tracked"),
	}
}

// newCounter adds a 0-d int64 buffer holding 0 under p (as a squeezed
// 1-element tensor: gotch's Zeros cannot make a 0-d one).
func newCounter(p *nn.Path, name string) *ts.Tensor {
	zero := ts.MustOfSlice([]int64{0}).MustSqueeze(true).MustTo(p.Device(), true)
	defer zero.MustDrop()
	return p.MustAdd(name, zero, false)
}

// Forward normalises x; in training mode with batch statistics, which
// also update the running statistics and the counter.
func (b *BatchNorm) Forward(x *ts.Tensor, train bool) *ts.Tensor {
	if train {
		ts.NoGrad(func() { b.NumBatchesTracked.MustAddScalar_(ts.IntScalar(1)) })
	}
	return ts.MustBatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, train, bnMomentum, bnEps, false)
}
