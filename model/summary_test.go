package model

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
)

// The summary counts every parameter of each layer and says which layers
// train: with all but the head frozen, only fc3 (84x10 + 10).
func TestSummaryCountsParametersAndFrozenLayers(t *testing.T) {
	pin(t)
	a := Arch{Model: "cnn", Classes: 10}
	vs, _ := newNet(t, a, 1)
	if _, err := FreezeAllBut(vs, a.HeadPrefix()); err != nil {
		t.Fatal(err)
	}
	layers := Summary(vs)
	var total int64
	for _, l := range layers {
		total += l.Params
		if l.Trainable != (l.Name == "fc3") {
			t.Errorf("layer %s trainable %v", l.Name, l.Trainable)
		}
	}
	if len(layers) != 8 || layers[0].Name != "conv1" || layers[7].Name != "fc3" || layers[7].Params != 84*10+10 {
		t.Fatalf("summary %+v", layers)
	}
	if want := int64(10*9 + 10 + 150*10*9 + 150 + 300*150*9 + 300 + 300*300*9 + 300 + 150*300*9 + 150 + 7350*120 + 120 + 120*84 + 84 + 84*10 + 10); total != want {
		t.Errorf("%d parameters in all, want %d", total, want)
	}
	if got := layers[0].Shapes; len(got) != 2 || len(got[0]) != 4 || got[0][0] != 10 {
		t.Errorf("conv1 shapes %v, want the weight 10x1x3x3 first", got)
	}
}

// A backbone's summary lists its stages (LayersOf) in order, every
// parameter in one of them: MobileNetV2's 3,504,872 (torchvision's count
// for 1000 classes) in features.0 ... features.14 and classifier.
func TestSummaryListsBackboneStages(t *testing.T) {
	for _, arch := range Backbones {
		vs := nn.NewVarStore(gotch.CPU)
		net, err := Build(vs.Root(), Arch{Model: arch, Classes: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if w := net.(Backbone).FeatureWidth(); w != BackboneFeatureWidth(arch) {
			t.Errorf("%s: feature width %d, BackboneFeatureWidth says %d", arch, w, BackboneFeatureWidth(arch))
		}
		var names []string
		var total int64
		for _, l := range Summary(vs) {
			names = append(names, l.Name)
			total += l.Params
		}
		if !slices.Equal(names, LayersOf(arch)) {
			t.Errorf("%s: summary layers %v, want its stages %v", arch, names, LayersOf(arch))
		}
		runtime.KeepAlive(net) // its wrappers' finalizers would free vs's tensors
		if arch == "mobilenet_v2" && total != 3504872 {
			t.Errorf("mobilenet_v2: %d parameters, torchvision's has 3504872", total)
		}
	}
}

// StagePrefixes of a backbone's stages cover each of its tensors exactly
// once: what --layers from:LAYER freezes and trains is the whole network.
func TestStagePrefixesPartitionTheBackbones(t *testing.T) {
	for _, arch := range Backbones {
		vs := nn.NewVarStore(gotch.CPU)
		if _, err := Build(vs.Root(), Arch{Model: arch, Classes: 5}); err != nil {
			t.Fatal(err)
		}
		for _, p := range Params(vs) {
			var in []string
			for _, l := range LayersOf(arch) {
				for _, pre := range StagePrefixes(arch, l) {
					if strings.HasPrefix(p.Name, pre) {
						in = append(in, l)
					}
				}
			}
			if len(in) != 1 || in[0] != stageOf(p.Name) {
				t.Errorf("%s: %s is in stages %v, its summary stage is %s", arch, p.Name, in, stageOf(p.Name))
			}
		}
	}
}
