package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/internal/runlock"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// Options are the run settings that are not part of a recipe: where things
// are, overrides of the recipe's hyperparameters, and observers. The zero
// value of an override keeps the recipe's value.
type Options struct {
	DataDir        string
	ResultsDir     string // default "results"
	PretrainedDir  string // default "pretrained"
	Data           data.Options
	Seed           int64
	Device         gotch.Device
	Threads        int
	Precision      string // "fp32" or "bf16"
	Epochs         int
	BatchSize      int
	LR             float64
	Limit          int    // use only the first Limit training images
	EvalLimit      int    // evaluate on a seeded sample of at most EvalLimit test images (quick runs)
	PerClass       int    // finetune: first N per class (recipe default 250), or PerClassAll
	Target         string // finetune: target dataset (recipe default emnist-letters)
	Hidden         []int  // ffn hidden sizes
	RunName        string // results folder name (recipe default)
	Command        string // the command line, for the sidecar
	NoFeatureCache bool   // a frozen prefix (--layers last, from:LAYER): run it in every step (the naive loop)
	Resume         bool   // continue the run from its resumable checkpoint
	// Overwrite lets a pretraining replace an existing
	// pretrained/<dataset>-cnn.pt; without it the run stops before training.
	Overwrite         bool
	Log               Logger
	OnEpoch           func(*metrics.Run) error // after every epoch, e.g. refresh the report page
	KeepMisclassified int                      // test images kept for the report (default 36)

	// beforeEpoch, in tests, runs before each epoch's training (a fault
	// injected into the network).
	beforeEpoch func(epoch int, net model.Net)
}

// PerClassAll as Options.PerClass trains on every training image of each
// class.
const PerClassAll = -1

// Logger receives a run's progress: plain lines and a per-epoch bar.
type Logger interface {
	Printf(format string, args ...any)
	Epoch(epoch, epochs, batches int) EpochObserver
}

// apply returns r with the overrides of o.
func (o Options) apply(r Recipe) Recipe {
	if o.Epochs > 0 {
		r.Epochs = o.Epochs
	}
	if o.BatchSize > 0 {
		r.BatchSize = o.BatchSize
	}
	if o.LR > 0 {
		r.LR = o.LR
	}
	if o.PerClass != 0 && r.Kind == "finetune" {
		r.PerClass = o.PerClass
	}
	if o.Target != "" && r.Kind == "finetune" {
		r.Dataset = o.Target
	}
	if len(o.Hidden) > 0 && r.Model == "ffn" {
		r.Hidden = o.Hidden
	}
	if o.RunName != "" {
		r.Name = o.RunName
	}
	return r
}

