package model

import (
	"fmt"
	"math"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// The optimizers a run can train with.
const (
	OptimAdam  = "adam"  // torch.optim.Adam, betas 0.9/0.999, eps 1e-8; weight decay as an L2 term in the gradient
	OptimAdamW = "adamw" // torch.optim.AdamW, the same betas and eps; decoupled weight decay
	OptimSGD   = "sgd"   // torch.optim.SGD with momentum 0.9 (no dampening, not Nesterov)
)

// Optimizers lists the optimizers by name, for flags and errors.
var Optimizers = []string{OptimAdam, OptimAdamW, OptimSGD}

// SGDMomentum is the momentum of OptimSGD.
const SGDMomentum = 0.9

// OptimConfig says which optimizer to build: its kind (OptimAdam when
// empty), learning rate and weight decay.
type OptimConfig struct {
	Kind        string
	LR          float64
	WeightDecay float64
}

// Optimizer is a libtorch optimizer over an explicit parameter list.
// gotch's nn.Optimizer adds every VarStore variable it considers
// trainable, frozen ones included; this one holds exactly the parameters
// it is given, as the seed's `Adam(filter(lambda p: p.requires_grad,
// ...))` does. They start in one parameter group; AddGroup adds more, each
// at its own multiple of the rate (discriminative learning rates), as
// torch.optim's add_param_group does.
type Optimizer struct {
	c      *ts.COptimizer
	kind   string
	groups []ParamGroup // libtorch's param_groups, in order
	lr     float64      // the first group's rate for the next step (SetLR)
}

// ParamGroup is one of an optimizer's parameter groups: its name (a
// layer, for the record), its rate as a multiple of the first group's,
// and its parameters.
type ParamGroup struct {
	Name   string
	Mult   float64
	Params []Param
}

// NewAdam builds Adam over params with learning rate lr (the seed's
// optimizer).
func NewAdam(params []Param, lr float64) (*Optimizer, error) {
	return NewOptimizer(params, OptimConfig{Kind: OptimAdam, LR: lr})
}

// NewOptimizer builds the optimizer cfg names over params.
func NewOptimizer(params []Param, cfg OptimConfig) (*Optimizer, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("no trainable parameters for the optimizer")
	}
	kind := cfg.Kind
	if kind == "" {
		kind = OptimAdam
	}
	var c *ts.COptimizer
	var err error
	switch kind {
	case OptimAdam:
		c, err = ts.Adam(cfg.LR, 0.9, 0.999, cfg.WeightDecay)
	case OptimAdamW:
		c, err = ts.AdamW(cfg.LR, 0.9, 0.999, cfg.WeightDecay)
	case OptimSGD:
		c, err = ts.Sgd(cfg.LR, SGDMomentum, 0, cfg.WeightDecay, false)
	default:
		return nil, fmt.Errorf("unknown optimizer %q: choose adam, adamw or sgd", kind)
	}
	if err != nil {
		return nil, err
	}
	o := &Optimizer{c: c, kind: kind, lr: cfg.LR}
	if err := o.addParams(0, params); err != nil {
		c.Drop()
		return nil, err
	}
	o.groups = []ParamGroup{{Mult: 1, Params: params}}
	return o, nil
}

// addParams adds params to libtorch's parameter group g (a new one when g
// is the group count: libtorch clones the optimizer's defaults for it).
func (o *Optimizer) addParams(g int, params []Param) error {
	for _, p := range params {
		if err := o.c.AddParameter(p.Tensor, uint(g)); err != nil {
			return fmt.Errorf("add %s to %s: %w", p.Name, o.kind, err)
		}
	}
	return nil
}

// NameFirstGroup names the group the optimizer was built with (for the
// record: "fc3" when it holds the head).
func (o *Optimizer) NameFirstGroup(name string) { o.groups[0].Name = name }

// AddGroup adds g as a new parameter group whose rate is g.Mult times the
// first group's, now and under every later SetLR. The state of the
// parameters already held (Adam's moments and steps) is kept: libtorch
// files it by parameter, not by group.
func (o *Optimizer) AddGroup(g ParamGroup) error {
	if len(g.Params) == 0 {
		return fmt.Errorf("parameter group %s has no parameters", g.Name)
	}
	if !(g.Mult > 0) || math.IsInf(g.Mult, 0) {
		return fmt.Errorf("parameter group %s: rate multiplier %v: give a positive number", g.Name, g.Mult)
	}
	if err := o.addParams(len(o.groups), g.Params); err != nil {
		return err
	}
	o.groups = append(o.groups, g)
	return o.SetLR(o.lr)
}

// Kind is the optimizer's name (OptimAdam, ...).
func (o *Optimizer) Kind() string { return o.kind }

// Step zeroes the gradients, back-propagates loss and updates the
// parameters.
func (o *Optimizer) Step(loss *ts.Tensor) error {
	if err := o.c.ZeroGrad(); err != nil {
		return err
	}
	if err := loss.Backward(); err != nil {
		return err
	}
	return o.c.Step()
}

