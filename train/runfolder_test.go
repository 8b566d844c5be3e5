package train

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"transferlab/metrics"
)

// A run that fails before its first epoch (here its source network is
// missing) leaves no folder behind: before, an empty folder holding only
// its .lock stayed, one per failed try.
func TestARunThatFailsBeforeItBeginsLeavesNoFolder(t *testing.T) {
	pin(t)
	o := quick(t)
	o.PerClass, o.Epochs, o.Target = 2, 1, "mnist"
	_, err := Run(context.Background(), finetuneRecipe(t, "mnist", "all"), o) // no pretrained network in o.PretrainedDir
	if err == nil {
		t.Fatal("a finetune without its source network ran")
	}
	entries, _ := os.ReadDir(o.ResultsDir)
	for _, e := range entries {
		t.Errorf("left %s in the results folder after failing before the first epoch: %v", e.Name(), err)
	}
}

// A first run that fails before it begins, into a results folder that did
// not exist, removes the results folder it made too; one that existed
// stays. Before, an offline finetune left an empty --results-dir behind
// (issue 26).
func TestARunThatFailsBeforeItBeginsRemovesTheResultsFolderItMade(t *testing.T) {
	pin(t)
	o := quick(t)
	o.PerClass, o.Epochs, o.Target = 2, 1, "mnist"
	made := filepath.Join(t.TempDir(), "new-results")
	o.ResultsDir = made
	if _, err := Run(context.Background(), finetuneRecipe(t, "mnist", "all"), o); err == nil {
		t.Fatal("a finetune without its source network ran")
	}
	if _, err := os.Stat(made); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the results folder the failed run made is still there (%v)", err)
	}
	o.ResultsDir = t.TempDir() // the user's own, empty
	if _, err := Run(context.Background(), finetuneRecipe(t, "mnist", "all"), o); err == nil {
		t.Fatal("a finetune without its source network ran")
	}
	if _, err := os.Stat(o.ResultsDir); err != nil {
		t.Errorf("a results folder that was there before the run was removed: %v", err)
	}
}

// A run whose folder is removed while it trains stops at the end of the
// epoch, saying so, and does not make the folder again (unlocked, for
// another run to take, with half a run in it).
func TestARunWhoseFolderIsRemovedStops(t *testing.T) {
	pin(t)
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit = 200, 2, 100
	var dir string
	o.OnEpoch = func(run *metrics.Run) error {
		dir = filepath.Join(o.ResultsDir, run.Name)
		return os.RemoveAll(dir) // a user cleaning up the wrong folder
	}
	_, err := Run(context.Background(), overfitRecipe(), o)
	if err == nil || !strings.Contains(err.Error(), "was removed while the run was going") {
		t.Fatalf("got %v, want the run to stop saying its folder was removed", err)
	}
	if _, serr := os.Stat(dir); serr == nil {
		t.Errorf("%s was made again after it was removed", dir)
	}
}

// --resume on a nearly full disk: the resume point it will replace is
// already on the disk, so it counts as space the run has. Before, a run
// whose folder had room to finish was refused ("68 MB free, needs 88 MB").
func TestResumeCountsTheResumePointItReplaces(t *testing.T) {
	pin(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	o := quick(t)
	o.ResultsDir, o.Limit, o.Epochs, o.EvalLimit = dir, 200, 2, 100
	stop := errors.New("stopped after epoch 1")
	o.OnEpoch = func(*metrics.Run) error { return stop }
	run, err := Run(context.Background(), overfitRecipe(), o)
	if !errors.Is(err, stop) {
		t.Fatalf("first try: %v", err)
	}
	runDir := filepath.Join(dir, run.Name)
	held := bytesOf(filepath.Join(runDir, "resume-*.pt"))
	weights := held / 3 // the weights and Adam's two moments
	need := 7*weights + 16<<20
	// Fill the disk to halfway between "room once the old point counts"
	// and "room without it".
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	fill := free - (need - held/2)
	if fill <= 0 {
		t.Fatalf("the tmpfs is too small for the test: %d free, need %d", free, need)
	}
	if err := os.WriteFile(filepath.Join(dir, "filler"), make([]byte, fill), 0o644); err != nil {
		t.Fatal(err)
	}
	o.OnEpoch, o.Resume = nil, true
	done, err := Run(context.Background(), overfitRecipe(), o)
	if err != nil {
		t.Fatalf("--resume with room to finish once the replaced resume point counts: %v", err)
	}
	if done.Status != "done" || len(done.History) != 2 {
		t.Errorf("resumed run: %s after %d epochs", done.Status, len(done.History))
	}
}
