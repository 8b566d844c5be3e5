package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// Backbone is an ImageNet network built here with torchvision's names
// (ResNet, MobileNetV2): what a transfer to a user's photos starts from.
// It runs in stages (LayersOf its name), so a transfer can freeze the
// stages below one, keep their batch norms in inference mode and cache
// their output.
type Backbone interface {
	Net
	// FeatureWidth is the width of the pooled feature the head reads.
	FeatureWidth() int64
	// Features runs everything but the head, in inference mode: images
	// to the pooled feature (N x FeatureWidth).
	Features(x *ts.Tensor) *ts.Tensor
	// Head maps pooled features to logits.
	Head(features *ts.Tensor) *ts.Tensor
	// Stages runs stages from..to-1 in inference mode; x is not freed.
	Stages(x *ts.Tensor, from, to int) (*ts.Tensor, error)
	// From is the network of the stages from up.
	From(from int) (Net, error)
	// FreezeBatchNorm keeps every batch norm in inference mode from now
	// on (--bn frozen).
	FreezeBatchNorm()
	// FreezeStagesBelow keeps the batch norms of the stages below k in
	// inference mode, always.
	FreezeStagesBelow(k int)
	// UseChannelsLast stores the convolutions' weights, and from then on
	// the images, in channels_last memory format.
	UseChannelsLast() error
}

// backboneSpec is what the rest of transferlab needs to know of a
// backbone besides the network itself.
type backboneSpec struct {
	layers   []string // stages from input to output; the last is the head
	features int64    // width of the pooled feature the head reads
	head     string   // name prefix of the head a transfer replaces
	build    func(p *nn.Path, model string, classes int64) (Backbone, error)
	// prefixes are the parameter name prefixes of a stage.
	prefixes func(stage string) []string
}

func buildResNet(p *nn.Path, model string, classes int64) (Backbone, error) {
	return NewResNet(p, model, classes)
}

func buildMobileNetV2(p *nn.Path, _ string, classes int64) (Backbone, error) {
	return NewMobileNetV2(p, classes), nil
}

func resnetBackbone(features int64) backboneSpec {
	return backboneSpec{layers: resnetLayers, features: features, head: "fc.", build: buildResNet, prefixes: resnetPrefixes}
}

var backboneSpecs = map[string]backboneSpec{
	"resnet18":     resnetBackbone(512),
	"resnet50":     resnetBackbone(2048),
	"mobilenet_v2": {layers: mobilenetLayers, features: mobilenetLast, head: "classifier.1.", build: buildMobileNetV2, prefixes: mobilenetPrefixes},
}

// Backbones are the ImageNet networks Build knows.
var Backbones = []string{"resnet18", "resnet50", "mobilenet_v2"}

// IsBackbone says whether model names one of Backbones.
func IsBackbone(model string) bool { _, ok := backboneSpecs[model]; return ok }

// LayersOf lists the depths --layers from:LAYER can name in the network
// model: a backbone's stages, else the seed CNN's layers.
func LayersOf(model string) []string {
	if s, ok := backboneSpecs[model]; ok {
		return slices.Clone(s.layers)
	}
	return CNNLayers()
}

// BackboneFeatureWidth is the width of the pooled feature the head of
// the backbone model reads (512, 2048, 1280); 0 for other networks.
func BackboneFeatureWidth(model string) int64 { return backboneSpecs[model].features }

// StagePrefixes are the parameter name prefixes of layer (one of
// LayersOf(model)): "conv1." and "bn1." for a ResNet's stem,
// "features.7." .. "features.13." for MobileNetV2's features.7, layer+"."
// otherwise.
func StagePrefixes(model, layer string) []string {
	if s, ok := backboneSpecs[model]; ok {
		return s.prefixes(layer)
	}
	return []string{layer + "."}
}

// stageOf names the layer a parameter belongs to: its first name
// component, but a backbone's stage for a backbone's name.
func stageOf(name string) string {
	if s := mobilenetStageOf(name); s != "" {
		return s
	}
	return resnetStageOf(name)
}

func resnetPrefixes(layer string) []string {
	if layer == "conv1" {
		return []string{"conv1.", "bn1."}
	}
	return []string{layer + "."}
}

// resnetStageOf is a name's first component, conv1 for the stem's bn1.
func resnetStageOf(name string) string {
	first, _, _ := strings.Cut(name, ".")
	if first == "bn1" {
		return "conv1"
	}
	return first
}

// mobilenetPrefixes lists features.i. for each block i of the stage.
func mobilenetPrefixes(layer string) []string {
	i := slices.Index(mobilenetLayers, layer)
	if i < 0 {
		return []string{layer + "."}
	}
	if i == len(mobilenetLayers)-1 {
		return []string{"classifier."}
	}
	var out []string
	for b := mobilenetStageStart[i]; b < mobilenetStageStart[i+1]; b++ {
		out = append(out, fmt.Sprintf("features.%d.", b))
	}
	return out
}