// SetLR sets the first group's learning rate for the steps that follow
// (a schedule), and every other group's to its multiple of it.
func (o *Optimizer) SetLR(lr float64) error {
	if len(o.groups) == 1 {
		if err := o.c.SetLearningRate(lr); err != nil { // one group: as before groups existed
			return err
		}
	} else if err := o.c.SetLearningRates(groupRates(lr, o.groups)); err != nil {
		return err
	}
	o.lr = lr
	return nil
}

// groupRates is each group's rate when the first group's is lr.
func groupRates(lr float64, groups []ParamGroup) []float64 {
	out := make([]float64, len(groups))
	for i, g := range groups {
		out[i] = lr * g.Mult
	}
	return out
}

// LRs is the learning rate of each parameter group, as last set, in the
// order of Groups. (gotch's GetLearningRates reads them through a
// zero-sized C buffer, so they are kept here.)
func (o *Optimizer) LRs() []float64 { return groupRates(o.lr, o.groups) }

// GroupNames names the parameter groups, in order.
func (o *Optimizer) GroupNames() []string {
	out := make([]string, len(o.groups))
	for i, g := range o.groups {
		out[i] = g.Name
	}
	return out
}

// Params lists every parameter the optimizer holds, group by group.
func (o *Optimizer) Params() []Param {
	var out []Param
	for _, g := range o.groups {
		out = append(out, g.Params...)
	}
	return out
}

// Drop frees the optimizer's libtorch state.
func (o *Optimizer) Drop() { o.c.Drop() }

// OptimState is an optimizer's state for one parameter: Adam's and
// AdamW's step count and moment estimates, or SGD's momentum buffer.
type OptimState struct {
	Step             int64
	ExpAvg, ExpAvgSq *ts.Tensor // adam, adamw
	MomentumBuffer   *ts.Tensor // sgd
}

// Drop frees the state's tensors.
func (s OptimState) Drop() {
	for _, t := range []*ts.Tensor{s.ExpAvg, s.ExpAvgSq, s.MomentumBuffer} {
		if t != nil {
			t.MustDrop()
		}
	}
}

// coptimizer is the libtorch optimizer behind gotch's COptimizer, whose
// only field is that pointer (gotch v0.9.1 exports no accessor).
func (o *Optimizer) coptimizer() unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(o.c))
}

// State returns copies of the optimizer's state by parameter name; a
// parameter that has taken no step yet is absent. Each optimizer's state
// is read through its own C++ type (the extension checks which optimizer
// it is given).
func (o *Optimizer) State() (map[string]OptimState, error) {
	out := map[string]OptimState{}
	for _, p := range o.Params() {
		var st OptimState
		var ok bool
		var err error
		switch o.kind {
		case OptimAdam, OptimAdamW:
			get := lib.TransferlabAdamGetState
			if o.kind == OptimAdamW {
				get = lib.TransferlabAdamWGetState
			}
			var m, v lib.Ctensor
			st.Step, m, v, ok, err = get(o.coptimizer(), p.Tensor.Ctensor())
			if ok {
				st.ExpAvg, st.ExpAvgSq = ts.New(m), ts.New(v)
			}
		case OptimSGD:
			var b lib.Ctensor
			b, ok, err = lib.TransferlabSGDGetState(o.coptimizer(), p.Tensor.Ctensor())
			if ok {
				st.MomentumBuffer = ts.New(b)
			}
		}
		if err != nil {
			for _, s := range out {
				s.Drop()
			}
			return nil, fmt.Errorf("read %s state of %s: %w", o.kind, p.Name, err)
		}
		if ok {
			out[p.Name] = st
		}
	}
	return out, nil
}

// SetState restores state saved by State. Every parameter of the
// optimizer must be present, with the tensors its kind keeps.
func (o *Optimizer) SetState(state map[string]OptimState) error {
	for _, p := range o.Params() {
		st, ok := state[p.Name]
		if !ok {
			return fmt.Errorf("the saved optimizer state has nothing for %s", p.Name)
		}
		var err error
		switch o.kind {
		case OptimAdam, OptimAdamW:
			if st.ExpAvg == nil || st.ExpAvgSq == nil {
				return fmt.Errorf("the saved optimizer state of %s has no %s moments", p.Name, o.kind)
			}
			set := lib.TransferlabAdamSetState
			if o.kind == OptimAdamW {
				set = lib.TransferlabAdamWSetState
			}
			err = set(o.coptimizer(), p.Tensor.Ctensor(), st.Step, st.ExpAvg.Ctensor(), st.ExpAvgSq.Ctensor())
		case OptimSGD:
			if st.MomentumBuffer == nil {
				return fmt.Errorf("the saved optimizer state of %s has no momentum buffer", p.Name)
			}
			err = lib.TransferlabSGDSetState(o.coptimizer(), p.Tensor.Ctensor(), st.MomentumBuffer.Ctensor())
		}
		if err != nil {
			return fmt.Errorf("restore %s state of %s: %w", o.kind, p.Name, err)
		}
	}
	return nil
}