// Run trains recipe r with options o and returns its metrics. It writes
// results/<run>/metrics.json after every epoch and a checkpoint at the end:
// pretrained/<dataset>-cnn.pt for a pretraining, results/<run>/model.pt
// otherwise.
func Run(ctx context.Context, r Recipe, o Options) (run *metrics.Run, err error) {
	// The recipe before the flags change it: the pages mark a run that
	// departs from it (a smoke test) and never set the seed's numbers
	// beside it.
	recipe := metrics.Recipe{Epochs: r.Epochs, BatchSize: r.BatchSize, LR: r.LR, PerClass: r.PerClass}
	def := r
	// Where a run fails: every error, and every libtorch error a gotch
	// Must* helper raises as a panic, ends here. Once the run has begun
	// (run != nil) it is marked failed or interrupted, never "running",
	// with its finished epochs and the last resumable one named.
	var (
		runDir    string
		resumable int
		started   = time.Now()
	)
	defer func() {
		if p := recover(); p != nil {
			err = torchenv.PanicError(p)
		}
		if run != nil {
			err = recordFailure(ctx, runDir, run, o, started, resumable, err)
		}
	}()
	r = o.apply(r)
	if o.ResultsDir == "" {
		o.ResultsDir = "results"
	}
	if o.PretrainedDir == "" {
		o.PretrainedDir = "pretrained"
	}
	if o.Device.Name == "" {
		o.Device = gotch.CPU // gotch's zero Device is invalid
	}
	if o.Precision == "" {
		o.Precision = "fp32"
	}
	if o.Precision != "fp32" && o.Precision != "bf16" {
		return nil, fmt.Errorf("unknown precision %q: choose fp32 or bf16", o.Precision)
	}
	bf16 := o.Precision == "bf16"
	if flag, known := torchenv.CPUBF16(); bf16 && known && flag == "" {
		o.Log.Printf("warning: this CPU has no bf16 instructions (avx512_bf16, amx_bf16): oneDNN emulates them and --precision bf16 runs many times slower than fp32 here")
	}
	if o.KeepMisclassified == 0 {
		o.KeepMisclassified = 36
	}
	if r.Epochs < 1 || r.BatchSize < 1 || r.LR <= 0 {
		return nil, fmt.Errorf("epochs (%d), batch size (%d) and learning rate (%g) must be positive", r.Epochs, r.BatchSize, r.LR)
	}
	o.Data.DataDir = firstNonEmpty(o.Data.DataDir, o.DataDir)
	o.Data.Seed = o.Seed // a folder:DIR dataset's holdout
	// Each run gets a folder of its own that no later run replaces, locked
	// while it runs (as is the pretrained network a pretraining writes):
	// a --resume of a run that is still going fails here, naming it. The
	// locks are released when Run returns or the process ends.
	runDir, dirLock, err := claimRunFolder(o.ResultsDir, runName(def, r, o), o.Resume)
	if err != nil {
		return nil, err
	}
	defer dirLock.Release()
	r.Name = filepath.Base(runDir)
	// A run killed mid-write leaves temp files behind; this run now owns
	// the folder (and its own checkpoint's temps in pretrained/).
	metrics.RemoveStaleTemps(runDir)
	ckpt := filepath.Join(runDir, "model.pt")
	if r.Kind == "pretrain" {
		ckpt = filepath.Join(o.PretrainedDir, r.Dataset+"-cnn.pt")
		if err := checkWritable(o.PretrainedDir, "--pretrained-dir"); err != nil {
			return nil, err
		}
		ckptLock, err := runlock.Acquire(filepath.Join(o.PretrainedDir, "."+filepath.Base(ckpt)+".lock"), ckpt)
		if err != nil {
			return nil, err
		}
		defer ckptLock.Release()
		if err := checkOverwrite(ckpt, o.Overwrite || o.Resume); err != nil { // a resumed run passed it when it started
			return nil, err
		}
		metrics.RemoveStaleTemps(o.PretrainedDir, filepath.Base(ckpt), filepath.Base(model.SidecarPath(ckpt)))
	}
	sp, err := loadSplits(ctx, r, o)
	if err != nil {
		return nil, err
	}
	defer sp.drop()

	arch := model.Arch{Model: r.Model, Hidden: r.Hidden, Classes: len(sp.classes)}
	torchenv.ManualSeed(o.Seed)
	vs := nn.NewVarStore(o.Device)
	defer vs.Destroy()
	net, err := model.Build(vs.Root(), arch)
	if err != nil {
		return nil, err
	}
	params := model.Params(vs)
	if err := checkFreeSpace(r, o, runDir, params); err != nil {
		return nil, err
	}
	var resume *resumePoint
	if o.Resume {
		if resume, err = loadResumePoint(runDir, vs, runConfig(r, o, sp, cachesFeatures(r, o))); err != nil {
			return nil, err
		}
		o.Log.Printf("%s: resuming after epoch %d of %d", r.Name, resume.Epoch, r.Epochs)
	} else if r.Kind == "finetune" && r.Source != "none" {
		src := sourceCheckpoint(r.Source, o.PretrainedDir)
		o.Log.Printf("loading %s (all but the %s head)", src, strings.TrimSuffix(arch.HeadPrefix(), "."))
		if err := model.LoadWeights(vs, src, arch.HeadPrefix()); err != nil {
			if errors.Is(err, os.ErrNotExist) && (r.Source == "mnist" || r.Source == "fashion") {
				return nil, fmt.Errorf("no pretrained %s network at %s: run 'transferlab pretrain --dataset %s' first, or pass --from PATH", r.Source, src, r.Source)
			}
			return nil, err
		}
	}
	if cnn, ok := net.(*model.CNN); ok && channelsLast[o.Precision] {
		if err := cnn.UseChannelsLast(); err != nil {
			return nil, err
		}
	}
	cached := false
	if k := FirstTrainable(r.Layers); k > 0 && r.Kind == "finetune" {
		if params, err = freezeBelow(vs, k); err != nil {
			return nil, err
		}
		if cnn, ok := net.(*model.CNN); ok && cachesFeatures(r, o) {
			if net, err = useCachedFeatures(ctx, cnn, k, sp, bf16); err != nil {
				return nil, err
			}
			cached = true
		}
	}
	opt, err := model.NewAdam(params, r.LR)
	if err != nil {
		return nil, err
	}
	defer opt.Drop()
	if resume != nil {
		if err := restoreAdam(runDir, resume, opt, params); err != nil {
			return nil, err
		}
	}

	run = &metrics.Run{
		Name: r.Name, Kind: r.Kind, Status: "running", Classes: sp.classes,
		Config:    runConfig(r, o, sp, cached),
		Started:   started.UTC(),
		Env:       Env(),
		Reference: r.Reference,
		Recipe:    &recipe,
		Summary:   model.Summary(vs),
	}
	if resume != nil {
		run.History, run.Started = resume.History, resume.Started
	}
	resumable = len(run.History)
	if r.Reference != nil && r.Dataset != "emnist-letters" && r.Kind == "finetune" {
		// The seed's numbers are for EMNIST letters only.
		run.Reference = nil
	}
	o.Log.Printf("%s: %s on %s, %d training images, %d per-epoch %s images, %d test images, %d trainable tensors",
		r.Name, r.Model, r.Dataset, sp.trainN, sp.evalN, sp.evalName, sp.testN, len(params))
	for _, line := range metrics.SummaryLines(run.Summary) {
		o.Log.Printf("  %s", line)
	}

	for e := len(run.History) + 1; e <= r.Epochs; e++ {
		if o.beforeEpoch != nil {
			o.beforeEpoch(e, net)
		}
		batches := (sp.trainN + r.BatchSize - 1) / r.BatchSize
		obs := o.Log.Epoch(e, r.Epochs, batches)
		ep, err := trainOneEpoch(ctx, net, opt, sp.trainX, sp.trainY, r.BatchSize, permutation(sp.trainN, o.Seed, e), e, bf16, obs)
		if err != nil {
			return run, err
		}
		if sp.evalX != nil {
			ev, err := evaluate(ctx, net, sp.evalX, sp.evalY, len(sp.classes), bf16)
			if err != nil {
				return run, err
			}
			ep.ValLoss, ep.ValAcc, ep.HasVal = ev.Loss, ev.Accuracy, true
			ep.Seconds += ev.Seconds
		}
		run.History = append(run.History, ep)
		run.WallSeconds = time.Since(started).Seconds()
		torchenv.ReleaseFreeMemory()
		o.Log.Printf("epoch %d/%d  train loss %.4f acc %.2f%%  %s loss %.4f acc %.2f%%  %.0f img/s  %.1fs",
			e, r.Epochs, ep.TrainLoss, ep.TrainAcc, sp.evalName, ep.ValLoss, ep.ValAcc, ep.ImagesPerSec, ep.Seconds)
		if err := saveResumePoint(runDir, vs, opt, run); err != nil {
			return run, err
		}
		resumable = len(run.History)
		if err := writeRun(runDir, run, o); err != nil {
			return run, err
		}
	}

	last := run.History[len(run.History)-1]
	// The training figures are the last epoch's running means, as the seed
	// reported them.
	run.Final.Train = &metrics.Eval{Dataset: r.Dataset, Split: "train", N: sp.trainN, Loss: last.TrainLoss, Accuracy: last.TrainAcc}
	if sp.evalName == "val" {
		run.Final.Val = &metrics.Eval{Dataset: r.Dataset, Split: "val", N: sp.evalN, Loss: last.ValLoss, Accuracy: last.ValAcc}
	}
	test, err := evaluate(ctx, net, sp.testX, sp.testY, len(sp.classes), bf16)
	if err != nil {
		return run, err
	}
	test.Dataset, test.Split = r.Dataset, "test"
	test.Misclassified = mistakes(sp.test, test.Pred, o.KeepMisclassified)
	run.Final.Test = &test.Eval
	o.Log.Printf("%s: test loss %.4f acc %.2f%% (%d images)", r.Name, test.Loss, test.Accuracy, test.N)

	sc := model.Sidecar{
		Arch: arch, Classes: sp.classes, Dataset: r.Dataset, Config: run.Config, Epoch: len(run.History),
		Final: finalWithoutImages(run.Final), History: run.History, Seed: o.Seed, Command: o.Command,
		Env: run.Env, Reference: run.Reference,
	}
	if err := model.SaveCheckpoint(vs, ckpt, sc); err != nil {
		return run, err
	}
	removeResumePoint(runDir)
	run.Checkpoint = ckpt
	run.Status = "done"
	run.Finished = time.Now().UTC()
	run.WallSeconds = time.Since(started).Seconds()
	o.Log.Printf("%s: checkpoint %s, metrics %s", r.Name, ckpt, filepath.Join(runDir, metrics.FileName))
	return run, writeRun(runDir, run, o)
}

