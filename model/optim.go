package model

import (
	"fmt"

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
