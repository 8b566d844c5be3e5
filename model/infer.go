package model

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// InferArch recognises the architecture of a checkpoint that has no
// sidecar (a plain torch.save(model.state_dict(), f) file) from its tensor
// names and shapes: a torchvision backbone (ResNet-18/50, MobileNetV2),
// the seed CNN (conv1..conv5, fc1..fc3 with exactly the seed's shapes) or
// the FFN (fc1..fcN, fc1 taking 784 inputs, each layer
// taking the previous one's outputs). Classes is the head's output size.
// Anything else is refused, naming what did not match: a network built
// from a guess would load its weights into the wrong places.
func InferArch(file string, shapes map[string][]int64) (Arch, error) {
	if len(shapes) == 0 {
		return Arch{}, fmt.Errorf("%s holds no tensors", file)
	}
	if _, ok := shapes["layer4.0.conv1.weight"]; ok {
		return inferResNet(file, shapes)
	}
	if _, ok := shapes["features.18.0.weight"]; ok {
		return inferMobileNetV2(file, shapes)
	}
	if _, ok := shapes["conv1.weight"]; ok {
		return inferCNN(file, shapes)
	}
	if _, ok := shapes["fc1.weight"]; ok {
		return inferFFN(file, shapes)
	}
	return Arch{}, fmt.Errorf("%s is neither the seed CNN (conv1..conv5, fc1..fc3) nor the FFN (fc1..fcN): it holds %s%s",
		file, strings.Join(someNames(shapes, 4), ", "), prefixHint(shapes))
}

// prefixHint suggests why names do not match when they all share a prefix
// (nn.DataParallel saves "module.conv1.weight").
func prefixHint(shapes map[string][]int64) string {
	for name := range shapes {
		if strings.HasPrefix(name, "module.") {
			return " (names start with \"module.\": save model.module.state_dict() instead of a DataParallel wrapper's)"
		}
	}
	return ""
}

func someNames(shapes map[string][]int64, n int) []string {
	names := make([]string, 0, len(shapes))
	for k := range shapes {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > n {
		names = append(names[:n], fmt.Sprintf("... (%d tensors)", len(shapes)))
	}
	return names
}

// cnnShapes are the seed CNN's tensors but the head's, by name.
func cnnShapes() map[string][]int64 {
	conv := func(out, in int64) []int64 { return []int64{out, in, cnnKernel, cnnKernel} }
	return map[string][]int64{
		"conv1.weight": conv(cnnConv1Out, 1), "conv1.bias": {cnnConv1Out},
		"conv2.weight": conv(cnnConv2Out, cnnConv1Out), "conv2.bias": {cnnConv2Out},
		"conv3.weight": conv(cnnConv3Out, cnnConv2Out), "conv3.bias": {cnnConv3Out},
		"conv4.weight": conv(cnnConv4Out, cnnConv3Out), "conv4.bias": {cnnConv4Out},
		"conv5.weight": conv(cnnConv5Out, cnnConv4Out), "conv5.bias": {cnnConv5Out},
		"fc1.weight": {cnnFC1Out, cnnFlat}, "fc1.bias": {cnnFC1Out},
		"fc2.weight": {cnnFC2Out, cnnFC1Out}, "fc2.bias": {cnnFC2Out},
	}
}

func inferCNN(file string, shapes map[string][]int64) (Arch, error) {
	want := cnnShapes()
	head, ok := shapes["fc3.weight"]
	if !ok || len(head) != 2 {
		return Arch{}, fmt.Errorf("%s has conv1 but no 2-dimensional fc3.weight: it is not the seed CNN", file)
	}
	want["fc3.weight"] = []int64{head[0], cnnFC2Out}
	want["fc3.bias"] = []int64{head[0]}
	if err := sameShapes(file, "the seed CNN", shapes, want); err != nil {
		return Arch{}, err
	}
	a := Arch{Model: "cnn", Classes: int(head[0])}
	if err := a.Check(); err != nil {
		return Arch{}, fmt.Errorf("%s: %w", file, err)
	}
	return a, nil
}

func inferFFN(file string, shapes map[string][]int64) (Arch, error) {
	want := map[string][]int64{}
	in := int64(FFNInput)
	var outs []int
	for i := 1; ; i++ {
		w, ok := shapes["fc"+strconv.Itoa(i)+".weight"]
		if !ok {
			break
		}
		if len(w) != 2 || w[1] != in || w[0] < 1 || w[0] > maxWidth {
			return Arch{}, fmt.Errorf("%s: fc%d.weight has shape %v, an FFN layer there needs [N %d] (fc1 takes the %d pixels of a 28x28 image)", file, i, w, in, FFNInput)
		}
		want["fc"+strconv.Itoa(i)+".weight"] = w
		want["fc"+strconv.Itoa(i)+".bias"] = []int64{w[0]}
		outs = append(outs, int(w[0]))
		in = w[0]
	}
	if err := sameShapes(file, "an FFN", shapes, want); err != nil {
		return Arch{}, err
	}
	a := Arch{Model: "ffn", Hidden: outs[:len(outs)-1], Classes: outs[len(outs)-1]}
	if err := a.Check(); err != nil {
		return Arch{}, fmt.Errorf("%s: %w", file, err)
	}
	return a, nil
}

// sameShapes fails, naming the first tensor (by name) that is missing,
// extra or of another shape, unless got holds exactly want.
func sameShapes(file, what string, got, want map[string][]int64) error {
	names := make([]string, 0, len(want)+len(got))
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		g, inGot := got[n]
		w, inWant := want[n]
		switch {
		case !inGot:
			return fmt.Errorf("%s lacks %s, which %s has: transferlab cannot tell its architecture", file, n, what)
		case !inWant:
			return fmt.Errorf("%s holds %s, which %s lacks: transferlab cannot tell its architecture", file, n, what)
		case !slices.Equal(g, w):
			return fmt.Errorf("%s: %s has shape %v, %s has %v", file, n, g, what, w)
		}
	}
	return nil
}

// ReadShapes reads the tensor names and shapes of a checkpoint file (a
// TorchScript archive or a torch.save state_dict), freeing the tensors.
func ReadShapes(file string) (map[string][]int64, error) {
	named, err := ReadTensors(file)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]int64, len(named))
	for name, t := range named {
		out[name] = t.MustSize()
		t.MustDrop()
	}
	return out, nil
}

// inferResNet recognises torchvision's ResNet-18 and ResNet-50 (a
// bottleneck block has conv3); the strict load then checks every shape.
func inferResNet(file string, shapes map[string][]int64) (Arch, error) {
	head, ok := shapes["fc.weight"]
	if !ok || len(head) != 2 {
		return Arch{}, fmt.Errorf("%s has ResNet stages but no 2-dimensional fc.weight: it is not a torchvision ResNet", file)
	}
	a := Arch{Model: "resnet18", Classes: int(head[0])}
	if _, ok := shapes["layer1.0.conv3.weight"]; ok {
		a.Model = "resnet50"
	}
	return a, a.Check()
}

// inferMobileNetV2 recognises torchvision's mobilenet_v2; the strict load
// then checks every shape.
func inferMobileNetV2(file string, shapes map[string][]int64) (Arch, error) {
	head, ok := shapes["classifier.1.weight"]
	if !ok || len(head) != 2 {
		return Arch{}, fmt.Errorf("%s has MobileNetV2 features but no 2-dimensional classifier.1.weight: it is not a torchvision mobilenet_v2", file)
	}
	a := Arch{Model: "mobilenet_v2", Classes: int(head[0])}
	return a, a.Check()
}