// recordFailure marks a run that ends with err as failed, or interrupted
// when ctx was cancelled, writes its metrics and page, and returns err with
// what is kept: resumable is the number of epochs whose resume point is on
// disk. A nil err passes through.
func recordFailure(ctx context.Context, runDir string, run *metrics.Run, o Options, started time.Time, resumable int, err error) error {
	if err == nil || run.Status != "running" {
		return err
	}
	run.Status = "failed"
	if ctx.Err() != nil {
		run.Status = "interrupted"
	}
	run.WallSeconds = time.Since(started).Seconds()
	if werr := writeRun(runDir, run, o); werr != nil {
		o.Log.Printf("%s: could not record the run's status: %v", run.Name, werr)
	}
	switch {
	case ctx.Err() != nil && resumable == 0:
		return fmt.Errorf("interrupted during the first epoch of %s: nothing to resume", run.Name)
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %d finished epochs of %s are saved in %s; run the same command with --resume to continue", resumable, run.Name, runDir)
	case resumable > 0:
		return fmt.Errorf("%w (the last good epoch, %d, is saved in %s: --resume continues from it)", err, resumable, runDir)
	}
	return err
}

// runConfig is what metrics.json records of a run's settings; a resumed
// run must have the same.
func runConfig(r Recipe, o Options, sp *splits, cached bool) metrics.Config {
	return metrics.Config{
		Model: r.Model, Hidden: r.Hidden, Dataset: r.Dataset, Source: r.Source, Layers: r.Layers,
		Epochs: r.Epochs, BatchSize: r.BatchSize, LR: r.LR, Optimizer: "adam",
		ValFraction: r.ValFraction, PerClass: r.PerClass, Limit: o.Limit, Seed: o.Seed,
		Precision: o.Precision, Threads: torchenv.Threads(), Device: deviceName(o.Device),
		EvalSplit: sp.evalName, FeatureCache: cached, EvalLimit: o.EvalLimit,
		Folder: folderPrep(r.Dataset, o.Data),
	}
}

