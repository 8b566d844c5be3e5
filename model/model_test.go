package model

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
)

func pin(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	t.Cleanup(runtime.UnlockOSThread)
}

func newNet(t *testing.T, a Arch, seed int64) (*nn.VarStore, Net) {
	t.Helper()
	torchenv.ManualSeed(seed)
	vs := nn.NewVarStore(gotch.CPU)
	t.Cleanup(vs.Destroy)
	net, err := Build(vs.Root(), a)
	if err != nil {
		t.Fatal(err)
	}
	return vs, net
}

func TestParameterNamesMatchThePyTorchModules(t *testing.T) {
	pin(t)
	vs, _ := newNet(t, Arch{Model: "cnn", Classes: 10}, 1)
	var names []string
	shapes := map[string][]int64{}
	for _, p := range Params(vs) {
		names = append(names, p.Name)
		shapes[p.Name] = p.Tensor.MustSize()
	}
	var want []string
	for _, l := range []string{"conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2", "fc3"} {
		want = append(want, l+".bias", l+".weight")
	}
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("names %v, want %v", names, want)
	}
	// PyTorch's shapes: Conv2d weight out x in x k x k, Linear weight out x in.
	for name, s := range map[string][]int64{
		"conv1.weight": {10, 1, 3, 3}, "conv2.weight": {150, 10, 3, 3}, "conv5.weight": {150, 300, 3, 3},
		"fc1.weight": {120, 7350}, "fc2.weight": {84, 120}, "fc3.weight": {10, 84}, "fc3.bias": {10},
	} {
		if !equal(shapes[name], s) {
			t.Errorf("%s has shape %v, want %v", name, shapes[name], s)
		}
	}
}

// Every parameter is drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as
// PyTorch 1.13's Conv2d and Linear defaults, and fills most of that range
// (gotch's N(0,1) default would exceed it at once).
func TestInitMatchesPyTorchBounds(t *testing.T) {
	pin(t)
	for _, a := range []Arch{{Model: "cnn", Classes: 10}, {Model: "ffn", Hidden: []int{64, 32}, Classes: 10}} {
		vs, _ := newNet(t, a, 7)
		fanIn := map[string]float64{
			"conv1": 1 * 9, "conv2": 10 * 9, "conv3": 150 * 9, "conv4": 300 * 9, "conv5": 300 * 9,
			"fc1": 7350, "fc2": 120, "fc3": 84,
		}
		if a.Model == "ffn" {
			fanIn = map[string]float64{"fc1": 784, "fc2": 64, "fc3": 32}
		}
		for _, p := range Params(vs) {
			layer := strings.SplitN(p.Name, ".", 2)[0]
			bound := 1 / math.Sqrt(fanIn[layer])
			v := p.Tensor.Float64Values()
			lo, hi := minMax(v)
			if lo < -bound || hi > bound {
				t.Errorf("%s %s: values in [%g, %g], outside ±%g", a.Model, p.Name, lo, hi, bound)
			}
			if len(v) >= 100 && (hi < 0.8*bound || lo > -0.8*bound) {
				t.Errorf("%s %s: values in [%g, %g] do not fill ±%g", a.Model, p.Name, lo, hi, bound)
			}
		}
	}
}

func TestFreezeAllButLastTrainsOnlyTheHead(t *testing.T) {
	pin(t)
	for _, layers := range []string{"last", "all"} {
		vs, net := newNet(t, Arch{Model: "cnn", Classes: 26}, 3)
		params := Params(vs)
		if layers == "last" {
			var err error
			if params, err = FreezeAllBut(vs, "fc3."); err != nil {
				t.Fatal(err)
			}
			if len(params) != 2 || len(Trainable(vs)) != 2 {
				t.Fatalf("last: %d trainable params, want fc3.weight and fc3.bias", len(params))
			}
		}
		before := snapshot(vs)
		opt, err := NewAdam(params, 1e-3)
		if err != nil {
			t.Fatal(err)
		}
		x := ts.MustRand([]int64{8, 1, 28, 28}, gotch.Float, gotch.CPU)
		y := ts.MustRandint(26, []int64{8}, gotch.Int64, gotch.CPU)
		logits := net.ForwardT(x, true)
		loss := logits.CrossEntropyForLogits(y)
		if err := opt.Step(loss); err != nil {
			t.Fatal(err)
		}
		opt.Drop()
		for name, after := range snapshot(vs) {
			changed := !equalF(before[name], after)
			head := strings.HasPrefix(name, "fc3.")
			switch {
			case layers == "last" && head && !changed:
				t.Errorf("last: head tensor %s did not change", name)
			case layers == "last" && !head && changed:
				t.Errorf("last: frozen tensor %s changed", name)
			case layers == "all" && !changed:
				t.Errorf("all: tensor %s did not change", name)
			}
		}
	}
}

