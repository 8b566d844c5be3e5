package train

import (
	"fmt"
	"math"
	"strings"

	"transferlab/model"
)

// Two-phase fine-tuning and discriminative learning rates, as fastai's
// fine_tune and Keras's transfer recipe: --freeze-epochs N trains the new
// head alone for N epochs, then adds the layers --layers names to the same
// optimizer, so the head keeps its Adam moments and step counts across the
// unfreeze. With --body-lr-mult M each trained layer below the head is a
// parameter group of its own, at a rate from M times the head's (the
// lowest trained layer) up to the head's, spread geometrically as fastai's
// slice(lr*M, lr) over layer groups. A schedule sets the head's rate at
// every step and every group follows at its multiple, so the schedule
// covers the groups added at the unfreeze too (pytorch #79888 is a
// scheduler that did not).

// grouped reports whether t trains in parameter groups: one per layer,
// the head first.
func (t Tuning) grouped() bool {
	t = t.normal()
	return t.FreezeEpochs > 0 || t.BodyLRMult > 0
}

// CheckGroups fails for two-phase or discriminative settings that r
// cannot have: they need a finetune of the CNN from pretrained weights
// with layers below its head to train, and a second phase. (For drops
// them from such a configuration among others.)
func (t Tuning) CheckGroups(r Recipe) error {
	if !t.grouped() {
		return nil
	}
	if r.Kind != "finetune" || r.Model != "cnn" {
		return fmt.Errorf("--freeze-epochs and --body-lr-mult apply to fine-tuning the CNN (finetune, transfer), not to a %s of the %s", r.Kind, r.Model)
	}
	if FirstTrainable(r.Layers) >= len(model.CNNLayers())-1 {
		return fmt.Errorf("--freeze-epochs and --body-lr-mult need layers below the head to train: give --layers all or from:LAYER (--layers last trains the head alone)")
	}
	if r.Source == "none" {
		return fmt.Errorf("--freeze-epochs and --body-lr-mult protect pretrained layers from a fresh head's first gradients: --from none has none (its layers start random)")
	}
	if t.FreezeEpochs >= r.Epochs {
		return fmt.Errorf("--freeze-epochs %d leaves no epoch to train the unfrozen layers in a %d-epoch run: give fewer than --epochs", t.FreezeEpochs, r.Epochs)
	}
	return nil
}

// For is t as it applies to r: a configuration that trains its head
// alone (--layers last) has no layer to unfreeze or to give a rate of its
// own, and one from scratch (--from none) no pretrained layer to protect
// from a fresh head's first gradients, so transfer, sweep and the study
// run them in one phase at one rate while the configurations beside them
// use two.
func (t Tuning) For(r Recipe) Tuning {
	if r.Kind != "finetune" || r.Source == "none" || FirstTrainable(r.Layers) >= len(model.CNNLayers())-1 {
		t.FreezeEpochs, t.BodyLRMult = 0, 0
	}
	return t
}

// lrGroupNames names the parameter groups of a run of r with t, in the
// optimizer's order (the head, then each trained layer from the lowest);
// nil for one group.
func lrGroupNames(r Recipe, t Tuning) []string {
	if !t.grouped() || r.Model != "cnn" {
		return nil
	}
	layers := model.CNNLayers()
	head := len(layers) - 1
	return append([]string{layers[head]}, layers[FirstTrainable(r.Layers):head]...)
}

// layerGroups splits the trained params into the head's group and one
// group per trained layer below it, lowest first, each at its multiple of
// the head's rate (bodyMult 0: all at the head's).
func layerGroups(params []model.Param, layerNames []string, bodyMult float64) (model.ParamGroup, []model.ParamGroup) {
	head := model.ParamGroup{Name: layerNames[0], Mult: 1}
	body := make([]model.ParamGroup, len(layerNames)-1)
	for i, name := range layerNames[1:] {
		body[i] = model.ParamGroup{Name: name, Mult: bodyRateMult(bodyMult, i, len(body))}
	}
	for _, p := range params {
		layer, _, _ := strings.Cut(p.Name, ".")
		if layer == head.Name {
			head.Params = append(head.Params, p)
			continue
		}
		for i := range body {
			if body[i].Name == layer {
				body[i].Params = append(body[i].Params, p)
			}
		}
	}
	return head, body
}

// bodyRateMult is the rate multiple of body layer i (0: the lowest) of n:
// mult at i = 0, rising geometrically towards 1, the head's, which would
// be i = n. mult 0 means one rate for all.
func bodyRateMult(mult float64, i, n int) float64 {
	if mult == 0 {
		return 1
	}
	return math.Pow(mult, float64(n-i)/float64(n))
}

// groupedOptimizer builds the run's optimizer in layer groups: the head
// alone while the body is frozen (the body's groups wait in j.pending,
// their parameters frozen), every group at once otherwise.
func (j *job) groupedOptimizer(cfg model.OptimConfig) (*model.Optimizer, error) {
	t := j.o.Tuning.normal()
	head, body := layerGroups(j.params, lrGroupNames(j.r, t), t.BodyLRMult)
	opt, err := model.NewOptimizer(head.Params, cfg)
	if err != nil {
		return nil, err
	}
	opt.NameFirstGroup(head.Name)
	if t.FreezeEpochs > 0 {
		j.pending = body
		return opt, setRequiresGrad(body, false)
	}
	for _, g := range body {
		if err := opt.AddGroup(g); err != nil {
			opt.Drop()
			return nil, err
		}
	}
	return opt, nil
}

// unfreezeBefore unfreezes the waiting body layers before epoch e when
// the head-only phase ends there: their parameters train from then on, in
// groups added to the optimizer that holds the head's state.
func (j *job) unfreezeBefore(e int) error {
	if len(j.pending) == 0 || e <= j.o.Tuning.FreezeEpochs {
		return nil
	}
	if err := setRequiresGrad(j.pending, true); err != nil {
		return err
	}
	var names []string
	for _, g := range j.pending {
		if err := j.opt.AddGroup(g); err != nil {
			return err
		}
		names = append(names, fmt.Sprintf("%s ×%.3g", g.Name, g.Mult))
	}
	j.pending = nil
	j.o.Log.Printf("%s: after the head-only epochs (%d): training %s too (rates as multiples of the head's)", j.r.Name, j.o.Tuning.FreezeEpochs, strings.Join(names, ", "))
	return nil
}

// setRequiresGrad sets requires_grad on every parameter of groups.
func setRequiresGrad(groups []model.ParamGroup, on bool) error {
	for _, g := range groups {
		for _, p := range g.Params {
			if err := p.Tensor.RequiresGrad_(on); err != nil {
				return err
			}
		}
	}
	return nil
}
