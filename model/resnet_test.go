package model

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
	"github.com/sugarme/gotch/vision"

	"transferlab/internal/pyref"
)

func runRef(t *testing.T, py string, out any, args ...string) {
	t.Helper()
	b, err := exec.Command(py, append([]string{"testdata/resnet_ref.py"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("resnet_ref.py %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("resnet_ref.py output %.200q: %v", b, err)
	}
}

func shapes(vs *nn.VarStore) map[string][]int {
	out := map[string][]int{}
	for _, p := range Params(vs) {
		out[p.Name] = intShape(p.Tensor.MustSize())
	}
	return out
}

// Every backbone has exactly torchvision's names and shapes, buffers
// included.
func TestResNetNamesMatchTorchvision(t *testing.T) {
	py := pyref.Python(t, "torchvision")
	for _, arch := range Backbones {
		var want map[string][]int
		runRef(t, py, &want, "names", arch)
		vs := nn.NewVarStore(gotch.CPU)
		if _, err := Build(vs.Root(), Arch{Model: arch, Classes: 1000}); err != nil {
			t.Fatal(err)
		}
		got := shapes(vs)
		if d := diffShapes(got, want); d != "" {
			t.Errorf("%s: transferlab vs torchvision: %s", arch, d)
		}
	}
}

func diffShapes(got, want map[string][]int) string {
	var d []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			d = append(d, "missing "+k)
		} else if !slices.Equal(g, w) {
			d = append(d, k+" shape differs")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "extra "+k)
		}
	}
	sort.Strings(d)
	if len(d) > 5 {
		d = append(d[:5], "...")
	}
	return strings.Join(d, ", ")
}

