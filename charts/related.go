package charts

import (
	"cmp"
	"html/template"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"transferlab/metrics"
)

// relatedRuns are a run's links to the runs it is read beside: the run
// that trained its source network, and the previous run of its recipe,
// with what changed since. A run page shows them as a TensorBoard or W&B
// user looks for them: where did this start from, and what did I change.
type relatedRuns struct {
	// Source is the pretraining (or other run) whose network a
	// fine-tuning run started from; nil when there is none in the folder.
	Source *link
	// SourceFile is the checkpoint a fine-tuning started from when no run
	// of the folder trained it (a committed network, a --from PATH).
	SourceFile string
	// SourceHash is the start of the SHA-256 the run recorded for
	// SourceFile, so a reader can tell two files of one name apart.
	SourceHash string
	// Previous is the latest run of the same recipe (kind, dataset, and
	// for a fine-tuning its source and layers) that started before this
	// one; nil when this is the first.
	Previous *link
	// Changes are the settings that differ from Previous's.
	Changes []configChange
}

// configChange is one setting whose value differs between two runs.
type configChange struct {
	Setting, Before, After string
}

// relate finds run's related runs among all (the runs of its results
// folder). Links are relative to the run's page.
func relate(run *metrics.Run, all []*metrics.Run) relatedRuns {
	var rel relatedRuns
	if src := sourceRun(run, all); src != nil {
		rel.Source = &link{Href: runHref(src), Text: src.Name}
	} else if run.Kind == "finetune" {
		rel.SourceFile = run.Config.SourceCheckpoint
		rel.SourceHash = run.Config.SourceSHA256[:min(12, len(run.Config.SourceSHA256))]
	}
	if prev := previousRun(run, all); prev != nil {
		rel.Previous = &link{Href: runHref(prev), Text: prev.Name}
		before, after := configRows(prev), configRows(run)
		for i := range after {
			if before[i][1] != after[i][1] {
				rel.Changes = append(rel.Changes, configChange{after[i][0], before[i][1], after[i][1]})
			}
		}
	}
	return rel
}

// runHref is a run's page as linked from another run's page.
func runHref(r *metrics.Run) template.URL {
	return template.URL("../" + path.Join(r.Name, RunPageName))
}

// sourceRun is the run that wrote the checkpoint a fine-tuning run
// loaded (its SourceCheckpoint); of several, the latest to finish before
// run started (a later one replaced the file after run read it). Only the
// same file proves it: a pretraining on the same dataset that wrote
// another file (pretrained-quick/ beside a committed pretrained/) trained
// another network; and where the pretraining's own sidecar records the
// file's SHA-256, it must be the one run loaded (otherHash).
func sourceRun(run *metrics.Run, all []*metrics.Run) *metrics.Run {
	c := run.Config
	if run.Kind != "finetune" || c.Source == "" || c.Source == "none" {
		return nil
	}
	var best *metrics.Run
	for _, r := range all {
		if r == run || !samePath(r.Checkpoint, c.SourceCheckpoint) || otherHash(r, c.SourceSHA256) {
			continue
		}
		before := !run.Started.IsZero() && !r.Finished.After(run.Started)
		bestBefore := best != nil && !best.Finished.After(run.Started)
		if best == nil || (before && !bestBefore) || (before == bestBefore && r.Finished.After(best.Finished)) {
			best = r
		}
	}
	return best
}

// otherHash reports whether r's checkpoint, as its own sidecar records
// it, is not the file of SHA-256 sum: the file at that path was replaced
// (a committed network checked out again) before the run that read it.
// Without both sums it cannot tell, and says no.
func otherHash(r *metrics.Run, sum string) bool {
	sc, ok := ownSidecar(r)
	return ok && sum != "" && sc.SHA256 != "" && sc.SHA256 != sum
}

// samePath reports whether two recorded paths name one file: runs record
// them as given, so one may be absolute and the other relative to the
// folder the command ran in.
func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	a, b = filepath.Clean(a), filepath.Clean(b)
	sep := string(filepath.Separator)
	return a == b || (filepath.IsAbs(a) && !filepath.IsAbs(b) && strings.HasSuffix(a, sep+b)) ||
		(filepath.IsAbs(b) && !filepath.IsAbs(a) && strings.HasSuffix(b, sep+a))
}

// previousRun is the latest run of run's recipe that started before it.
func previousRun(run *metrics.Run, all []*metrics.Run) *metrics.Run {
	recipe := func(r *metrics.Run) string {
		c := r.Config
		return strings.Join([]string{r.Kind, c.Model, c.Dataset, c.Source, c.Layers}, "|")
	}
	var prev *metrics.Run
	for _, r := range all {
		if r == run || recipe(r) != recipe(run) || !r.Started.Before(run.Started) {
			continue
		}
		if prev == nil || r.Started.After(prev.Started) {
			prev = r
		}
	}
	return prev
}

// configRows are a run's settings as its page's hyperparameter table
// lists them, name and value; relate compares two runs' row by row.
func configRows(run *metrics.Run) [][2]string {
	c := run.Config
	hidden := make([]string, len(c.Hidden))
	for i, h := range c.Hidden {
		hidden[i] = strconv.Itoa(h)
	}
	return [][2]string{
		{"model", orNone(c.Model)},
		{"hidden sizes", orNone(strings.Join(hidden, ", "))},
		{"dataset", orNone(c.Dataset)},
		{"source (finetune)", orNone(c.Source)},
		{"layers trained (finetune)", orNone(c.Layers)},
		{"epochs", strconv.Itoa(c.Epochs)},
		{"batch size", strconv.Itoa(c.BatchSize)},
		{"learning rate", strconv.FormatFloat(c.LR, 'g', -1, 64)},
		{"optimizer", orNone(c.Optimizer)},
		{"weight decay", strconv.FormatFloat(c.WeightDecay, 'g', -1, 64)},
		{"schedule", cmp.Or(c.Schedule, "constant")},
		{"warmup epochs", strconv.FormatFloat(c.WarmupEpochs, 'g', -1, 64)},
		{"label smoothing", strconv.FormatFloat(c.LabelSmoothing, 'g', -1, 64)},
		{"network kept", cmp.Or(c.Keep, "last")},
		{"patience", intOrNone(c.Patience)},
		{"validation fraction", strconv.FormatFloat(c.ValFraction, 'g', -1, 64)},
		{"images per class", intOrAll(c.PerClass)},
		{"image limit", intOrAll(c.Limit)},
		{"seed", strconv.FormatInt(c.Seed, 10)},
		{"precision", orNone(c.Precision)},
		{"threads", strconv.Itoa(c.Threads)},
		{"device", orNone(c.Device)},
		{"classes", strconv.Itoa(len(run.Classes))},
	}
}

// relatedIn is relate for a run page written on its own (after each
// epoch): the other runs are read from the results folder; a folder that
// cannot be read gives no links, which the next report rebuild adds.
func relatedIn(resultsDir string, run *metrics.Run) relatedRuns {
	entries, _, err := readResults(resultsDir)
	if err != nil {
		return relatedRuns{}
	}
	all := []*metrics.Run{run}
	for _, en := range entries {
		if en.run != nil && en.run.Name != run.Name {
			all = append(all, en.run)
		}
	}
	return relate(run, all)
}

// intOrNone is n, or "none" for 0 (an option not used).
func intOrNone(n int) string {
	if n == 0 {
		return none
	}
	return strconv.Itoa(n)
}