// mobilenetStageOf maps features.N.* to the stage that holds block N,
// classifier.* to classifier; "" for other names.
func mobilenetStageOf(name string) string {
	if strings.HasPrefix(name, "classifier.") {
		return "classifier"
	}
	rest, ok := strings.CutPrefix(name, "features.")
	if !ok {
		return ""
	}
	idx, _, _ := strings.Cut(rest, ".")
	b, err := strconv.Atoi(idx)
	if err != nil {
		return ""
	}
	for i := len(mobilenetStageStart) - 2; i >= 0; i-- {
		if b >= mobilenetStageStart[i] {
			return mobilenetLayers[i]
		}
	}
	return ""
}

// stageChain is what the backbones share: their stages run in order,
// the batch norm modes that --bn and freezing set, and the switch to
// channels_last images. Each backbone supplies how one stage runs.
type stageChain struct {
	name   string   // for errors
	layers []string // the stages, input to head
	// stage runs stage i on x and returns a new tensor (x is not freed);
	// train is the training mode (dropout), bnTrain the batch norms'.
	stage func(s *Scope, i int, x *ts.Tensor, train, bnTrain bool) *ts.Tensor

	// bnFrozen keeps every batch norm in inference mode while training
	// (--bn frozen): running statistics are used and never updated.
	bnFrozen bool
	// frozenBelow is the first stage that trains: the batch norms of the
	// stages below it stay in inference mode too, always.
	frozenBelow  int
	channelsLast bool // the images are made channels_last on the way in
}

// ForwardT maps N x 3 x H x W images to logits; train puts the batch
// norms in training mode unless they are frozen.
func (c *stageChain) ForwardT(x *ts.Tensor, train bool) *ts.Tensor {
	return c.run(x, 0, len(c.layers), train)
}

// Features runs everything but the head, in inference mode: images to
// the pooled feature, torchvision's avgpool output.
func (c *stageChain) Features(x *ts.Tensor) *ts.Tensor {
	h := c.run(x, 0, len(c.layers)-1, false)
	defer h.MustDrop()
	return pooled(h)
}

// pooled is torchvision's avgpool and flatten: N x C x H x W to N x C.
func pooled(x *ts.Tensor) *ts.Tensor {
	p := x.MustAdaptiveAvgPool2d([]int64{1, 1}, false)
	return p.MustFlatten(1, -1, true)
}

// FreezeBatchNorm keeps every batch norm in inference mode from now on,
// in training too.
func (c *stageChain) FreezeBatchNorm() { c.bnFrozen = true }

// FreezeStagesBelow keeps the batch norms of stages below k (an index
// into the backbone's LayersOf) in inference mode: a frozen stage's
// running statistics are the source's, bit for bit, after any training.
func (c *stageChain) FreezeStagesBelow(k int) { c.frozenBelow = k }

// Stages runs stages from..to-1 on x, the output of stage from-1, in
// inference mode; x is not freed.
func (c *stageChain) Stages(x *ts.Tensor, from, to int) (*ts.Tensor, error) {
	if from < 0 || to > len(c.layers) || from >= to {
		return nil, fmt.Errorf("%s: no stages %d..%d of %d", c.name, from, to, len(c.layers))
	}
	return c.run(x, from, to, false), nil
}

// From returns the network of stages from up, which maps the output of
// stage from-1 to logits: what a transfer trains on cached features.
func (c *stageChain) From(from int) (Net, error) {
	if from < 1 || from >= len(c.layers) {
		return nil, fmt.Errorf("%s: no stages from %d of %d below the head", c.name, from, len(c.layers))
	}
	return chainSuffix{c, from}, nil
}

type chainSuffix struct {
	chain *stageChain
	from  int
}

func (s chainSuffix) ForwardT(x *ts.Tensor, train bool) *ts.Tensor {
	return s.chain.run(x, s.from, len(s.chain.layers), train)
}

// run runs stages from..to-1; intermediates are freed as it goes.
func (c *stageChain) run(x *ts.Tensor, from, to int, train bool) *ts.Tensor {
	s := NewScope()
	defer s.Drop()
	h, owned := x, false
	if from == 0 && c.channelsLast {
		if cl := toChannelsLast(x); cl != nil {
			h, owned = cl, true
		}
	}
	for i := from; i < to; i++ {
		bnTrain := train && !c.bnFrozen && i >= c.frozenBelow
		next := c.stage(s, i, h, train, bnTrain)
		if owned {
			s.T(h)
		}
		h, owned = next, true
	}
	return h
}