func TestCheckpointRoundTripGivesIdenticalLogits(t *testing.T) {
	pin(t)
	dir := t.TempDir()
	pt := filepath.Join(dir, "net.pt")
	a := Arch{Model: "cnn", Classes: 10}
	vs, net := newNet(t, a, 11)
	if err := SaveCheckpoint(vs, pt, Sidecar{Arch: a, Classes: digits(), Dataset: "mnist", Seed: 11}); err != nil {
		t.Fatal(err)
	}
	sc, err := ReadSidecar(pt)
	if err != nil {
		t.Fatal(err)
	}
	if sha, _ := FileSHA256(pt); sc.SHA256 != sha || len(sc.Tensors) != 16 {
		t.Errorf("sidecar sha %s (file %s), %d tensors", sc.SHA256, sha, len(sc.Tensors))
	}
	vs2, net2 := newNet(t, sc.Arch, 99) // different init, then loaded
	if err := LoadWeights(vs2, pt); err != nil {
		t.Fatal(err)
	}
	x := ts.MustRand([]int64{4, 1, 28, 28}, gotch.Float, gotch.CPU)
	var a1, a2 []float64
	ts.NoGrad(func() {
		a1 = net.ForwardT(x, false).Float64Values()
		a2 = net2.ForwardT(x, false).Float64Values()
	})
	if !equalF(a1, a2) {
		t.Errorf("logits differ after a round trip")
	}
	for _, f := range []string{"net.pt", "net.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp"))
	if len(left) > 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}

func TestLoadWeightsNamesTheOffendingTensor(t *testing.T) {
	pin(t)
	dir := t.TempDir()
	cnn := filepath.Join(dir, "cnn.pt")
	vs, _ := newNet(t, Arch{Model: "cnn", Classes: 10}, 1)
	if err := SaveCheckpoint(vs, cnn, Sidecar{Arch: Arch{Model: "cnn", Classes: 10}, Classes: digits()}); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pt")
	os.WriteFile(garbage, []byte("this is not a checkpoint"), 0o644)
	empty := filepath.Join(dir, "empty.pt")
	os.WriteFile(empty, nil, 0o644)
	trunc := filepath.Join(dir, "trunc.pt")
	b, _ := os.ReadFile(cnn)
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	flipped := filepath.Join(dir, "flipped.pt")
	f := append([]byte(nil), b...)
	f[len(f)/2] ^= 0x40 // one bit in a weight: only the CRC-32 can tell
	os.WriteFile(flipped, f, 0o644)
	torn := filepath.Join(dir, "torn.pt") // a new .pt beside the sidecar of another
	vs2, _ := newNet(t, Arch{Model: "cnn", Classes: 10}, 3)
	if err := SaveCheckpoint(vs2, torn, Sidecar{Arch: Arch{Model: "cnn", Classes: 10}, Classes: digits()}); err != nil {
		t.Fatal(err)
	}
	sidecar, _ := os.ReadFile(SidecarPath(cnn))
	os.WriteFile(SidecarPath(torn), sidecar, 0o644)

	cases := []struct {
		arch Arch
		file string
		skip []string
		want string
	}{
		{Arch{Model: "cnn", Classes: 26}, cnn, nil, "has shape [10], the network needs [26]"}, // head shape mismatch
		{Arch{Model: "cnn", Classes: 26}, cnn, []string{"fc3."}, ""},                          // replaced head: fine
		{Arch{Model: "ffn", Hidden: []int{16}, Classes: 10}, cnn, nil, "conv"},                // wrong architecture
		{Arch{Model: "cnn", Classes: 10}, garbage, nil, "not a PyTorch checkpoint"},
		{Arch{Model: "cnn", Classes: 10}, empty, nil, "not a PyTorch checkpoint"},
		{Arch{Model: "cnn", Classes: 10}, trunc, nil, "trunc.pt is not a readable PyTorch checkpoint"},
		{Arch{Model: "cnn", Classes: 10}, flipped, nil, "checksum"},
		{Arch{Model: "cnn", Classes: 10}, torn, nil, "does not match its sidecar"},
		{Arch{Model: "cnn", Classes: 10}, filepath.Join(dir, "missing.pt"), nil, "no such file"},
	}
	for _, c := range cases {
		vs, _ := newNet(t, c.arch, 2)
		err := LoadWeights(vs, c.file, c.skip...)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s into %+v: %v", filepath.Base(c.file), c.arch, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s into %+v: got %v, want an error containing %q", filepath.Base(c.file), c.arch, err, c.want)
		}
	}
}

