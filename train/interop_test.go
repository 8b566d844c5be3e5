package train

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/internal/pyref"
	"transferlab/model"
)

type pyResult struct {
	Accuracy float64   `json:"accuracy"`
	Pred     []int64   `json:"pred"`
	Logits   []float64 `json:"logits"`
}

func runPython(t *testing.T, py string, args ...string) pyResult {
	t.Helper()
	out, err := exec.Command(py, append([]string{"testdata/interop.py"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("interop.py %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var r pyResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("interop.py output %q: %v", out, err)
	}
	return r
}

// Checkpoints move both ways between transferlab and PyTorch: a transferlab
// checkpoint loads into the seed's Network with strict=True, and a plain
// torch.save state_dict loads here; both evaluate to the same accuracy on
// the same images.
func TestPyTorchInterop(t *testing.T) {
	pin(t)
	py := pyref.Python(t, "torch")
	dir := t.TempDir()

	test, err := data.Load(context.Background(), "mnist", "test", data.Options{DataDir: os.Getenv("TRANSFERLAB_DATA")})
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 1000)
	for i := range idx {
		idx[i] = i
	}
	if test, err = test.Subset(idx); err != nil {
		t.Fatal(err)
	}
	images, labels := filepath.Join(dir, "images.raw"), filepath.Join(dir, "labels.raw")
	lb := make([]byte, test.Len())
	for i, l := range test.Labels {
		lb[i] = byte(l)
	}
	if err := os.WriteFile(images, test.Pixels, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(labels, lb, 0o644); err != nil {
		t.Fatal(err)
	}
	x, y, err := test.Tensors(gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	evalHere := func(file string) (evaluation, []float64) {
		vs := nn.NewVarStore(gotch.CPU)
		defer vs.Destroy()
		net, _ := model.Build(vs.Root(), model.Arch{Model: "cnn", Classes: 10})
		if err := model.LoadWeights(vs, file); err != nil {
			t.Fatal(err)
		}
		ev, err := evaluate(context.Background(), net, x, y, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		var logits []float64
		ts.NoGrad(func() { logits = net.ForwardT(x, false).Float64Values(true) })
		return ev, logits
	}
	compare := func(what string, here evaluation, logits []float64, there pyResult) {
		worst := 0.0
		for i := range logits {
			worst = math.Max(worst, math.Abs(logits[i]-there.Logits[i]))
		}
		t.Logf("%s: largest logit difference %.2g", what, worst)
		if len(logits) != len(there.Logits) || worst > 1e-3 {
			t.Errorf("%s: logits differ by up to %g (%d here, %d in PyTorch)", what, worst, len(logits), len(there.Logits))
		}
		t.Logf("%s: accuracy here %.2f%%, PyTorch %.2f%%", what, here.Accuracy, there.Accuracy)
		if d := here.Accuracy - there.Accuracy; d > 0.01 || d < -0.01 {
			t.Errorf("%s: accuracy here %.4f%%, in PyTorch %.4f%%", what, here.Accuracy, there.Accuracy)
		}
		same := 0
		for i := range here.Pred {
			if i < len(there.Pred) && here.Pred[i] == there.Pred[i] {
				same++
			}
		}
		if same != len(here.Pred) {
			t.Errorf("%s: %d of %d predictions agree", what, same, len(here.Pred))
		}
	}

	// (a) a briefly trained transferlab checkpoint, evaluated in PyTorch.
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.PretrainedDir, o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = dir, 2000, 1, 32, 100
	if _, err := Run(context.Background(), r, o); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "mnist-cnn.pt")
	here, logits := evalHere(ckpt)
	if here.Accuracy < 30 {
		t.Fatalf("the trained network only reaches %.2f%%: too little to compare", here.Accuracy)
	}
	compare("transferlab -> PyTorch", here, logits, runPython(t, py, "eval", ckpt, images, labels))

	// (b) a torch.save(state_dict) file, evaluated here.
	saved := filepath.Join(dir, "torch.pt")
	there := runPython(t, py, "save", saved, images, labels)
	here, logits = evalHere(saved)
	compare("PyTorch -> transferlab", here, logits, there)

	// (c) torch.save files with content transferlab cannot use: an error
	// naming the file, never a crash.
	odd := filepath.Join(dir, "odd")
	runPython(t, py, "odd", odd, images, labels)
	for _, f := range []string{odd + ".dict.pt", odd + ".module.pt", odd + ".shape.pt"} {
		vs := nn.NewVarStore(gotch.CPU)
		if _, err := model.Build(vs.Root(), model.Arch{Model: "cnn", Classes: 10}); err != nil {
			t.Fatal(err)
		}
		err := model.LoadWeights(vs, f)
		vs.Destroy()
		if err == nil || !strings.Contains(err.Error(), filepath.Base(f)) {
			t.Errorf("%s: got %v, want an error naming the file", filepath.Base(f), err)
		}
	}
}
