package model

import (
	"fmt"
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

// Optimizer is a libtorch optimizer over an explicit parameter list, in
// one parameter group. gotch's nn.Optimizer adds every VarStore variable
// it considers trainable, frozen ones included; this one holds exactly the
// parameters it is given, as the seed's
// `Adam(filter(lambda p: p.requires_grad, ...))` does.
type Optimizer struct {
	c      *ts.COptimizer
	kind   string
	params []Param
	lr     float64 // the rate the next step uses (SetLR)
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
	for _, p := range params {
		if err := c.AddParameter(p.Tensor, 0); err != nil {
			c.Drop()
			return nil, fmt.Errorf("add %s to %s: %w", p.Name, kind, err)
		}
	}
	return &Optimizer{c: c, kind: kind, params: params, lr: cfg.LR}, nil
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

// SetLR sets the learning rate of every parameter group for the steps
// that follow (a schedule).
func (o *Optimizer) SetLR(lr float64) error {
	if err := o.c.SetLearningRate(lr); err != nil {
		return err
	}
	o.lr = lr
	return nil
}

// LRs is the learning rate of each parameter group, as last set: one
// group, holding every trainable parameter. (gotch's GetLearningRates
// reads them through a zero-sized C buffer, so they are kept here.)
func (o *Optimizer) LRs() []float64 { return []float64{o.lr} }

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
	for _, p := range o.params {
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
	for _, p := range o.params {
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
