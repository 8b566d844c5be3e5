package model

import (
	"sort"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// Param is one named parameter of a VarStore.
type Param struct {
	Name   string
	Tensor *ts.Tensor
}

// Params lists vs's parameters sorted by name, so every walk over them
// (optimizer order, checkpoints, tests) is deterministic.
func Params(vs *nn.VarStore) []Param {
	vars := vs.Variables()
	out := make([]Param, 0, len(vars))
	for name, t := range vars {
		t := t
		out = append(out, Param{Name: name, Tensor: &t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FreezeAllBut sets requires_grad false on every parameter whose name does
// not start with one of keep, as the seed's "last" configuration does, and
// returns the parameters left trainable. Build the optimizer over those
// only. Buffers (batch norm statistics) never train.
func FreezeAllBut(vs *nn.VarStore, keep ...string) ([]Param, error) {
	var trainable []Param
	for _, p := range Params(vs) {
		if IsBuffer(p.Name) {
			continue
		}
		train := false
		for _, k := range keep {
			if strings.HasPrefix(p.Name, k) {
				train = true
			}
		}
		if err := p.Tensor.RequiresGrad_(train); err != nil {
			return nil, err
		}
		if train {
			trainable = append(trainable, p)
		}
	}
	return trainable, nil
}

// Trainable lists the parameters that require grad.
func Trainable(vs *nn.VarStore) []Param {
	var out []Param
	for _, p := range Params(vs) {
		if !IsBuffer(p.Name) && p.Tensor.MustRequiresGrad() {
			out = append(out, p)
		}
	}
	return out
}
