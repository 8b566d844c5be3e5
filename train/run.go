// Package train is the training engine: Run trains any Recipe (the
// experiments in package transfer register the seed's) and keeps its
// record, resume points and checkpoint; EvalCheckpoint and Predict use a
// saved network. A run is three stages over one value, a job: prepare
// (folders and locks, data, network, source weights or resume point,
// freezing and feature cache, optimizer), fit (the epochs, each ending in a
// resume point) and finish (the test evaluation and the checkpoint). Run
// is where a run fails: every error and every libtorch error ends there,
// and marks the run failed or interrupted.
package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sugarme/gotch/nn"

	"transferlab/data"
	"transferlab/internal/runlock"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// Run trains recipe r with options o and returns its metrics. It writes
// results/<run>/metrics.json after every epoch and a checkpoint at the end:
// pretrained/<dataset>-cnn.pt for a pretraining, results/<run>/model.pt
// otherwise.
func Run(ctx context.Context, r Recipe, o Options) (run *metrics.Run, err error) {
	j := &job{ctx: ctx, started: time.Now()}
	defer j.close()
	defer func() {
		if p := recover(); p != nil { // a libtorch error from a gotch Must* helper
			err = torchenv.PanicError(p)
		}
		if j.run != nil {
			err = recordFailure(ctx, j.dir, j.run, j.o, j.started, j.resumable, err)
		}
		run = j.run
	}()
	if o.BeforeRun != nil {
		o.BeforeRun(o.Apply(r), o)
	}
	if err := j.prepare(r, o); err != nil {
		return nil, err
	}
	if err := j.fit(); err != nil {
		return nil, err
	}
	return nil, j.finish()
}

// job is one run on its way: what prepare sets up, fit trains and finish
// evaluates and saves.
type job struct {
	ctx       context.Context
	r         Recipe
	o         Options
	started   time.Time
	dir       string // the run's folder
	ckpt      string // where the trained network goes
	source    string // a backbone's weights file, when --from names one (resolveBackbone)
	sp        *splits
	arch      model.Arch
	vs        *nn.VarStore
	net       model.Net // the network, or its trainable part over cached features
	params    []model.Param
	opt       *model.Optimizer
	pending   []model.ParamGroup // layers frozen for the head-only phase, to unfreeze after it
	rule      stepRule           // the schedule, the loss's label smoothing and the augmentation
	resume    *resumePoint       // the point a --resume continues from
	run       *metrics.Run       // nil until the run has begun
	resumable int                // epochs whose resume point is on disk
	lastTest  *evaluation        // the latest epoch's pass when it evaluates on the test split
	closers   []func()           // locks and libtorch memory, released by close
}

// close releases what the job holds, last taken first.
func (j *job) close() {
	for i := len(j.closers) - 1; i >= 0; i-- {
		j.closers[i]()
	}
}

func (j *job) bf16() bool { return j.o.Precision == "bf16" }