// gotch's own ResNets, for the record of why ours exist: its ResNet-18
// has torchvision's parameter names but no num_batches_tracked; its
// ResNet-50 adds convolution biases torchvision does not have.
func TestGotchResNetNames(t *testing.T) {
	r18 := nn.NewVarStore(gotch.CPU)
	gotchNet := vision.ResNet18(r18.Root(), 1000)
	ours := nn.NewVarStore(gotch.CPU)
	oursNet, err := Build(ours.Root(), Arch{Model: "resnet18", Classes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// the networks' finalizers would free tensors the var stores still read
	defer runtime.KeepAlive(gotchNet)
	defer runtime.KeepAlive(oursNet)
	withoutCounters := map[string][]int{}
	for k, v := range shapes(ours) {
		if !strings.HasSuffix(k, ".num_batches_tracked") {
			withoutCounters[k] = v
		}
	}
	if d := diffShapes(shapes(r18), withoutCounters); d != "" {
		t.Errorf("gotch's ResNet-18 vs ours without num_batches_tracked: %s", d)
	}
	r50 := nn.NewVarStore(gotch.CPU)
	defer runtime.KeepAlive(vision.ResNet50(r50.Root(), 1000))
	if _, ok := shapes(r50)["layer1.0.conv1.bias"]; !ok {
		t.Errorf("gotch's ResNet-50 no longer has conv biases: it may now match torchvision; see model/resnet.go's header")
	}
}

// gotch's MobileNetV2 has torchvision's names but none of the 52
// num_batches_tracked counters; ours has them all.
func TestGotchMobileNetV2Names(t *testing.T) {
	theirs := nn.NewVarStore(gotch.CPU)
	defer runtime.KeepAlive(vision.MobileNetV2(theirs.Root(), 1000))
	ours := nn.NewVarStore(gotch.CPU)
	net, err := Build(ours.Root(), Arch{Model: "mobilenet_v2", Classes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.KeepAlive(net) // its wrappers' finalizers would free ours's tensors
	withoutCounters, counters := map[string][]int{}, 0
	for k, v := range shapes(ours) {
		if strings.HasSuffix(k, ".num_batches_tracked") {
			counters++
		} else {
			withoutCounters[k] = v
		}
	}
	if d := diffShapes(shapes(theirs), withoutCounters); d != "" {
		t.Errorf("gotch's MobileNetV2 vs ours without num_batches_tracked: %s", d)
	}
	if counters != 52 {
		t.Errorf("%d num_batches_tracked counters, want one per batch norm: 52", counters)
	}
}

// A state_dict torchvision saved loads strictly, gives torchvision's
// logits in eval mode, and our checkpoint of it loads into torchvision
// strictly with the same logits.
func TestResNetInteropWithTorchvision(t *testing.T) {
	py := pyref.Python(t, "torchvision")
	const side = 64 // the pool before fc is adaptive; 64 keeps ResNet-50 cheap
	for _, arch := range Backbones {
		t.Run(arch, func(t *testing.T) {
			dir := t.TempDir()
			pth, xpath, ckpt := filepath.Join(dir, arch+".pth"), filepath.Join(dir, "x.raw"), filepath.Join(dir, arch+".pt")
			var ref struct{ Logits []float64 }
			runRef(t, py, &ref, "make", arch, pth, xpath, "64")

			vs := nn.NewVarStore(gotch.CPU)
			net, err := Build(vs.Root(), Arch{Model: arch, Classes: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if err := LoadWeights(vs, pth); err != nil {
				t.Fatalf("strict load of torchvision's state_dict: %v", err)
			}
			x := readBatch(t, xpath, side)
			var got []float64
			ts.NoGrad(func() { got = net.ForwardT(x, false).Float64Values() })
			d := maxAbsDiff(got, ref.Logits)
			t.Logf("%s: max |logit - torchvision's| = %.2g over %d logits", arch, d, len(got))
			if d > 1e-4 {
				t.Errorf("logits differ from torchvision's by up to %g (limit 1e-4)", d)
			}

			// channels_last (what training and eval use on a CPU): the
			// same logits up to float rounding.
			if err := net.(Backbone).UseChannelsLast(); err != nil {
				t.Fatal(err)
			}
			var gotCL []float64
			ts.NoGrad(func() { gotCL = net.ForwardT(x, false).Float64Values() })
			// oneDNN's NHWC kernels sum in another order: over ResNet-50's
			// 53 layers that was 1.7e-4 on logits as large as 138
			// here, so the limit is 1e-4 relative to the largest logit.
			dCL, scale := maxAbsDiff(gotCL, ref.Logits), maxAbs(ref.Logits)
			t.Logf("%s in channels_last: max |logit - torchvision's| = %.2g, largest |logit| %.3g", arch, dCL, scale)
			if dCL > 1e-4*math.Max(1, scale) {
				t.Errorf("channels_last logits differ from torchvision's by up to %g (limit 1e-4 x %g)", dCL, math.Max(1, scale))
			}

			var named []ts.NamedTensor
			for _, p := range Params(vs) {
				named = append(named, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
			}
			if _, err := SaveTensors(named, ckpt); err != nil {
				t.Fatal(err)
			}
			runtime.KeepAlive(vs) // named holds views of vs's tensors, which its finalizers would free
			var back struct{ Logits []float64 }
			runRef(t, py, &back, "logits", arch, ckpt, xpath, "64")
			if d := maxAbsDiff(back.Logits, ref.Logits); d > 1e-5 {
				t.Errorf("torchvision's logits from our checkpoint differ by %g", d)
			}
		})
	}
}

func readBatch(t *testing.T, path string, side int64) *ts.Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]float32, len(b)/4)
	for i := range vals {
		vals[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return ts.MustOfSlice(vals).MustView([]int64{2, 3, side, side}, true)
}

func maxAbs(a []float64) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// A plain state_dict of a backbone is recognised from its names, with the
// head's class count.
func TestInferArchRecognisesTheBackbones(t *testing.T) {
	for _, arch := range Backbones {
		vs := nn.NewVarStore(gotch.CPU)
		if _, err := Build(vs.Root(), Arch{Model: arch, Classes: 7}); err != nil {
			t.Fatal(err)
		}
		sh := map[string][]int64{}
		for _, p := range Params(vs) {
			sh[p.Name] = p.Tensor.MustSize()
		}
		got, err := InferArch("x.pth", sh)
		if err != nil || got.Model != arch || got.Classes != 7 {
			t.Errorf("%s: inferred %+v, %v", arch, got, err)
		}
	}
}

// A state_dict saved before PyTorch had num_batches_tracked (none at all)
// loads, the counters staying 0, as PyTorch loads such files; one that
// lacks only some counters is refused, naming one.
func TestLoadWeightsWithoutCounters(t *testing.T) {
	src := nn.NewVarStore(gotch.CPU)
	srcNet, err := Build(src.Root(), Arch{Model: "mobilenet_v2", Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	var all, allButOne []ts.NamedTensor
	for _, p := range Params(src) {
		if !strings.HasSuffix(p.Name, ".num_batches_tracked") {
			all = append(all, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
		}
		if p.Name != "features.3.conv.1.1.num_batches_tracked" {
			allButOne = append(allButOne, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
		}
	}
	dir := t.TempDir()
	old, partial := filepath.Join(dir, "old.pth"), filepath.Join(dir, "partial.pth")
	if _, err := SaveTensors(all, old); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveTensors(allButOne, partial); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(src)
	runtime.KeepAlive(srcNet)
	dst := nn.NewVarStore(gotch.CPU)
	// The network keeps vs's batch norm tensors alive (its wrappers'
	// finalizers would free them).
	dstNet, err := Build(dst.Root(), Arch{Model: "mobilenet_v2", Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.KeepAlive(dstNet)
	if err := LoadWeights(dst, old); err != nil {
		t.Errorf("a state_dict without any num_batches_tracked: %v", err)
	}
	if err := LoadWeights(dst, partial); err == nil || !strings.Contains(err.Error(), "lacks tensor features.3.conv.1.1.num_batches_tracked") {
		t.Errorf("a state_dict without one num_batches_tracked: %v, want an error naming it", err)
	}
}
