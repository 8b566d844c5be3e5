package model

import (
	"fmt"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// Adam is torch.optim.Adam (betas 0.9/0.999, eps 1e-8, no weight decay)
// over an explicit parameter list. gotch's nn.Optimizer adds every
// VarStore variable it considers trainable, frozen ones included; this
// one holds exactly the parameters it is given, as the seed's
// `Adam(filter(lambda p: p.requires_grad, ...))` does.
type Adam struct {
	c      *ts.COptimizer
	params []Param
}

// NewAdam builds Adam over params with learning rate lr.
func NewAdam(params []Param, lr float64) (*Adam, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("no trainable parameters for the optimizer")
	}
	c, err := ts.Adam(lr, 0.9, 0.999, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range params {
		if err := c.AddParameter(p.Tensor, 0); err != nil {
			c.Drop()
			return nil, fmt.Errorf("add %s to Adam: %w", p.Name, err)
		}
	}
	return &Adam{c: c, params: params}, nil
}

// Step zeroes the gradients, back-propagates loss and updates the
// parameters.
func (a *Adam) Step(loss *ts.Tensor) error {
	if err := a.c.ZeroGrad(); err != nil {
		return err
	}
	if err := loss.Backward(); err != nil {
		return err
	}
	return a.c.Step()
}

// Drop frees the optimizer's libtorch state.
func (a *Adam) Drop() { a.c.Drop() }

// AdamState is Adam's state for one parameter: its step count and moment
// estimates.
type AdamState struct {
	Step             int64
	ExpAvg, ExpAvgSq *ts.Tensor
}

// coptimizer is the libtorch optimizer behind gotch's COptimizer, whose
// only field is that pointer (gotch v0.9.1 exports no accessor).
func (a *Adam) coptimizer() unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(a.c))
}

// State returns copies of the optimizer's state by parameter name; a
// parameter that has taken no step yet is absent.
func (a *Adam) State() (map[string]AdamState, error) {
	out := map[string]AdamState{}
	for _, p := range a.params {
		step, m, v, ok, err := lib.TransferlabAdamGetState(a.coptimizer(), p.Tensor.Ctensor())
		if err != nil {
			return nil, fmt.Errorf("read Adam state of %s: %w", p.Name, err)
		}
		if ok {
			out[p.Name] = AdamState{Step: step, ExpAvg: ts.New(m), ExpAvgSq: ts.New(v)}
		}
	}
	return out, nil
}

// SetState restores state saved by State. Every parameter of the
// optimizer must be present.
func (a *Adam) SetState(state map[string]AdamState) error {
	for _, p := range a.params {
		st, ok := state[p.Name]
		if !ok {
			return fmt.Errorf("the saved optimizer state has nothing for %s", p.Name)
		}
		if err := lib.TransferlabAdamSetState(a.coptimizer(), p.Tensor.Ctensor(), st.Step, st.ExpAvg.Ctensor(), st.ExpAvgSq.Ctensor()); err != nil {
			return fmt.Errorf("restore Adam state of %s: %w", p.Name, err)
		}
	}
	return nil
}
