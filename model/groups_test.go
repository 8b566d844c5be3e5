package model

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// A parameter group added to an optimizer trains at its own multiple of
// the first group's rate, under every later SetLR, and the parameters the
// optimizer already held keep their state: SGD's momentum (0.9) makes the
// second step of a parameter 1.9 times its first, where a reset buffer
// would make it 1.0 times.
func TestAddedGroupTrainsAtItsRateAndKeepsTheOthersState(t *testing.T) {
	pin(t)
	leaf := func(name string) Param {
		x := ts.MustZeros([]int64{3}, gotch.Float, gotch.CPU)
		if err := x.RequiresGrad_(true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.MustDrop() })
		return Param{Name: name, Tensor: x}
	}
	head, body := leaf("fc3.weight"), leaf("conv1.weight")
	opt, err := NewOptimizer([]Param{head}, OptimConfig{Kind: OptimSGD, LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Drop()
	opt.NameFirstGroup("fc3")
	// d(sum a + sum b)/dp = 1 for every element: each step moves a
	// parameter by its group's rate times its momentum buffer.
	step := func() {
		t.Helper()
		loss := head.Tensor.MustSum(gotch.Float, false).MustAdd(body.Tensor.MustSum(gotch.Float, false), true)
		defer loss.MustDrop()
		if err := opt.Step(loss); err != nil {
			t.Fatal(err)
		}
	}
	value := func(p Param) float64 { return p.Tensor.Float64Values()[0] }
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: %.7f, want %.7f", what, got, want)
		}
	}

	step()
	near("head after its first step", value(head), -0.1)
	near("frozen body, not in the optimizer", value(body), 0)
	if err := opt.AddGroup(ParamGroup{Name: "conv1", Mult: 0.01, Params: []Param{body}}); err != nil {
		t.Fatal(err)
	}
	if lrs := opt.LRs(); len(lrs) != 2 || lrs[0] != 0.1 || math.Abs(lrs[1]-0.001) > 1e-15 {
		t.Errorf("rates %v, want [0.1 0.001]", lrs)
	}
	if names := opt.GroupNames(); len(names) != 2 || names[0] != "fc3" || names[1] != "conv1" {
		t.Errorf("group names %v", names)
	}
	step()
	near("head's second step (momentum kept)", value(head), -0.1-0.19)
	near("body's first step at 0.01 times the rate", value(body), -0.001)
	if err := opt.SetLR(1); err != nil {
		t.Fatal(err)
	}
	step()
	near("body at 0.01 times a new rate", value(body), -0.001-0.019)
	near("head at the new rate", value(head), -0.29-2.71)
	if err := opt.AddGroup(ParamGroup{Name: "conv2", Mult: -1, Params: []Param{leaf("conv2.weight")}}); err == nil {
		t.Error("a negative multiplier was accepted")
	}
}
