package train

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"transferlab/data"
	"transferlab/metrics"
)

func pin(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	t.Cleanup(runtime.UnlockOSThread)
}

// quick returns options for a small real-data run in a temp folder.
func quick(t *testing.T) Options {
	return Options{
		ResultsDir: t.TempDir(), PretrainedDir: t.TempDir(), Seed: 42, Log: Discard{},
		Data: data.Options{DataDir: os.Getenv("TRANSFERLAB_DATA")},
	}
}

func TestCNNPassesEightyPercentOnTwoThousandMNISTImages(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	r.ValFraction = 0.2
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 2000, 2, 32, 1000
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.History) != 2 || run.Config.EvalSplit != "val" || run.Final.Val == nil {
		t.Fatalf("history %d epochs, eval split %q", len(run.History), run.Config.EvalSplit)
	}
	if acc := run.Final.Val.Accuracy; acc < 80 {
		t.Errorf("validation accuracy %.2f%% after 2 epochs on 1600 images, want >= 80", acc)
	}
	if run.Final.Val.N != 400 || run.Final.Train.N != 1600 || run.Final.Test.N != 1000 {
		t.Errorf("split sizes train %d val %d test %d, want 1600/400/1000", run.Final.Train.N, run.Final.Val.N, run.Final.Test.N)
	}
	if _, err := os.Stat(filepath.Join(o.PretrainedDir, "mnist-cnn.pt")); err != nil {
		t.Errorf("no pretrained checkpoint: %v", err)
	}
	saved, err := metrics.ReadRun(filepath.Join(o.ResultsDir, run.Name, metrics.FileName))
	if err != nil || saved.Status != "done" || len(saved.History) != 2 {
		t.Errorf("metrics.json: %v %+v", err, saved)
	}
}

func TestFFNFitsFiveHundredTwelveImages(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 640, 40, 128, 500
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	if run.Final.Train.N != 512 {
		t.Fatalf("trained on %d images, want 512 (80%% of 640)", run.Final.Train.N)
	}
	if acc := run.Final.Train.Accuracy; acc != 100 {
		t.Errorf("training accuracy %.2f%%, want 100", acc)
	}
	// An epoch's seconds are its training (at images_per_sec) and its
	// validation pass, which it records on its own.
	for _, e := range run.History {
		train := 512 / e.ImagesPerSec
		if e.EvalSeconds <= 0 || math.Abs(e.Seconds-train-e.EvalSeconds) > 1e-6*e.Seconds {
			t.Fatalf("epoch %d: %.6f s = training %.6f s + validation %.6f s?", e.Epoch, e.Seconds, train, e.EvalSeconds)
		}
	}
}

// A run that evaluates on the test split every epoch takes its last
// epoch's pass as the final test evaluation instead of making it again:
// the numbers are the checkpoint's own on that split, and the run says
// which epoch they come from. With a validation split the test pass is
// its own.
func TestFinalTestPassIsTheLastEpochsWhenTheEpochsEvaluateOnTest(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	r.ValFraction = 0 // the epochs evaluate on the test split
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize = 640, 2, 128
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	last, test := run.History[1], run.Final.Test
	if run.Config.EvalSplit != "test" || test.FromEpoch != 2 || test.Accuracy != last.ValAcc || test.Loss != last.ValLoss ||
		test.Seconds != last.EvalSeconds || len(test.Confusion) != 10 {
		t.Fatalf("final test %+v (from epoch %d), last epoch %+v: want that epoch's test pass", test.Accuracy, test.FromEpoch, last)
	}
	eo := EvalOptions{Checkpoint: run.Checkpoint, ResultsDir: t.TempDir(), Data: o.Data}
	eo.Options.Log = Discard{}
	ef, _, err := EvalCheckpoint(context.Background(), eo)
	if err != nil {
		t.Fatal(err)
	}
	if ef.Eval.N != test.N || ef.Eval.Accuracy != test.Accuracy || math.Abs(ef.Eval.Loss-test.Loss) > 1e-6 {
		t.Errorf("the checkpoint evaluates to %.2f%% (loss %.6f) on %d test images, the run recorded %.2f%% (loss %.6f) on %d",
			ef.Eval.Accuracy, ef.Eval.Loss, ef.Eval.N, test.Accuracy, test.Loss, test.N)
	}

	r.ValFraction = 0.2
	o = quick(t)
	o.Limit, o.Epochs, o.BatchSize = 640, 1, 128
	if run, err = Run(context.Background(), r, o); err != nil {
		t.Fatal(err)
	}
	if run.Final.Test.FromEpoch != 0 || run.Final.Test.N != 10000 {
		t.Errorf("with a validation split the final test pass is taken from epoch %d on %d images, want its own on 10000",
			run.Final.Test.FromEpoch, run.Final.Test.N)
	}
}

