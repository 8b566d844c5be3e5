package model

import (
	"strings"
	"testing"
)

func seedCNNShapes(classes int64) map[string][]int64 {
	m := cnnShapes()
	m["fc3.weight"] = []int64{classes, cnnFC2Out}
	m["fc3.bias"] = []int64{classes}
	return m
}

// The architecture of a file without a sidecar comes from its tensors:
// the seed CNN with any head, an FFN of any depth; anything else is
// refused naming the tensor that does not fit.
func TestInferArch(t *testing.T) {
	ffn := map[string][]int64{
		"fc1.weight": {4096, 784}, "fc1.bias": {4096},
		"fc2.weight": {26, 4096}, "fc2.bias": {26},
	}
	deep := map[string][]int64{
		"fc1.weight": {64, 784}, "fc1.bias": {64},
		"fc2.weight": {32, 64}, "fc2.bias": {32},
		"fc3.weight": {5, 32}, "fc3.bias": {5},
	}
	for _, c := range []struct {
		name   string
		shapes map[string][]int64
		want   Arch
	}{
		{"seed CNN, 10 classes", seedCNNShapes(10), Arch{Model: "cnn", Classes: 10}},
		{"seed CNN, 26 classes", seedCNNShapes(26), Arch{Model: "cnn", Classes: 26}},
		{"FFN 784-4096-26", ffn, Arch{Model: "ffn", Hidden: []int{4096}, Classes: 26}},
		{"FFN 784-64-32-5", deep, Arch{Model: "ffn", Hidden: []int{64, 32}, Classes: 5}},
	} {
		got, err := InferArch("f.pth", c.shapes)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Model != c.want.Model || got.Classes != c.want.Classes || len(got.Hidden) != len(c.want.Hidden) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			continue
		}
		for i := range got.Hidden {
			if got.Hidden[i] != c.want.Hidden[i] {
				t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			}
		}
	}

	wideConv := seedCNNShapes(10)
	wideConv["conv2.weight"] = []int64{64, 10, 3, 3}
	extra := seedCNNShapes(10)
	extra["bn1.weight"] = []int64{10}
	missing := seedCNNShapes(10)
	delete(missing, "conv4.bias")
	cifar := map[string][]int64{"fc1.weight": {100, 3072}, "fc1.bias": {100}, "fc2.weight": {10, 100}, "fc2.bias": {10}}
	gap := map[string][]int64{"fc1.weight": {64, 784}, "fc1.bias": {64}, "fc3.weight": {10, 64}, "fc3.bias": {10}}
	oneClass := seedCNNShapes(1)
	wrapped := map[string][]int64{"module.conv1.weight": {10, 1, 3, 3}}
	resnet := map[string][]int64{"layer1.0.conv1.weight": {64, 64, 3, 3}}
	for _, c := range []struct {
		name   string
		shapes map[string][]int64
		want   string
	}{
		{"other conv widths", wideConv, "conv2.weight has shape [64 10 3 3], the seed CNN has [150 10 3 3]"},
		{"an extra tensor", extra, "holds bn1.weight, which the seed CNN lacks"},
		{"a missing tensor", missing, "lacks conv4.bias"},
		{"FFN on 3072 inputs", cifar, "fc1.weight has shape [100 3072]"},
		{"FFN with a gap", gap, "holds fc3.bias, which an FFN lacks"},
		{"a 1-class head", oneClass, "2 to"},
		{"DataParallel names", wrapped, `names start with "module."`},
		{"another network", resnet, "neither the seed CNN"},
		{"no tensors", map[string][]int64{}, "holds no tensors"},
	} {
		_, err := InferArch("f.pth", c.shapes)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.pth") {
			t.Errorf("%s: error %v, want one naming f.pth and containing %q", c.name, err, c.want)
		}
	}
}
