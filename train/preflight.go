package train

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"transferlab/model"
)

// checkOverwrite fails, before any training, when ckpt already holds a
// pretrained network and the user did not ask to replace it: tens of
// minutes of training (or a committed network) are not lost to a quick
// experiment.
func checkOverwrite(ckpt string, overwrite bool) error {
	if overwrite {
		return nil
	}
	if _, err := os.Stat(ckpt); err != nil {
		return nil
	}
	about := ""
	if sc, err := model.ReadSidecar(ckpt); err == nil {
		about = fmt.Sprintf(" (%s, %d epochs, saved %s)", sc.Dataset, sc.Epoch, sc.Saved.Format("2006-01-02"))
		if sc.Final.Test != nil {
			about = fmt.Sprintf(" (%s, %d epochs, test %.2f%%, saved %s)", sc.Dataset, sc.Epoch, sc.Final.Test.Accuracy, sc.Saved.Format("2006-01-02"))
		}
	}
	return fmt.Errorf("%s already holds a pretrained network%s: pass --overwrite to replace it, or --pretrained-dir DIR to keep both", ckpt, about)
}

// checkFreeSpace fails, before any training, when a folder the run writes
// checkpoints to has too little free space for them. At the peak the run
// folder holds the last resumable checkpoint (weights and Adam's two
// moments), the next one being written, and the final network; a
// pretraining's folder holds its network and the temp copy of the next.
// A margin covers metrics and reports. Where the free space cannot be
// read, the writes themselves will tell.
func checkFreeSpace(r Recipe, o Options, runDir string, params []model.Param) error {
	var weights int64
	for _, p := range params {
		weights += int64(p.Tensor.Numel()) * 4
	}
	need := map[string]int64{runDir: 7*weights + 16<<20}
	if r.Kind == "pretrain" {
		need[runDir] -= weights
		need[o.PretrainedDir] += 2 * weights
	}
	// Checkpoints already there are part of that peak (a --resume's last
	// resume point, a network the run will replace): their space is taken.
	need[runDir] -= bytesOf(filepath.Join(runDir, "resume-*.pt"), filepath.Join(runDir, "model.pt"))
	if r.Kind == "pretrain" {
		need[o.PretrainedDir] -= bytesOf(PretrainedPath(o.PretrainedDir, r.Dataset))
	}
	for dir, n := range need {
		var st syscall.Statfs_t
		if syscall.Statfs(dir, &st) != nil {
			continue
		}
		if free := int64(st.Bavail) * st.Bsize; free < n {
			return fmt.Errorf("%s has %.1f MB free and this run writes up to %.0f MB of checkpoints there: free some space, or choose another folder with --results-dir or --pretrained-dir", dir, float64(free)/1e6, float64(n)/1e6)
		}
	}
	return nil
}

// bytesOf is the size of the regular files the patterns match.
func bytesOf(patterns ...string) int64 {
	var n int64
	for _, p := range patterns {
		matches, _ := filepath.Glob(p)
		for _, m := range matches {
			if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() {
				n += fi.Size()
			}
		}
	}
	return n
}

// checkWritable fails early, before any training or evaluation, when dir
// cannot be created or written; the error names the flag that chose dir.
func checkWritable(dir, flag string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w (choose another folder with %s)", dir, err, flag)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write to %s: %w (choose another folder with %s)", dir, err, flag)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
