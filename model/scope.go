package model

import "github.com/sugarme/gotch/ts"

// Scope collects the intermediate tensors of one computation and frees
// them together, so a forward pass does not wait for Go's garbage collector
// to release libtorch memory (resident memory stays flat across epochs).
type Scope struct{ tensors []*ts.Tensor }

// NewScope returns an empty scope.
func NewScope() *Scope { return &Scope{} }

// T records t for freeing and returns it, for use inside an expression.
func (s *Scope) T(t *ts.Tensor) *ts.Tensor {
	s.tensors = append(s.tensors, t)
	return t
}

// Drop frees every recorded tensor once.
func (s *Scope) Drop() {
	for _, t := range s.tensors {
		if t != nil {
			_ = t.Drop()
		}
	}
	s.tensors = nil
}
