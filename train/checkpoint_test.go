package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"transferlab/data"
	"transferlab/model"
)

// A checkpoint loaded for evaluation runs in the layout measured fastest
// for evaluation (here forced by ChannelsLastEnv) and computes the same
// logits in either: eval, predict and embed get the faster layout for
// free.
func TestLoadNetworkUsesTheEvaluationLayout(t *testing.T) {
	pin(t)
	pt := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	sc, err := SidecarOrInferred(pt, "")
	if err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	test, err := data.Load(context.Background(), "mnist", data.SplitTest, quick(t).Data)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 128)
	for i := range idx {
		idx[i] = i
	}
	sample, err := test.Subset(idx)
	if err != nil {
		t.Fatal(err)
	}
	x, y, err := sample.Tensors(gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	defer x.MustDrop()
	defer y.MustDrop()
	logits := map[string][]float64{}
	for _, layout := range []string{"off", "on"} {
		t.Setenv(ChannelsLastEnv, layout)
		vs, net, err := LoadNetwork(pt, sc.Arch, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := net.(*model.CNN).ChannelsLast(); got != (layout == "on") {
			t.Errorf("%s=%s: channels_last %v", ChannelsLastEnv, layout, got)
		}
		out := net.ForwardT(x, false)
		logits[layout] = out.Float64Values()
		out.MustDrop()
		vs.Destroy()
	}
	for i, a := range logits["off"] {
		if d := a - logits["on"][i]; d > 1e-3 || d < -1e-3 {
			t.Fatalf("logit %d: %v in the standard layout, %v in channels_last", i, a, logits["on"][i])
		}
	}
}
