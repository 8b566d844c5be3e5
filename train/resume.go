package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/metrics"
	"transferlab/model"
)

// A run keeps a resumable checkpoint of its last finished epoch in its
// results folder: the weights and the optimizer's state in resume-<epoch>.pt, and
// resume.json naming that file with the history so far. resume.json is
// written (atomically) only after its .pt is complete, so a crash at any
// moment leaves the previous epoch's pair intact. The shuffle of every
// epoch derives from the seed and the epoch number, so a resumed run sees
// the same batches as an uninterrupted one and, with the optimizer's state
// restored, ends with the same numbers.

const resumeJSON = "resume.json"

// resumePoint is resume.json.
type resumePoint struct {
	Format  int              `json:"format"`
	Run     string           `json:"run"`
	Config  metrics.Config   `json:"config"`
	Epoch   int              `json:"epoch"` // epochs finished
	History []metrics.Epoch  `json:"history"`
	Steps   map[string]int64 `json:"adam_steps"`
	File    string           `json:"file"` // the .pt beside it
	SHA256  string           `json:"sha256"`
	Started time.Time        `json:"started"`
	Saved   time.Time        `json:"saved"`
}

// saveResumePoint writes the resumable checkpoint of run after its last
// epoch and removes the previous one.
func saveResumePoint(dir string, vs *nn.VarStore, opt *model.Optimizer, run *metrics.Run) error {
	state, err := opt.State()
	if err != nil {
		return err
	}
	defer func() {
		for _, st := range state {
			st.Drop()
		}
	}()
	var named []ts.NamedTensor
	for _, p := range model.Params(vs) {
		named = append(named, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
	}
	steps := map[string]int64{}
	for name, st := range state {
		if st.MomentumBuffer != nil { // SGD
			named = append(named, ts.NamedTensor{Name: momentumPrefix + name, Tensor: st.MomentumBuffer})
			continue
		}
		named = append(named,
			ts.NamedTensor{Name: "exp_avg." + name, Tensor: st.ExpAvg},
			ts.NamedTensor{Name: "exp_avg_sq." + name, Tensor: st.ExpAvgSq})
		steps[name] = st.Step
	}
	epoch := len(run.History)
	file := fmt.Sprintf("resume-%d.pt", epoch)
	sum, err := model.SaveTensors(named, filepath.Join(dir, file))
	if err != nil {
		return err
	}
	previous, _ := readResumePoint(dir)
	rp := resumePoint{Format: 1, Run: run.Name, Config: run.Config, Epoch: epoch, History: run.History,
		Steps: steps, File: file, SHA256: sum, Started: run.Started, Saved: time.Now().UTC()}
	if err := metrics.WriteJSON(filepath.Join(dir, resumeJSON), rp); err != nil {
		return err
	}
	if previous != nil && previous.File != file {
		os.Remove(filepath.Join(dir, previous.File))
	}
	return nil
}

func readResumePoint(dir string) (*resumePoint, error) {
	p := filepath.Join(dir, resumeJSON)
	var rp resumePoint
	if err := metrics.ReadJSONFile(p, "resume point", &rp); err != nil {
		return nil, err
	}
	if err := rp.check(); err != nil {
		return nil, fmt.Errorf("%s is damaged: %w: start again without --resume", p, err)
	}
	return &rp, nil
}

// check refuses a resume point no run wrote, before any file it names is
// opened (or removed): its file must be a plain name in the run folder,
// and its epoch the length of its history.
func (rp *resumePoint) check() error {
	if f := rp.File; f == "" || f == "." || f == ".." || filepath.Base(f) != f || strings.ContainsAny(f, `/\`) {
		return fmt.Errorf("its checkpoint %q is not a file name in the run folder", rp.File)
	}
	if rp.Epoch < 0 || rp.Epoch != len(rp.History) {
		return fmt.Errorf("it records epoch %d with %d epochs of history", rp.Epoch, len(rp.History))
	}
	return nil
}

// removeResumePoint deletes a finished run's resumable checkpoint.
func removeResumePoint(dir string) {
	if rp, err := readResumePoint(dir); err == nil {
		os.Remove(filepath.Join(dir, rp.File))
	}
	os.Remove(filepath.Join(dir, resumeJSON))
}

// loadResumePoint checks that dir holds a resumable checkpoint of the same
// recipe and settings as cfg and loads its weights into vs.
func loadResumePoint(dir string, vs *nn.VarStore, cfg metrics.Config) (*resumePoint, error) {
	rp, err := readResumePoint(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("nothing to resume in %s: run the command without --resume", dir)
	}
	if err != nil {
		return nil, err
	}
	saved := rp.Config
	saved.Threads, cfg.Threads = 0, 0 // the thread count may differ
	// and so may the source's path (another working folder): a resume
	// loads its weights from the resume point, not from the source.
	saved.SourceCheckpoint, cfg.SourceCheckpoint = "", ""
	saved.SourceSHA256, cfg.SourceSHA256 = "", ""
	if diff := configDiff(saved, cfg); len(diff) > 0 {
		return nil, fmt.Errorf("the run in %s was started with other settings (%s): resume it with the same command, or start again without --resume", dir, strings.Join(diff, "; "))
	}
	// A resume point after the last epoch is that of a run whose final
	// checkpoint could not be written: the resume runs only its finish.
	if rp.Epoch > cfg.Epochs {
		return nil, fmt.Errorf("%s is damaged: it records epoch %d of a %d-epoch run: start again without --resume", filepath.Join(dir, resumeJSON), rp.Epoch, cfg.Epochs)
	}
	pt := filepath.Join(dir, rp.File)
	if sum, err := model.FileSHA256(pt); err != nil || sum != rp.SHA256 {
		return nil, fmt.Errorf("resumable checkpoint %s is missing or damaged (its SHA-256 does not match %s): start again without --resume", pt, resumeJSON)
	}
	if err := model.LoadWeights(vs, pt, "exp_avg.", "exp_avg_sq.", momentumPrefix); err != nil {
		return nil, err
	}
	return rp, nil
}

// momentumPrefix names SGD's momentum buffers in a resume point, as
// "exp_avg." and "exp_avg_sq." name Adam's and AdamW's moments.
const momentumPrefix = "momentum_buffer."

// restoreOptimizer sets opt's state from the resumable checkpoint rp: the
// moments and steps of Adam and AdamW, the momentum buffers of SGD.
func restoreOptimizer(dir string, rp *resumePoint, opt *model.Optimizer) error {
	tensors, err := model.ReadTensors(filepath.Join(dir, rp.File))
	if err != nil {
		return err
	}
	defer func() {
		for _, t := range tensors {
			t.MustDrop()
		}
	}()
	state := map[string]model.OptimState{}
	for _, p := range opt.Params() {
		if opt.Kind() == model.OptimSGD {
			b := tensors[momentumPrefix+p.Name]
			if b == nil {
				return fmt.Errorf("resumable checkpoint %s has no SGD momentum for %s", rp.File, p.Name)
			}
			state[p.Name] = model.OptimState{MomentumBuffer: b}
			continue
		}
		m, v := tensors["exp_avg."+p.Name], tensors["exp_avg_sq."+p.Name]
		if m == nil || v == nil {
			return fmt.Errorf("resumable checkpoint %s has no Adam state for %s", rp.File, p.Name)
		}
		state[p.Name] = model.OptimState{Step: rp.Steps[p.Name], ExpAvg: m, ExpAvgSq: v}
	}
	return opt.SetState(state)
}

// configDiff names each setting, by its name in metrics.json, whose value
// differs between the run's saved settings and now: "lr 0.001, now 0.01".
func configDiff(saved, now metrics.Config) []string {
	fields := func(c metrics.Config) map[string]json.RawMessage {
		b, _ := json.Marshal(c)
		m := map[string]json.RawMessage{}
		_ = json.Unmarshal(b, &m)
		return m
	}
	a, b := fields(saved), fields(now)
	both := maps.Clone(a) // every field either has
	maps.Copy(both, b)
	show := func(v json.RawMessage) string {
		if v == nil {
			return "unset"
		}
		return string(v)
	}
	var diff []string
	for _, k := range slices.Sorted(maps.Keys(both)) {
		if !bytes.Equal(a[k], b[k]) {
			diff = append(diff, fmt.Sprintf("%s %s, now %s", k, show(a[k]), show(b[k])))
		}
	}
	return diff
}
