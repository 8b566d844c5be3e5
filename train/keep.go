package train

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/metrics"
	"transferlab/model"
)

// Keeping the best epoch (--keep best) and early stopping (--patience)
// both go by the validation accuracy of the epochs in the run's history,
// and only by it, so a resumed run decides as an uninterrupted one did.
// The best epoch's weights are written to best-<epoch>.pt in the run's
// folder when it is reached, before the epoch's resume point, and the
// older best-*.pt are removed only after that resume point is on disk: at
// every moment the file of the best epoch the last resume point knows is
// there. finish loads it back, tests it and saves it as the checkpoint.

// bestEpoch is the epoch (1-based) of h with the highest validation
// accuracy, the first of equals; 0 when no epoch has one.
func bestEpoch(h []metrics.Epoch) int {
	best := 0
	for i, e := range h {
		if e.HasVal && (best == 0 || e.ValAcc > h[best-1].ValAcc) {
			best = i + 1
		}
	}
	return best
}

// stopsEarly reports whether early stopping with patience ends the run
// after the epochs of h: the last patience of them brought no new best
// validation accuracy. Patience 0 never stops.
func stopsEarly(h []metrics.Epoch, patience int) bool {
	if patience <= 0 {
		return false
	}
	b := bestEpoch(h)
	return b > 0 && len(h)-b >= patience
}

// keptEpoch is the epoch whose weights the run tests and saves: the best
// one with --keep best, else the last.
func (j *job) keptEpoch() int {
	if j.o.Tuning.Keep == KeepBest {
		if b := bestEpoch(j.run.History); b > 0 {
			return b
		}
	}
	return len(j.run.History)
}

// selection records the kept epoch and early stopping, nil when neither
// is asked for.
func (j *job) selection() *metrics.Selection {
	t := j.o.Tuning
	if t.Keep != KeepBest && t.Patience <= 0 {
		return nil
	}
	h := j.run.History
	kept := j.keptEpoch()
	s := &metrics.Selection{Keep: KeepLast, Epoch: kept, ValAcc: h[kept-1].ValAcc, Patience: t.Patience, Epochs: j.r.Epochs}
	if t.Keep == KeepBest {
		s.Keep = KeepBest
	}
	if len(h) < j.r.Epochs && stopsEarly(h, t.Patience) {
		s.Stopped, s.StoppedAt = true, len(h)
	}
	return s
}

func bestFile(epoch int) string { return fmt.Sprintf("best-%d.pt", epoch) }

// saveBest writes the weights of epoch e (the last of the history) when
// it is the best so far and --keep best is on.
func (j *job) saveBest() error {
	h := j.run.History
	if j.o.Tuning.Keep != KeepBest || bestEpoch(h) != len(h) {
		return nil
	}
	var named []ts.NamedTensor
	for _, p := range model.Params(j.vs) {
		named = append(named, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
	}
	_, err := model.SaveTensors(named, filepath.Join(j.dir, bestFile(len(h))))
	return err
}

// pruneBest removes the best-*.pt files other than keep's (0: all).
func pruneBest(dir string, keep int) {
	files, _ := filepath.Glob(filepath.Join(dir, "best-*.pt"))
	for _, f := range files {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "best-"), ".pt"))
		if err == nil && n != keep {
			os.Remove(f)
		}
	}
}

// loadKept puts the kept epoch's weights into vs when it is not the last
// (the weights vs holds).
func (j *job) loadKept(vs *nn.VarStore) error {
	kept := j.keptEpoch()
	if kept == len(j.run.History) {
		return nil
	}
	f := filepath.Join(j.dir, bestFile(kept))
	if _, err := os.Stat(f); err != nil {
		return fmt.Errorf("the weights of epoch %d, the best, are missing (%s): run again without --resume", kept, f)
	}
	j.o.Log.Printf("%s: keeping epoch %d (best validation accuracy %.2f%%) of %d", j.r.Name, kept, j.run.History[kept-1].ValAcc, len(j.run.History))
	return model.LoadWeights(vs, f)
}
