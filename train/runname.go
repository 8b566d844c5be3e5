package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"transferlab/internal/names"
	"transferlab/internal/runlock"
	"transferlab/metrics"
)

// RunName says what a run of def with o is, for its results folder (a
// later run of the same takes <name>-v2, ...): the recipe's name; for a
// finetune from a checkpoint file, that file's name in place of
// "checkpoint"; the target when it is not the recipe's; and every
// hyperparameter o changes (o.Apply), the seed included. def is the
// recipe as registered. A name given with --name (o.RunName) replaces all
// of it.
func RunName(def Recipe, o Options) string {
	if o.RunName != "" {
		return o.RunName
	}
	r := o.Apply(def)
	name := def.Name
	if r.Kind == "finetune" && !knownSource(r.Source) {
		name = "transfer-" + names.Slug(strings.TrimSuffix(filepath.Base(r.Source), filepath.Ext(r.Source))) + "-" + names.Slug(r.Layers) // from:conv3 → from-conv3
	}
	if r.Kind == "finetune" && r.Dataset != def.Dataset {
		name += "-on-" + names.Slug(r.Dataset)
	}
	var parts []string
	add := func(differs bool, format string, args ...any) {
		if differs {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(r.Epochs != def.Epochs, "e%d", r.Epochs)
	add(r.BatchSize != def.BatchSize, "b%d", r.BatchSize)
	add(r.LR != def.LR && !o.LRAuto, "lr%s", strconv.FormatFloat(r.LR, 'g', -1, 64))
	add(o.LRAuto, "lrauto")
	add(r.PerClass != def.PerClass, "pc%s", perClassName(r.PerClass))
	add(fmt.Sprint(r.Hidden) != fmt.Sprint(def.Hidden), "h%s", joinInts(r.Hidden, "x"))
	add(o.Limit > 0, "limit%d", o.Limit)
	add(o.EvalLimit > 0, "evallimit%d", o.EvalLimit)
	add(o.Precision == "bf16", "bf16")
	add(rawOrNone(r.Dataset, o.Data.EMNISTOrientation) != "", "raw")
	add(o.Seed != DefaultSeed, "seed%d", o.Seed)
	t := o.Tuning.normal()
	add(r.StratifiedVal, "val%s", strconv.FormatFloat(r.ValFraction, 'g', -1, 64))
	add(t.Optimizer != "", "%s", t.Optimizer)
	add(t.WeightDecay > 0, "wd%s", strconv.FormatFloat(t.WeightDecay, 'g', -1, 64))
	add(t.Schedule != "", "%s", t.Schedule)
	add(t.WarmupEpochs > 0, "warmup%s", strconv.FormatFloat(t.WarmupEpochs, 'g', -1, 64))
	add(t.LabelSmoothing > 0, "ls%s", strconv.FormatFloat(t.LabelSmoothing, 'g', -1, 64))
	add(t.Keep != "", "%s", t.Keep)
	add(t.Patience > 0, "patience%d", t.Patience)
	add(t.FreezeEpochs > 0, "freeze%d", t.FreezeEpochs)
	add(t.Augment != "" && t.Augment != AugmentNone, "aug-%s", t.Augment)
	add(t.BodyLRMult > 0, "bodylr%s", strconv.FormatFloat(t.BodyLRMult, 'g', -1, 64))
	if len(parts) > 0 {
		name += "-" + strings.Join(parts, "-")
	}
	return name
}

// CheckRunName fails for a name that cannot be a run's folder: letters,
// digits, '-', '_' and '.' only, not first, as the names RunName makes.
func CheckRunName(name string) error {
	if name == "" || names.Slug(name) != name || strings.HasPrefix(name, "-") {
		return fmt.Errorf("a run's name is a folder name of letters, digits, '-', '_' and '.' (not first)")
	}
	return nil
}

// DefaultSeed is the seed a run uses unless told otherwise (--seed).
const DefaultSeed = 42

func knownSource(s string) bool { return s == "none" || s == "mnist" || s == "fashion" }

func perClassName(n int) string {
	if n <= 0 {
		return "all"
	}
	return strconv.Itoa(n)
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

// maxVersions bounds the search for a free version of a run's folder.
const maxVersions = 10000

// claimRunFolder picks the folder of a new run named name under
// resultsDir and locks it: <name> if no run has used it, else the first of
// <name>-v2, <name>-v3, ... that none has (as Lightning's version_N), so a
// later run never replaces an earlier one. A folder that another process
// holds is passed over. With resume, it is the newest version that holds a
// resume point, and a process that holds it is an error naming that
// process. The lock is released by the caller (or when the process ends).
func claimRunFolder(resultsDir, name string, resume bool) (dir string, lock *runlock.Lock, fresh bool, err error) {
	if resume {
		dir, lock, err := claimResumeFolder(resultsDir, name)
		return dir, lock, false, err
	}
	for v := 1; v <= maxVersions; v++ {
		dir := versionDir(resultsDir, name, v)
		if used(dir) {
			continue
		}
		_, statErr := os.Stat(dir)
		fresh := errors.Is(statErr, fs.ErrNotExist)
		if err := checkWritable(dir, "--results-dir"); err != nil {
			return "", nil, false, err
		}
		lock, err := runlock.Acquire(filepath.Join(dir, ".lock"), "run folder "+dir)
		if errors.Is(err, runlock.ErrHeld) {
			continue // a run that started a moment ago took it
		}
		if err != nil {
			return "", nil, false, err
		}
		if used(dir) { // filled between the look and the lock
			lock.Release()
			continue
		}
		return dir, lock, fresh, nil
	}
	return "", nil, false, fmt.Errorf("%s: %d versions of %s exist: choose another --name or --results-dir", resultsDir, maxVersions, name)
}

// removeUnusedFolder removes a run folder this run made and that holds
// nothing but its lock (and temp files): a run that failed before its
// first epoch leaves no empty folder behind. A folder with anything else
// in it stays.
func removeUnusedFolder(dir string) {
	metrics.RemoveStaleTemps(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name() != ".lock" {
			return
		}
	}
	os.Remove(filepath.Join(dir, ".lock"))
	os.Remove(dir)
}

// claimResumeFolder locks the newest version of name that holds a resume
// point (or, with none, the newest version, whose lack of one the resume
// then reports).
func claimResumeFolder(resultsDir, name string) (string, *runlock.Lock, error) {
	newest := versionDir(resultsDir, name, 1)
	for v := 1; v <= maxVersions; v++ {
		dir := versionDir(resultsDir, name, v)
		if _, err := os.Stat(dir); err != nil {
			break
		}
		if _, err := os.Stat(filepath.Join(dir, resumeJSON)); err == nil || v == 1 {
			newest = dir
		}
	}
	if err := checkWritable(newest, "--results-dir"); err != nil {
		return "", nil, err
	}
	lock, err := runlock.Acquire(filepath.Join(newest, ".lock"), "run folder "+newest)
	if err != nil {
		return "", nil, err
	}
	return newest, lock, nil
}

func versionDir(resultsDir, name string, v int) string {
	if v == 1 {
		return filepath.Join(resultsDir, name)
	}
	return filepath.Join(resultsDir, fmt.Sprintf("%s-v%d", name, v))
}

// used reports whether dir already holds a run (its metrics, a resume
// point or a checkpoint); an empty folder, or one a failed start left, is
// free.
func used(dir string) bool {
	for _, f := range []string{metrics.FileName, resumeJSON, "model.pt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}