func snapshot(vs *nn.VarStore) map[string][]float64 {
	out := map[string][]float64{}
	for _, p := range Params(vs) {
		out[p.Name] = p.Tensor.Float64Values()
	}
	return out
}

func digits() []string {
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalF(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Each optimizer's state survives a round trip: an optimizer restored
// from another's state takes exactly the same next step. (Without its
// state, Adam and AdamW would restart their moments and step count and SGD
// its momentum buffer, and the step would differ.)
func TestOptimStateRoundTripGivesTheSameNextStep(t *testing.T) {
	pin(t)
	x := ts.MustRand([]int64{8, 1, 28, 28}, gotch.Float, gotch.CPU)
	y := ts.MustRandint(10, []int64{8}, gotch.Int64, gotch.CPU)
	step := func(t *testing.T, net Net, opt *Optimizer) {
		loss := net.ForwardT(x, true).CrossEntropyForLogits(y)
		if err := opt.Step(loss); err != nil {
			t.Fatal(err)
		}
	}
	a := Arch{Model: "cnn", Classes: 10}
	for _, cfg := range []OptimConfig{
		{Kind: OptimAdam, LR: 1e-3},
		{Kind: OptimAdamW, LR: 1e-3, WeightDecay: 0.05},
		{Kind: OptimSGD, LR: 1e-2, WeightDecay: 1e-3},
	} {
		t.Run(cfg.Kind, func(t *testing.T) {
			pin(t) // a subtest is a goroutine of its own: grad mode is per OS thread
			vs1, net1 := newNet(t, a, 5)
			opt1, err := NewOptimizer(Params(vs1), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer opt1.Drop()
			step(t, net1, opt1)
			step(t, net1, opt1)
			state, err := opt1.State()
			if err != nil || len(state) != 16 {
				t.Fatalf("state: %v, %d entries", err, len(state))
			}
			st := state["fc3.weight"]
			if cfg.Kind == OptimSGD && (st.MomentumBuffer == nil || st.ExpAvg != nil) {
				t.Fatalf("SGD state of fc3.weight: %+v, want a momentum buffer only", st)
			}
			if cfg.Kind != OptimSGD && (st.Step != 2 || st.ExpAvg == nil || st.MomentumBuffer != nil) {
				t.Fatalf("%s state of fc3.weight: step %d, %+v; want step 2 and moments", cfg.Kind, st.Step, st)
			}
			// A second network with the first's weights and optimizer state.
			vs2, net2 := newNet(t, a, 6)
			dir := t.TempDir()
			if err := SaveCheckpoint(vs1, filepath.Join(dir, "w.pt"), Sidecar{Arch: a, Classes: digits()}); err != nil {
				t.Fatal(err)
			}
			if err := LoadWeights(vs2, filepath.Join(dir, "w.pt")); err != nil {
				t.Fatal(err)
			}
			opt2, _ := NewOptimizer(Params(vs2), cfg)
			defer opt2.Drop()
			if err := opt2.SetState(state); err != nil {
				t.Fatal(err)
			}
			for _, s := range state {
				s.Drop()
			}
			step(t, net1, opt1)
			step(t, net2, opt2)
			s1, s2 := snapshot(vs1), snapshot(vs2)
			for name := range s1 {
				if !equalF(s1[name], s2[name]) {
					t.Errorf("%s differs after the restored optimizer's step", name)
				}
			}
			fresh, _ := NewOptimizer(Params(vs2), cfg)
			defer fresh.Drop()
			if err := fresh.SetState(map[string]OptimState{}); err == nil {
				t.Error("an empty state was accepted")
			}
		})
	}
}

// The C++ extension reads and writes each optimizer's state through its
// own type, and refuses an optimizer of another kind instead of casting
// its state to the wrong type (undefined behaviour).
func TestOptimStateRefusesAnotherOptimizer(t *testing.T) {
	pin(t)
	vs, net := newNet(t, Arch{Model: "ffn", Hidden: []int{4}, Classes: 3}, 1)
	opt, err := NewOptimizer(Params(vs), OptimConfig{Kind: OptimAdamW, LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	x := ts.MustRand([]int64{2, 784}, gotch.Float, gotch.CPU)
	y := ts.MustRandint(3, []int64{2}, gotch.Int64, gotch.CPU)
	if err := opt.Step(net.ForwardT(x, true).CrossEntropyForLogits(y)); err != nil {
		t.Fatal(err)
	}
	opt.kind = OptimSGD // an AdamW read as SGD
	if _, err := opt.State(); err == nil || !strings.Contains(err.Error(), "not SGD") {
		t.Errorf("an AdamW optimizer's state read as SGD's: %v", err)
	}
	if _, err := NewOptimizer(Params(vs), OptimConfig{Kind: "rmsprop", LR: 1e-3}); err == nil {
		t.Error("an unknown optimizer was built")
	}
}

// Label smoothing as torch.nn.CrossEntropyLoss(label_smoothing=eps):
// (1-eps)*NLL + eps*mean over classes of -log p, against the sum worked
// out by hand on a batch of two; eps 0 is the plain cross-entropy.
func TestCrossEntropySmoothedAgainstAHandComputation(t *testing.T) {
	logits := [][]float64{{2, 0, -1}, {0.5, 0.5, 3}}
	targets := []int64{0, 1}
	const eps = 0.1
	var want, plain float64
	for i, row := range logits {
		var z float64
		for _, v := range row {
			z += math.Exp(v)
		}
		logp := make([]float64, len(row))
		var meanNeg float64
		for c, v := range row {
			logp[c] = v - math.Log(z)
			meanNeg -= logp[c] / float64(len(row))
		}
		want += ((1-eps)*-logp[targets[i]] + eps*meanNeg) / float64(len(logits))
		plain += -logp[targets[i]] / float64(len(logits))
	}
	lt := ts.MustOfSlice([]float64{2, 0, -1, 0.5, 0.5, 3}).MustView([]int64{2, 3}, true)
	defer lt.MustDrop()
	yt := ts.MustOfSlice(targets)
	defer yt.MustDrop()
	for _, c := range []struct {
		eps, want float64
	}{{eps, want}, {0, plain}} {
		loss, err := CrossEntropySmoothed(lt, yt, c.eps)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Float(loss)
		loss.MustDrop()
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("eps %v: loss %.15f, want %.15f", c.eps, got, c.want)
		}
	}
	if math.Abs(want-plain) < 1e-3 {
		t.Fatal("the smoothed and plain losses should differ on this batch")
	}
	for _, bad := range []float64{1, 1.5, -0.1, math.NaN()} {
		if _, err := CrossEntropySmoothed(lt, yt, bad); err == nil {
			t.Errorf("label smoothing %v accepted", bad)
		}
	}
}

// A restored state is placed as its parameter is: a resume point is read
// on the CPU in whatever dtype the file holds, and the run's parameters
// may be on a GPU. On a CPU the dtype shows it: float64 moments become
// the float32 parameter's (they stayed float64 before).
func TestOptimStateIsPlacedAsItsParameter(t *testing.T) {
	pin(t)
	vs, _ := newNet(t, Arch{Model: "ffn", Hidden: []int{4}, Classes: 3}, 1)
	opt, err := NewAdam(Params(vs), 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	state := map[string]OptimState{}
	for _, p := range Params(vs) {
		m := ts.MustZeros(p.Tensor.MustSize(), gotch.Double, gotch.CPU)
		v := ts.MustOnes(p.Tensor.MustSize(), gotch.Double, gotch.CPU)
		defer m.MustDrop()
		defer v.MustDrop()
		state[p.Name] = OptimState{Step: 3, ExpAvg: m, ExpAvgSq: v}
	}
	if err := opt.SetState(state); err != nil {
		t.Fatal(err)
	}
	got, err := opt.State()
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range got {
		if st.ExpAvg.DType() != gotch.Float || st.ExpAvgSq.DType() != gotch.Float || st.ExpAvg.MustDevice().IsCuda() || st.Step != 3 {
			t.Errorf("%s: state %v/%v on %v, step %d; want float32 on the parameter's device, step 3", name, st.ExpAvg.DType(), st.ExpAvgSq.DType(), st.ExpAvg.MustDevice(), st.Step)
		}
		st.ExpAvg.MustDrop()
		st.ExpAvgSq.MustDrop()
	}
}