// prepare readies everything the epochs need, in order; it fails before
// any training when something is missing.
func (j *job) prepare(r Recipe, o Options) error {
	// The recipe before the flags change it: the pages mark a run that
	// departs from it and never set the seed's numbers beside it.
	recipe := metrics.Recipe{Epochs: r.Epochs, BatchSize: r.BatchSize, LR: r.LR, PerClass: r.PerClass}
	def := r
	j.r, j.o = o.Apply(r), o.WithDefaults()
	j.o.Data.Seed = j.o.Seed // a folder:DIR dataset's holdout
	for _, step := range []func() error{
		j.check,
		j.resolveBackbone,
		func() error { return j.claimFolders(def) },
		j.loadData,
		j.findLR,
		j.buildNetwork,
		j.loadWeights,
		j.freeze,
		j.newOptimizer,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	j.begin(recipe)
	return nil
}

// resolveBackbone makes a transfer from an ImageNet backbone one: --from
// resnet18|resnet50|mobilenet_v2 (torchvision's weights, fetched into the data dir) or
// a file that holds one (torchvision's .pth, a transferlab checkpoint).
// The network is then that backbone, the folder's images are prepared in
// colour at 224, and the --layers depth must be one of its stages.
func (j *job) resolveBackbone() error {
	if j.r.Kind == "finetune" {
		switch src := SourceCheckpoint(j.r, j.o.PretrainedDir); {
		case data.IsWeightsName(j.r.Source):
			path, err := data.WeightsPath(j.r.Source, j.o.Data)
			if err != nil {
				return err
			}
			j.r.Model, j.source = j.r.Source, path
		case src != "" && j.r.Source != "mnist" && j.r.Source != "fashion":
			if sc, _, err := checkpointArch(src); err == nil && model.IsBackbone(sc.Arch.Model) {
				j.r.Model = sc.Arch.Model
			} // else the load reports what the file is
		}
	}
	if err := checkLayersFor(j.r.Model, j.r.Layers); err != nil {
		return err
	}
	if !model.IsBackbone(j.r.Model) {
		return nil
	}
	if d, err := data.Lookup(j.r.Dataset); err != nil || !d.Folder {
		return fmt.Errorf("%s is an ImageNet backbone for colour photos: give --target folder:DIR (class folders of images), not %s", j.r.Model, j.r.Dataset)
	}
	j.o.Data.Colour = true
	return nil
}

// sourceFile is the file a finetune's weights come from: a backbone's
// fetched weights (resolveBackbone), else SourceCheckpoint's; "" for none.
func (j *job) sourceFile() string {
	if j.source != "" {
		return j.source
	}
	return SourceCheckpoint(j.r, j.o.PretrainedDir)
}

// check fails for settings no run can have.
func (j *job) check() error {
	if j.o.BN != "" && j.o.BN != BNTrain && j.o.BN != BNFrozen {
		return fmt.Errorf("unknown --bn %q: choose train or frozen", j.o.BN)
	}
	if j.o.Precision != "fp32" && j.o.Precision != "bf16" {
		return fmt.Errorf("unknown precision %q: choose fp32 or bf16", j.o.Precision)
	}
	if j.r.Epochs < 1 || j.r.BatchSize < 1 || j.r.LR <= 0 {
		return fmt.Errorf("epochs (%d), batch size (%d) and learning rate (%g) must be positive", j.r.Epochs, j.r.BatchSize, j.r.LR)
	}
	if j.r.StratifiedVal && !(j.r.ValFraction > 0 && j.r.ValFraction < 1) {
		return fmt.Errorf("validation share %v: give a share between 0 and 1", j.r.ValFraction)
	}
	if err := j.o.Tuning.check(j.r.ValFraction); err != nil {
		return err
	}
	if err := j.o.Tuning.CheckGroups(j.r); err != nil {
		return err
	}
	if j.o.LRAuto && j.o.Resume {
		return fmt.Errorf("--lr auto runs the range test on a fresh network, and a resumed run continues at the rate it started with: resume without --lr auto, giving --lr the rate its first part used")
	}
	if flag, known := torchenv.CPUBF16(); j.bf16() && known && flag == "" {
		j.o.Log.Printf("warning: this CPU has no bf16 instructions (avx512_bf16, amx_bf16): bf16 takes slow paths and --precision bf16 runs many times slower than fp32 here (bench/RESULTS.md)")
	}
	return nil
}

// claimFolders gives the run a folder of its own that no later run
// replaces, locked while it runs, as is the pretrained network a
// pretraining writes: a --resume of a run that is still going fails here,
// naming it. Temp files a killed run left are removed under the lock.
func (j *job) claimFolders(def Recipe) error {
	_, statErr := os.Stat(j.o.ResultsDir)
	madeResults := errors.Is(statErr, fs.ErrNotExist)
	dir, lock, fresh, err := claimRunFolder(j.o.ResultsDir, RunName(def, j.o), j.o.Resume)
	if err != nil {
		if madeResults {
			os.Remove(j.o.ResultsDir) // only if empty
		}
		return err
	}
	j.closers = append(j.closers, func() {
		if fresh && j.run == nil {
			removeUnusedFolder(dir) // the run failed before it began
			if madeResults {
				// The results folder this run made for it, if
				// nothing else was written there: a failed first
				// run (offline, say) leaves no empty folder.
				os.Remove(j.o.ResultsDir)
			}
		}
		lock.Release()
	})
	j.dir, j.r.Name = dir, filepath.Base(dir)
	metrics.RemoveStaleTemps(j.dir)
	j.ckpt = filepath.Join(j.dir, "model.pt")
	if j.r.Kind != "pretrain" {
		return nil
	}
	j.ckpt = PretrainedPath(j.o.PretrainedDir, j.r.Dataset)
	if err := checkWritable(j.o.PretrainedDir, "--pretrained-dir"); err != nil {
		return err
	}
	ckptLock, err := runlock.Acquire(filepath.Join(j.o.PretrainedDir, "."+filepath.Base(j.ckpt)+".lock"), j.ckpt)
	if err != nil {
		return err
	}
	j.closers = append(j.closers, ckptLock.Release)
	if err := checkOverwrite(j.ckpt, j.o.Overwrite || j.o.Resume); err != nil { // a resumed run passed it when it started
		return err
	}
	metrics.RemoveStaleTemps(j.o.PretrainedDir, filepath.Base(j.ckpt), filepath.Base(model.SidecarPath(j.ckpt)))
	return nil
}

func (j *job) loadData() error {
	sp, err := loadSplits(j.ctx, j.r, j.o)
	if err != nil {
		return err
	}
	j.sp = sp
	j.closers = append(j.closers, sp.drop)
	return nil
}

// buildNetwork makes the network, initialised from the seed as PyTorch
// would, once the folders are known to have room for its checkpoints.
func (j *job) buildNetwork() error {
	j.arch = model.Arch{Model: j.r.Model, Hidden: j.r.Hidden, Classes: len(j.sp.classes)}
	// Before seeding: the first choice on a machine measures, and draws
	// random numbers. The measurement is of the CPU's kernels; on a GPU
	// the network stays in PyTorch's default layout.
	channelsLast := j.r.Model == "cnn" && !j.o.Device.IsCuda() && ChannelsLast(j.o.Precision, true, j.o.Log)
	torchenv.ManualSeed(j.o.Seed)
	j.vs = nn.NewVarStore(j.o.Device)
	j.closers = append(j.closers, j.vs.Destroy)
	net, err := model.Build(j.vs.Root(), j.arch)
	if err != nil {
		return err
	}
	j.net, j.params = net, model.Trainable(j.vs) // not the batch norm buffers: no optimizer updates them
	if cnn, ok := net.(*model.CNN); ok && channelsLast {
		if err := cnn.UseChannelsLast(); err != nil {
			return err
		}
	}
	if err := useBackboneChannelsLast(net, j.o.Device); err != nil {
		return err
	}
	return checkFreeSpace(j.r, j.o, j.dir, model.Params(j.vs)) // checkpoints hold the buffers too
}

// loadWeights loads the resume point's weights, or a finetune's source
// network (all but its head).
func (j *job) loadWeights() error {
	if j.o.Resume {
		rp, err := loadResumePoint(j.dir, j.vs, runConfig(j.r, j.o, j.sp, cachesFeatures(j.r, j.o)))
		if err != nil {
			return err
		}
		j.resume = rp
		if rp.Epoch == j.r.Epochs {
			// Its final checkpoint could not be written (finish failed):
			// fit has nothing to do, finish runs again.
			j.o.Log.Printf("%s: all %d epochs are trained: evaluating on the test split and writing the checkpoint the run could not write", j.r.Name, rp.Epoch)
			return nil
		}
		j.o.Log.Printf("%s: resuming after epoch %d of %d", j.r.Name, rp.Epoch, j.r.Epochs)
		return nil
	}
	if j.r.Kind != "finetune" || j.r.Source == "none" {
		return nil
	}
	src := j.sourceFile()
	j.o.Log.Printf("loading %s (all but the %s head)", src, strings.TrimSuffix(j.arch.HeadPrefix(), "."))
	err := model.LoadWeights(j.vs, src, j.arch.HeadPrefix())
	if errors.Is(err, os.ErrNotExist) && (j.r.Source == "mnist" || j.r.Source == "fashion") {
		return fmt.Errorf("no pretrained %s network at %s: run 'transferlab pretrain --dataset %s' first, or pass --from PATH", j.r.Source, src, j.r.Source)
	}
	return err
}

// freeze stops the gradients of every layer below the first trainable
// one (--layers last, from:LAYER) and, for the CNN, swaps the images for
// the frozen layers' output, computed once.
func (j *job) freeze() error {
	layers := model.LayersOf(j.r.Model)
	k := firstTrainableIn(layers, j.r.Layers)
	if bb, ok := j.net.(model.Backbone); ok {
		bb.FreezeStagesBelow(k)
		if j.o.BN == BNFrozen {
			bb.FreezeBatchNorm()
		}
	}
	if k <= 0 || j.r.Kind != "finetune" {
		return nil
	}
	params, err := freezeBelow(j.vs, j.r.Model, layers, k)
	if err != nil {
		return err
	}
	j.params = params
	if net, ok := j.net.(stagedNet); ok && cachesFeatures(j.r, j.o) {
		j.net, err = useCachedFeatures(j.ctx, net, layers, k, j.sp, j.bf16(), j.o.Log)
	}
	return err
}

// newOptimizer is the run's optimizer (Adam unless --optimizer says
// otherwise) over the trainable parameters, with the resume point's state
// on a --resume, and the steps' schedule and loss.
func (j *job) newOptimizer() error {
	t := j.o.Tuning
	cfg := model.OptimConfig{Kind: t.Optimizer, LR: j.r.LR, WeightDecay: t.WeightDecay}
	var opt *model.Optimizer
	var err error
	if t.grouped() {
		opt, err = j.groupedOptimizer(cfg)
	} else {
		opt, err = model.NewOptimizer(j.params, cfg)
	}
	if err != nil {
		return err
	}
	j.opt = opt
	j.closers = append(j.closers, opt.Drop)
	sched, err := newSchedule(t.Schedule, j.r.LR, j.r.Epochs, (j.sp.trainN+j.r.BatchSize-1)/j.r.BatchSize, t.WarmupEpochs)
	if err != nil {
		return err
	}
	j.rule = j.lossAndAugmentation()
	if sched.changes() { // a constant rate is left to the optimizer, as before schedules
		j.rule.sched = &sched
	}
	if j.resume == nil {
		return nil
	}
	// The optimizer as it was after the resume point's epoch: its groups
	// unfrozen when that epoch was past the head-only phase.
	if err := j.unfreezeBefore(j.resume.Epoch); err != nil {
		return err
	}
	return restoreOptimizer(j.dir, j.resume, opt)
}

// begin starts the run's record, from the resume point's history on a
// --resume, and prints its header and model summary.
func (j *job) begin(recipe metrics.Recipe) {
	r := j.r
	j.run = &metrics.Run{
		Name: r.Name, Kind: r.Kind, Status: "running", Classes: j.sp.classes,
		Config:  withSource(runConfig(r, j.o, j.sp, cachesFeatures(r, j.o)), j.sourceFile()),
		Started: j.started.UTC(), Env: Env(), Reference: r.Reference,
		Recipe: &recipe, Summary: model.Summary(j.vs),
	}
	if j.o.Device.IsCuda() {
		j.run.Env.GPU = torchenv.GPUName(j.o.Device.Value)
	}
	if r.Reference != nil && r.Dataset != "emnist-letters" && r.Kind == "finetune" {
		j.run.Reference = nil // the seed's numbers are for EMNIST letters only
	}
	if rp := j.resume; rp != nil {
		j.run.History, j.run.Started = rp.History, rp.Started
		if rp.Config.SourceCheckpoint != "" { // the source as it was when the run began
			j.run.Config.SourceCheckpoint, j.run.Config.SourceSHA256 = rp.Config.SourceCheckpoint, rp.Config.SourceSHA256
		}
	}
	j.resumable = len(j.run.History)
	j.o.Log.Printf("%s: %s on %s, %d training images, %d per-epoch %s images, %d test images, %d trainable tensors",
		r.Name, r.Model, r.Dataset, j.sp.trainN, j.sp.evalN, j.sp.evalName, j.sp.testN, len(j.params))
	for _, line := range metrics.SummaryLines(j.run.Summary) {
		j.o.Log.Printf("  %s", line)
	}
}

// fit trains the epochs not yet done. Each ends with its evaluation, a
// resume point and the metrics file.
func (j *job) fit() error {
	for e := len(j.run.History) + 1; e <= j.r.Epochs; e++ {
		if p := j.o.Tuning.Patience; stopsEarly(j.run.History, p) {
			j.o.Log.Printf("%s: early stopping after epoch %d: no better validation accuracy since epoch %d (patience %d)", j.r.Name, e-1, bestEpoch(j.run.History), p)
			break
		}
		if err := j.unfreezeBefore(e); err != nil {
			return err
		}
		if j.o.beforeEpoch != nil {
			j.o.beforeEpoch(e, j.net)
		}
		ep, err := j.epoch(e)
		if err != nil {
			return err
		}
		if err := j.checkFolder(); err != nil {
			return err
		}
		j.run.History = append(j.run.History, ep)
		j.run.WallSeconds = time.Since(j.started).Seconds()
		torchenv.ReleaseFreeMemory()
		j.o.Log.Printf("epoch %d/%d  train loss %.4f acc %.2f%%  %s loss %.4f acc %.2f%%  %.0f img/s  %.1fs (%s pass %.1fs)",
			e, j.r.Epochs, ep.TrainLoss, ep.TrainAcc, j.sp.evalName, ep.ValLoss, ep.ValAcc, ep.ImagesPerSec, ep.Seconds, j.sp.evalName, ep.EvalSeconds)
		if err := j.saveBest(); err != nil {
			return err
		}
		if err := saveResumePoint(j.dir, j.vs, j.opt, j.run); err != nil {
			return err
		}
		j.resumable = len(j.run.History)
		if j.o.Tuning.Keep == KeepBest {
			pruneBest(j.dir, bestEpoch(j.run.History))
		}
		if j.o.afterEpoch != nil {
			j.o.afterEpoch(e, j.vs)
		}
		if err := writeRun(j.dir, j.run, j.o); err != nil {
			return err
		}
	}
	return nil
}

// checkFolder fails when the run's folder, or its lock, was removed
// while the run was going: writing the epoch would make the folder again,
// unlocked, for another run to take.
func (j *job) checkFolder() error {
	if _, err := os.Stat(filepath.Join(j.dir, ".lock")); err != nil {
		return fmt.Errorf("the run folder %s (or its lock) was removed while the run was going: stopped, nothing more is written there", j.dir)
	}
	return nil
}

// epoch trains epoch e (a seeded shuffle of its own) and evaluates on the
// validation split, or the test split where the recipe holds none out.
func (j *job) epoch(e int) (metrics.Epoch, error) {
	sp, r := j.sp, j.r
	obs := j.o.Log.Epoch(e, r.Epochs, (sp.trainN+r.BatchSize-1)/r.BatchSize)
	ep, err := trainEpoch(j.ctx, j.net, j.opt, sp.trainX, sp.trainY, r.BatchSize, permutation(sp.trainN, j.o.Seed, e), e, j.bf16(), obs, j.rule)
	if err != nil {
		return ep, err
	}
	pass := j.o.Log.Task(fmt.Sprintf("epoch %d/%d %s pass", e, r.Epochs, sp.evalName), chunksOf(sp.evalN, evalChunk(j.net)))
	ev, err := evaluateObserved(j.ctx, j.net, sp.evalX, sp.evalY, len(sp.classes), j.bf16(), pass)
	if err != nil {
		return ep, err
	}
	ep.ValLoss, ep.ValAcc, ep.HasVal = ev.Loss, ev.Accuracy, true
	ep.Seconds += ev.Seconds
	ep.EvalSeconds = ev.Seconds
	j.lastTest = nil
	if sp.evalName == "test" {
		ev.FromEpoch = e
		j.lastTest = &ev
	}
	return ep, nil
}

// finish evaluates the trained network on the test split (testPass) and
// writes its checkpoint (and sidecar), then the final metrics.
func (j *job) finish() error {
	r, sp, run := j.r, j.sp, j.run
	if err := j.loadKept(j.vs); err != nil {
		return err
	}
	run.Selection = j.selection()
	last := run.History[j.keptEpoch()-1]
	// The training figures are the kept (by default the last) epoch's
	// running means, as the seed reported them.
	run.Final.Train = &metrics.Eval{Dataset: r.Dataset, Split: "train", N: sp.trainN, Loss: last.TrainLoss, Accuracy: last.TrainAcc}
	if sp.evalName == "val" {
		run.Final.Val = &metrics.Eval{Dataset: r.Dataset, Split: "val", N: sp.evalN, Loss: last.ValLoss, Accuracy: last.ValAcc}
	}
	test, err := j.testPass()
	if err != nil {
		return err
	}
	test.Dataset, test.Split = r.Dataset, "test"
	test.Misclassified = mistakes(sp.test, test.Pred, j.o.KeepMisclassified)
	run.Final.Test = &test.Eval
	j.o.Log.Printf("%s: test loss %.4f acc %.2f%% (%d images)", r.Name, test.Loss, test.Accuracy, test.N)
	sc := model.Sidecar{
		Arch: j.arch, Classes: sp.classes, Dataset: r.Dataset, Config: run.Config, Epoch: len(run.History),
		Final: finalWithoutImages(run.Final), History: run.History, Seed: j.o.Seed, Command: j.o.Command,
		Env: run.Env, Reference: run.Reference, Selection: run.Selection,
	}
	if err := model.SaveCheckpoint(j.vs, j.ckpt, sc); err != nil {
		return err
	}
	run.Checkpoint, run.Status, run.Finished = j.ckpt, "done", time.Now().UTC()
	run.WallSeconds = time.Since(j.started).Seconds()
	j.o.Log.Printf("%s: checkpoint %s, metrics %s", r.Name, j.ckpt, filepath.Join(j.dir, metrics.FileName))
	// The resume point goes only once metrics.json says "done": until
	// then a failure (or a kill) leaves it, and --resume runs finish again.
	if err := writeRun(j.dir, run, j.o); err != nil {
		run.Checkpoint, run.Status, run.Finished = "", "running", time.Time{} // Run marks it failed, resumable
		return err
	}
	removeResumePoint(j.dir)
	pruneBest(j.dir, 0) // kept until now: a --resume of a failed finish loads them again
	return nil
}

// testPass is the trained network's evaluation on the test split. Where
// the epochs evaluate on the test split (no validation split held out),
// the last epoch's pass is that evaluation, already made: the same
// network on the same images, so it is taken over (FromEpoch says so)
// instead of run again, one test pass fewer per run. A run resumed after
// its last epoch has no such pass in memory and makes it.
func (j *job) testPass() (evaluation, error) {
	if t := j.lastTest; t != nil && t.FromEpoch == len(j.run.History) {
		return *t, nil
	}
	pass := j.o.Log.Task("test pass", chunksOf(j.sp.testN, evalChunk(j.net)))
	return evaluateObserved(j.ctx, j.net, j.sp.testX, j.sp.testY, len(j.sp.classes), j.bf16(), pass)
}

// SourceCheckpoint is the file a finetune loads its source weights from
// (--from: a pretrained dataset's network or a path), "" when there is
// none (a pretraining, an overfit, --from none).
func SourceCheckpoint(r Recipe, pretrainedDir string) string {
	switch {
	case r.Kind != "finetune" || r.Source == "none" || r.Source == "":
		return ""
	case r.Source == "mnist" || r.Source == "fashion":
		return PretrainedPath(pretrainedDir, r.Source)
	case data.IsWeightsName(r.Source):
		return "" // torchvision's weights, found in the data dir by the run
	}
	return r.Source
}

// PretrainedPath is where the network pretrained on dataset lives.
func PretrainedPath(pretrainedDir, dataset string) string {
	return filepath.Join(pretrainedDir, dataset+"-cnn.pt")
}