func TestSameSeedGivesTheSameNumbers(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	r.ValFraction = 0.2
	histories := make([][]metrics.Epoch, 3)
	for i, seed := range []int64{7, 7, 8} {
		o := quick(t)
		o.Seed, o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = seed, 300, 2, 50, 200
		run, err := Run(context.Background(), r, o)
		if err != nil {
			t.Fatal(err)
		}
		for j := range run.History {
			run.History[j].Seconds, run.History[j].ImagesPerSec, run.History[j].EvalSeconds = 0, 0, 0
		}
		histories[i] = run.History
	}
	if !sameHistory(histories[0], histories[1]) {
		t.Errorf("seed 7 twice gave different numbers:\n%+v\n%+v", histories[0], histories[1])
	}
	if sameHistory(histories[0], histories[2]) {
		t.Errorf("seeds 7 and 8 gave identical numbers: the seed is not used")
	}
}

// Tensors are freed deterministically: resident memory does not grow
// from epoch to epoch. The run happens in a fresh process (this test binary
// again), so memory the allocator keeps from earlier tests does not blur
// the measurement.
func TestResidentMemoryStaysFlatAcrossEpochs(t *testing.T) {
	if os.Getenv(rssChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestResidentMemoryStaysFlatAcrossEpochs$", "-test.v")
		cmd.Env = append(os.Environ(), rssChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "RSS") || strings.Contains(line, "run_test.go") {
				t.Log(strings.TrimSpace(line))
			}
		}
		if err != nil {
			t.Fatalf("the measuring process failed: %v\n%s", err, out)
		}
		return
	}
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 1000, 5, 64, 200
	rss := map[int]int64{}
	o.OnEpoch = func(run *metrics.Run) error {
		if run.Status == "running" {
			debug.FreeOSMemory() // the Go heap's garbage is not what is measured
			rss[len(run.History)] = residentBytes(t)
		}
		return nil
	}
	if _, err := Run(context.Background(), r, o); err != nil {
		t.Fatal(err)
	}
	grow := float64(rss[5]-rss[2]) / float64(rss[2])
	t.Logf("RSS epoch 2 %d MiB, epoch 5 %d MiB (%+.1f%%)", rss[2]>>20, rss[5]>>20, 100*grow)
	if grow > 0.05 {
		t.Errorf("resident memory grew %.1f%% from epoch 2 to 5, want <= 5%%", 100*grow)
	}
}

func TestMissingPretrainedSourceSaysHowToMakeIt(t *testing.T) {
	pin(t)
	r := finetuneRecipe(t, "mnist", "last")
	o := quick(t)
	o.Target, o.Limit, o.Epochs = "mnist", 100, 1
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "transferlab pretrain --dataset mnist") {
		t.Errorf("got %v, want the command that makes the checkpoint", err)
	}
}

const rssChildEnv = "TRANSFERLAB_RSS_CHILD"

func sameHistory(a, b []metrics.Epoch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func residentBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// An unwritable results folder fails before any data is loaded or trained.
func TestUnwritableResultsDirFailsBeforeTraining(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.ResultsDir = blocker // a file where a folder must go
	o.Limit, o.Epochs = 100, 1
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "--results-dir") {
		t.Errorf("got %v, want an error pointing at --results-dir", err)
	}
}

// A results folder on a nearly full disk (a 2 MB tmpfs, where the FFN's
// checkpoints need about 100 MB) fails before the first epoch with the
// free space and the need; nothing is trained.
func TestFullDiskFailsBeforeTraining(t *testing.T) {
	pin(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	r := overfitRecipe()
	o := quick(t)
	o.ResultsDir = dir
	o.Limit, o.Epochs = 100, 1
	epochs := 0
	o.OnEpoch = func(*metrics.Run) error { epochs++; return nil }
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "MB free") || !strings.Contains(err.Error(), dir) {
		t.Errorf("got %v, want an error naming %s and its free space", err, dir)
	}
	t.Log(err)
	if epochs > 0 {
		t.Errorf("%d epochs ran before the error", epochs)
	}
}
