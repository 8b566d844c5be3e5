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