// folderPrep records a folder:DIR dataset's preparation and holdout, with
// the defaults spelled out; nil for other datasets.
func folderPrep(dataset string, d data.Options) *metrics.FolderPrep {
	if d, err := data.Lookup(dataset); err != nil || !d.Folder {
		return nil
	}
	f := &metrics.FolderPrep{TestFraction: d.TestFraction, Invert: d.Invert, Fit: d.Fit}
	if f.TestFraction == 0 {
		f.TestFraction = data.DefaultTestFraction
	}
	f.Invert = firstNonEmpty(f.Invert, data.InvertAuto)
	f.Fit = firstNonEmpty(f.Fit, data.FitPad)
	return f
}

func writeRun(dir string, run *metrics.Run, o Options) error {
	if err := metrics.WriteJSON(filepath.Join(dir, metrics.FileName), run); err != nil {
		return err
	}
	if o.OnEpoch != nil {
		return o.OnEpoch(run)
	}
	return nil
}

// sourceCheckpoint resolves --from: a pretrained dataset name or a path.
func sourceCheckpoint(source, pretrainedDir string) string {
	switch source {
	case "mnist", "fashion":
		return filepath.Join(pretrainedDir, source+"-cnn.pt")
	}
	return source
}

// channelsLast says, per precision, whether the CNN runs in channels_last
// memory format: where bench/run.sh measured it faster on this machine
// (bench/RESULTS.md). The numbers are the same either way, up to rounding.
var channelsLast = map[string]bool{"fp32": false, "bf16": false}

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

func finalWithoutImages(f metrics.Final) metrics.Final {
	if f.Test != nil {
		t := *f.Test
		t.Misclassified = nil
		f.Test = &t
	}
	return f
}

