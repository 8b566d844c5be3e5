package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/metrics"
	"transferlab/model"
)

func TestParseLayersNamesTheValidDepths(t *testing.T) {
	for in, want := range map[string]string{
		"last": "last", "all": "all", "from:fc3": "last", "from:conv1": "all",
		"from:conv3": "from:conv3", "from:fc1": "from:fc1",
		"from:layer3": "from:layer3", "from:fc": "last", // a ResNet's stages
		"from:features.7": "from:features.7", "from:classifier": "last", "from:features.0": "all", // MobileNetV2's
	} {
		if got, err := ParseLayers(in); err != nil || got != want {
			t.Errorf("ParseLayers(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"middle", "from:", "from:conv6", "from:layer5", "conv3", "from:FC1", "from:features.9", "from:features"} {
		_, err := ParseLayers(bad)
		if err == nil || !strings.Contains(err.Error(), "conv1, conv2, conv3, conv4, conv5, fc1, fc2, fc3") {
			t.Errorf("ParseLayers(%q): %v, want an error listing the layers", bad, err)
		}
	}
	if err := checkLayersFor("cnn", "from:layer3"); err == nil || !strings.Contains(err.Error(), "conv1, conv2") {
		t.Errorf("from:layer3 for the CNN: %v, want an error listing its layers", err)
	}
	if err := checkLayersFor("resnet50", "from:conv3"); err == nil || !strings.Contains(err.Error(), "layer1, layer2") {
		t.Errorf("from:conv3 for resnet50: %v, want an error listing its stages", err)
	}
	if err := checkLayersFor("mobilenet_v2", "from:layer4"); err == nil || !strings.Contains(err.Error(), "features.0, features.1, features.2, features.4, features.7, features.14, classifier") {
		t.Errorf("from:layer4 for mobilenet_v2: %v, want an error listing its stages", err)
	}
	if err := checkLayersFor("resnet18", "from:features.7"); err == nil {
		t.Errorf("from:features.7 for resnet18: no error")
	}
	if got := strings.Join(DepthLayers(), " "); got != "from:fc3 from:fc2 from:fc1 from:conv5 from:conv4 from:conv3 from:conv2 from:conv1" {
		t.Errorf("DepthLayers() = %s", got)
	}
}

// For every depth, exactly the parameters of the layers below it are
// frozen.
func TestFreezeBelowSetsRequiresGradOnEveryParameter(t *testing.T) {
	pin(t)
	layers := model.CNNLayers()
	for k := range layers {
		vs := nn.NewVarStore(gotch.CPU)
		model.NewCNN(vs.Root(), 26)
		trainable, err := freezeBelow(vs, "cnn", layers, k)
		if err != nil {
			t.Fatal(err)
		}
		all := model.Params(vs)
		if len(all) != 2*len(layers) {
			t.Fatalf("%d parameters, want a weight and a bias for each of %d layers", len(all), len(layers))
		}
		for _, p := range all {
			layer := layerIndex(t, p.Name)
			if got, want := p.Tensor.MustRequiresGrad(), layer >= k; got != want {
				t.Errorf("from:%s: %s requires_grad %v, want %v", layers[k], p.Name, got, want)
			}
		}
		if want := 2 * (len(layers) - k); len(trainable) != want {
			t.Errorf("from:%s: %d trainable parameters returned, want %d", layers[k], len(trainable), want)
		}
		vs.Destroy()
	}
}

// MobileNetV2's from:features.7 trains features.7 .. features.18 and the
// classifier and freezes features.0 .. features.6.
func TestFreezeBelowMobileNetV2Stage(t *testing.T) {
	pin(t)
	vs := nn.NewVarStore(gotch.CPU)
	net, err := model.Build(vs.Root(), model.Arch{Model: "mobilenet_v2", Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.KeepAlive(net) // its wrappers' finalizers would free vs's tensors
	layers := model.LayersOf("mobilenet_v2")
	trainable, err := freezeBelow(vs, "mobilenet_v2", layers, slices.Index(layers, "features.7"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trainable) == 0 {
		t.Fatal("nothing trains")
	}
	for _, p := range model.Params(vs) {
		if model.IsBuffer(p.Name) {
			continue
		}
		var block int
		if _, err := fmt.Sscanf(p.Name, "features.%d.", &block); err != nil {
			block = 19 // the classifier
		}
		if got, want := p.Tensor.MustRequiresGrad(), block >= 7; got != want {
			t.Errorf("from:features.7: %s requires_grad %v, want %v", p.Name, got, want)
		}
	}
}

// At every depth, training the layers above a cached frozen prefix gives
// the naive loop's history, and both leave the frozen layers exactly as
// the source network had them while changing every trainable one.
func TestFeatureCacheGivesTheNaiveLoopsNumbersAtEveryDepth(t *testing.T) {
	pin(t)
	src := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	source, err := model.ReadTensors(src)
	if err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	layers := model.CNNLayers()
	for _, depth := range DepthLayers() {
		r := finetuneRecipe(t, "mnist", depth)
		k := FirstTrainable(r.Layers)
		if k == 0 {
			continue // nothing frozen, nothing to cache
		}
		runs := map[bool]*metrics.Run{}
		for _, naive := range []bool{true, false} {
			o := quick(t)
			o.PretrainedDir = filepath.Dir(src)
			o.Target, o.PerClass, o.Epochs, o.EvalLimit, o.NoFeatureCache = "fashion", 6, 2, 100, naive
			run, err := Run(context.Background(), r, o)
			if err != nil {
				t.Fatalf("%s naive=%v: %v", depth, naive, err)
			}
			if run.Config.FeatureCache == naive {
				t.Errorf("%s naive=%v: feature_cache=%v", depth, naive, run.Config.FeatureCache)
			}
			runs[naive] = run
			after, err := model.ReadTensors(run.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range after {
				l := layerIndex(t, name)
				if l == len(layers)-1 {
					continue // the fresh head: no source to compare with
				}
				same := equalTensors(source[name], w)
				if l < k && !same {
					t.Errorf("%s naive=%v: frozen %s changed", depth, naive, name)
				}
				if l >= k && same {
					t.Errorf("%s naive=%v: trainable %s did not change", depth, naive, name)
				}
			}
		}
		naive, cached := runs[true], runs[false]
		close := func(what string, a, b, tol float64) {
			if math.Abs(a-b) > tol*math.Max(1, math.Abs(a)) {
				t.Errorf("%s %s: naive %.6f, cached %.6f", depth, what, a, b)
			}
		}
		for i := range naive.History {
			n, c := naive.History[i], cached.History[i]
			close("train loss", n.TrainLoss, c.TrainLoss, 1e-4)
			close("train acc", n.TrainAcc, c.TrainAcc, 1.7) // at most one of 60 images
			close("test loss", n.ValLoss, c.ValLoss, 1e-4)
			close("test acc", n.ValAcc, c.ValAcc, 1.0) // at most one of 100
		}
		t.Logf("%s: epoch 2 naive %.5f/%.1f%% in %.1fs, cached %.5f/%.1f%% in %.1fs", depth,
			naive.History[1].TrainLoss, naive.History[1].ValAcc, naive.WallSeconds,
			cached.History[1].TrainLoss, cached.History[1].ValAcc, cached.WallSeconds)
	}
}

// layerIndex is the index into model.CNNLayers of a parameter's layer.
func layerIndex(t *testing.T, param string) int {
	t.Helper()
	name, _, _ := strings.Cut(param, ".")
	for i, l := range model.CNNLayers() {
		if l == name {
			return i
		}
	}
	t.Fatalf("parameter %s belongs to no CNN layer", param)
	return -1
}

func equalTensors(a, b *ts.Tensor) bool {
	if a == nil || b == nil {
		return false
	}
	x, y := a.Float64Values(), b.Float64Values()
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
