package transfer

import (
	"strings"
	"testing"
	"time"

	"transferlab/train"
)

// reproduce counts its stages and, once one has trained, says how long
// the rest should take at the pace it ran: here 10 units of work in 10 s,
// so the 90 units left take 90 s; a reused stage takes no time.
func TestStageClockCountsStagesAndEstimatesTheRest(t *testing.T) {
	log := &lines{}
	c := newStageClock(log, []float64{10, 0, 30, 60})
	at := time.Unix(0, 0)
	c.now = func() time.Time { return at }
	c.begin("overfit", 10)
	c.skip("pretrain-mnist", "reused")
	at = at.Add(10 * time.Second)
	c.begin("pretrain-fashion", 30)
	at = at.Add(30 * time.Second)
	c.begin("transfer-mnist-last", 60)
	want := []string{
		"== stage 1 of 4: overfit",
		"== stage 2 of 4: pretrain-mnist: reused",
		"== stage 3 of 4: pretrain-fashion (10s so far, about 1m30s left)",
		"== stage 4 of 4: transfer-mnist-last (40s so far, about 1m0s left)",
	}
	if strings.Join(log.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(log.got, "\n"), strings.Join(want, "\n"))
	}
}

// The work of a stage follows its recipe: a pretraining on all of MNIST
// is far more than a quick one, and a cached "last" transfer far less
// than an "all" one on the same images.
func TestPlannedWorkFollowsTheRecipe(t *testing.T) {
	pre, _ := Pretrain("mnist")
	full := plannedWork(pre, train.Options{})
	quick := plannedWork(pre, train.Options{Limit: 2000, EvalLimit: 1000})
	last, _ := Finetune("mnist", "last")
	all, _ := Finetune("mnist", "all")
	if !(quick < full/20) || !(plannedWork(last, train.Options{}) < plannedWork(all, train.Options{})/5) {
		t.Errorf("pretrain %g, quick %g; last %g, all %g", full, quick, plannedWork(last, train.Options{}), plannedWork(all, train.Options{}))
	}
}