// mistakes keeps the first n misclassified images of s for the report.
func mistakes(s *data.Split, pred []int64, n int) []metrics.Mistake {
	var out []metrics.Mistake
	for i, p := range pred {
		if len(out) >= n {
			break
		}
		if p != s.Labels[i] {
			out = append(out, metrics.Mistake{Index: i, True: int(s.Labels[i]), Pred: int(p), Rows: s.Rows, Cols: s.Cols,
				Pixels: append([]byte(nil), s.Image(i)...)})
		}
	}
	return out
}

// Env describes this process's runtime for metrics and sidecars.
func Env() metrics.Env {
	host, _ := os.Hostname()
	return metrics.Env{
		Libtorch: torchenv.LibtorchVersion(), Gotch: torchenv.GotchVersion(),
		Commit: torchenv.Commit(), Host: host, CPUs: runtime.NumCPU(),
	}
}

func deviceName(d gotch.Device) string {
	if d.IsCuda() {
		return fmt.Sprintf("cuda:%d", d.CInt())
	}
	return "cpu"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// splits holds a run's data, resident as tensors.
type splits struct {
	classes              []string
	trainX, trainY       *ts.Tensor
	evalX, evalY         *ts.Tensor // validation, or test when there is none
	testX, testY         *ts.Tensor
	test                 *data.Split
	trainN, evalN, testN int
	evalName             string
}

func (s *splits) drop() {
	for _, t := range []*ts.Tensor{s.trainX, s.trainY, s.testX, s.testY} {
		if t != nil {
			t.MustDrop()
		}
	}
	if s.evalName == "val" {
		s.evalX.MustDrop()
		s.evalY.MustDrop()
	}
}

// loadSplits loads the recipe's training and test data: the training set
// reduced per class and/or limited, split 80/20 into train and validation
// when the recipe holds out a validation set (the per-epoch curve is then
// on validation, else on test).
func loadSplits(ctx context.Context, r Recipe, o Options) (*splits, error) {
	train, err := data.Load(ctx, r.Dataset, "train", o.Data)
	if err != nil {
		return nil, err
	}
	test, err := data.Load(ctx, r.Dataset, "test", o.Data)
	if err != nil {
		return nil, err
	}
	if r.PerClass > 0 {
		var short []data.ShortClass
		if train, short, err = train.ReducedPerClass(r.PerClass); err != nil {
			return nil, err
		}
		for _, c := range short {
			o.Log.Printf("%s: training set: %s", r.Dataset, c)
		}
	}
	if o.Limit > 0 && o.Limit < train.Len() {
		idx := make([]int, o.Limit)
		for i := range idx {
			idx[i] = i
		}
		if train, err = train.Subset(idx); err != nil {
			return nil, err
		}
	}
	if o.EvalLimit > 0 && o.EvalLimit < test.Len() {
		// A seeded sample, never a prefix: EMNIST's test labels are
		// grouped by class.
		idx := permutation(test.Len(), o.Seed, 0)[:o.EvalLimit]
		sorted := make([]int, len(idx))
		for i, v := range idx {
			sorted[i] = int(v)
		}
		sort.Ints(sorted)
		if test, err = test.Subset(sorted); err != nil {
			return nil, err
		}
	}
	var val *data.Split
	if r.ValFraction > 0 {
		tr, va := data.TrainValSplit(train.Len(), r.ValFraction, o.Seed)
		if val, err = train.Subset(va); err != nil {
			return nil, err
		}
		if train, err = train.Subset(tr); err != nil {
			return nil, err
		}
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("no training images left for %s", r.Name)
	}
	s := &splits{classes: train.Classes, test: test, trainN: train.Len(), testN: test.Len()}
	ok := false
	defer func() {
		if !ok {
			s.drop()
		}
	}()
	if s.trainX, s.trainY, err = train.Tensors(o.Device); err != nil {
		return nil, err
	}
	if s.testX, s.testY, err = test.Tensors(o.Device); err != nil {
		return nil, err
	}
	s.evalX, s.evalY, s.evalN, s.evalName = s.testX, s.testY, s.testN, "test"
	if val != nil && val.Len() > 0 {
		if s.evalX, s.evalY, err = val.Tensors(o.Device); err != nil {
			return nil, err
		}
		s.evalN, s.evalName = val.Len(), "val"
	}
	ok = true
	return s, nil
}
