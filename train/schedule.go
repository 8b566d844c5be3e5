package train

import (
	"fmt"
	"math"
)

// The learning-rate schedules a run can follow, applied per step.
const (
	ScheduleConstant = "constant" // the recipe's rate throughout (the seed's), after an optional warmup
	ScheduleCosine   = "cosine"   // cosine annealing to 0 over the steps after the warmup (CosineAnnealingLR, eta_min 0)
	ScheduleOneCycle = "onecycle" // PyTorch's OneCycleLR with its defaults, max_lr the recipe's rate
)

// Schedules lists the schedules by name, for flags and errors.
var Schedules = []string{ScheduleConstant, ScheduleCosine, ScheduleOneCycle}

// OneCycleLR's defaults (torch.optim.lr_scheduler.OneCycleLR): the share
// of the steps spent rising, the starting rate as max_lr/divFactor and the
// final one as that divided again by finalDivFactor, cosine annealing.
const (
	oneCyclePctStart       = 0.3
	oneCycleDivFactor      = 25
	oneCycleFinalDivFactor = 1e4
)

// schedule is the learning rate of every optimization step of a run:
// total steps (epochs times batches per epoch; an early stop leaves the
// rest untaken), of which the first warmup rise linearly.
type schedule struct {
	kind   string
	base   float64 // the recipe's learning rate (OneCycleLR's max_lr)
	total  int
	warmup int
}

// newSchedule plans kind over epochs of batches steps each, with
// warmupEpochs (may be fractional) of linear warmup: round(warmupEpochs *
// batches) steps, at most all of them.
func newSchedule(kind string, base float64, epochs, batches int, warmupEpochs float64) (schedule, error) {
	if kind == "" {
		kind = ScheduleConstant
	}
	switch kind {
	case ScheduleConstant, ScheduleCosine, ScheduleOneCycle:
	default:
		return schedule{}, fmt.Errorf("unknown schedule %q: choose constant, cosine or onecycle", kind)
	}
	if math.IsNaN(warmupEpochs) || warmupEpochs < 0 {
		return schedule{}, fmt.Errorf("warmup of %v epochs: give 0 or more", warmupEpochs)
	}
	if kind == ScheduleOneCycle && warmupEpochs > 0 {
		return schedule{}, fmt.Errorf("onecycle has its own warmup (the first %g of the steps): leave --warmup-epochs at 0", oneCyclePctStart)
	}
	total := epochs * batches
	warmup := min(int(math.Round(warmupEpochs*float64(batches))), total)
	return schedule{kind: kind, base: base, total: total, warmup: warmup}, nil
}

// changes reports whether the schedule ever sets a rate other than the
// base one: a constant rate without warmup leaves the optimizer alone, so
// the seed's recipe runs exactly as it did before schedules existed.
func (s schedule) changes() bool { return s.kind != ScheduleConstant || s.warmup > 0 }

// lr is the learning rate of step i (0-based), which the optimizer uses
// for that step.
//
//   - warmup (constant, cosine): step i < warmup takes base*(i+1)/warmup,
//     from base/warmup up to base at the warmup's last step;
//   - constant: base after the warmup;
//   - cosine: after the warmup, step warmup+t of T = total-warmup takes
//     base*(1+cos(pi*t/T))/2, as CosineAnnealingLR(T_max=T, eta_min=0)
//     stepped once per step: base at the first, near 0 at the last;
//   - onecycle: OneCycleLR(max_lr=base, total_steps=total) with its
//     defaults: from base/25 up to base over the first 30% of the steps
//     (phase end 0.3*total-1), then down to base/25/1e4 at the last step,
//     each by cosine annealing. Only the learning rate cycles: the
//     momentum (Adam's beta1, SGD's momentum) stays fixed, as with
//     cycle_momentum=False.
func (s schedule) lr(i int) float64 {
	if s.kind == ScheduleOneCycle {
		return s.oneCycle(i)
	}
	if i < s.warmup {
		return s.base * float64(i+1) / float64(s.warmup)
	}
	if s.kind == ScheduleCosine {
		t, span := i-s.warmup, s.total-s.warmup
		return s.base * (1 + math.Cos(math.Pi*float64(t)/float64(span))) / 2
	}
	return s.base
}

// oneCycle is OneCycleLR's get_lr for step i (two phases, cosine).
func (s schedule) oneCycle(i int) float64 {
	initial := s.base / oneCycleDivFactor
	final := initial / oneCycleFinalDivFactor
	phases := []struct{ end, from, to float64 }{
		{oneCyclePctStart*float64(s.total) - 1, initial, s.base},
		{float64(s.total) - 1, s.base, final},
	}
	start := 0.0
	for k, p := range phases {
		if float64(i) <= p.end || k == len(phases)-1 {
			pct := (float64(i) - start) / (p.end - start)
			return p.to + (p.from-p.to)/2*(math.Cos(math.Pi*pct)+1)
		}
		start = p.end
	}
	return s.base // not reached
}
