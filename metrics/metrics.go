// Package metrics defines the files a run leaves in its results folder
// (metrics.json, eval-*.json) and reads and writes them. It imports no
// torch: the report pages are built from these files alone.
package metrics

import (
	"encoding/json"
	"io"
	"time"
)

// Run is results/<run>/metrics.json: one training run, written after every
// epoch so an open report can follow it.
type Run struct {
	Name     string    `json:"name"`   // folder name under results/, e.g. "transfer-mnist-last"
	Kind     string    `json:"kind"`   // "overfit", "pretrain" or "finetune"
	Status   string    `json:"status"` // "running", "done", "interrupted" or "failed"
	Config   Config    `json:"config"`
	Classes  []string  `json:"classes"`
	History  []Epoch   `json:"history"` // one entry per finished epoch, in order
	Final    Final     `json:"final"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitempty"`
	// WallSeconds is the run's wall time so far, data loading included.
	WallSeconds float64 `json:"wall_seconds"`
	Checkpoint  string  `json:"checkpoint,omitempty"` // path of the .pt written, if any
	Env         Env     `json:"env"`
	// Reference holds the seed homework's numbers for this recipe, if any.
	Reference *Reference `json:"reference,omitempty"`
	// Recipe is the recipe's own settings, before the command's flags
	// changed any: a run whose Config differs from them is not the recipe
	// the Reference numbers are for (see NotRecipe). Absent in files
	// written before it was recorded.
	Recipe *Recipe `json:"recipe,omitempty"`
	// Summary is the network's layers, their parameters and whether they
	// trained.
	Summary []Layer `json:"summary,omitempty"`
	// Selection is the epoch kept (--keep best) and early stopping
	// (--patience), when either is on.
	Selection *Selection `json:"selection,omitempty"`
	// Reused says which saved network a command took instead of training
	// it (reproduce's pretrainings): its history and times are that
	// training's. Empty for a run that trained.
	Reused string `json:"reused,omitempty"`
}

// Recipe is the part of a recipe that a command's flags can change.
type Recipe struct {
	Epochs    int     `json:"epochs"`
	BatchSize int     `json:"batch_size"`
	LR        float64 `json:"lr"`
	PerClass  int     `json:"per_class,omitempty"` // finetune: first N training images per class
}

// Config is the recipe and hyperparameters a run used.
type Config struct {
	Model   string `json:"model"`            // "ffn" or "cnn"
	Hidden  []int  `json:"hidden,omitempty"` // FFN hidden sizes
	Dataset string `json:"dataset"`          // training data, e.g. "mnist", "emnist-letters"
	Source  string `json:"source,omitempty"` // finetune: "none", "mnist", "fashion" or a path
	// SourceCheckpoint is the file a finetune's source weights came from
	// (pretrained/mnist-cnn.pt for --from mnist); empty for --from none.
	SourceCheckpoint string  `json:"source_checkpoint,omitempty"`
	SourceSHA256     string  `json:"source_sha256,omitempty"` // the source file\'s SHA-256 when the run began
	Layers           string  `json:"layers,omitempty"`        // finetune: "last" or "all"
	Epochs           int     `json:"epochs"`
	BatchSize        int     `json:"batch_size"`
	LR               float64 `json:"lr"`
	// LRAuto is true when LR is the suggestion of the learning-rate range
	// test run before the run (--lr auto).
	LRAuto      bool    `json:"lr_auto,omitempty"`
	Optimizer   string  `json:"optimizer"`
	ValFraction float64 `json:"val_fraction"` // 0.2: 80/20 split of the training set; 0: none
	// ValStratified is true when ValFraction was held out of each class
	// (--val-fraction), not of the whole set at once (Q4).
	ValStratified bool `json:"val_stratified,omitempty"`
	// The fine-tuning options; each absent (zero) is the seed's recipe:
	// Adam, no weight decay, a constant rate, no smoothing, the last epoch.
	WeightDecay    float64 `json:"weight_decay,omitempty"`
	Schedule       string  `json:"schedule,omitempty"`      // "cosine" or "onecycle"; "": constant
	WarmupEpochs   float64 `json:"warmup_epochs,omitempty"` // linear warmup, in epochs
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	Keep           string  `json:"keep,omitempty"`     // "best": the best validation epoch is tested and saved; "": the last
	Patience       int     `json:"patience,omitempty"` // early stopping after this many epochs without a new best
	// FreezeEpochs: the head alone trained for this many epochs, then the
	// layers Layers names (two-phase fine-tuning); 0: one phase.
	FreezeEpochs int `json:"freeze_epochs,omitempty"`
	// Augment is the training images' augmentation: "shift", "standard"
	// or "crop" (a backbone's random resized crop and flip); "": none.
	Augment string `json:"augment,omitempty"`
	// BodyLRMult: the lowest trained layer's rate as a share of the
	// head's, the layers between spread geometrically; 0: one rate.
	BodyLRMult float64 `json:"body_lr_mult,omitempty"`
	// LRGroups names the optimizer's parameter groups, in the order of
	// each epoch's LR (an epoch before the unfreeze has the first only);
	// absent: one group of every trained parameter.
	LRGroups  []string `json:"lr_groups,omitempty"`
	PerClass  int      `json:"per_class,omitempty"` // reduced training set: first N per class
	Limit     int      `json:"limit,omitempty"`     // only the first N training images
	Seed      int64    `json:"seed"`
	Precision string   `json:"precision"` // "fp32" or "bf16"
	Threads   int      `json:"threads"`
	Device    string   `json:"device"`
	// EvalSplit is the split of the per-epoch ValLoss/ValAcc curve: "val"
	// (held out of the training set) or "test" when the recipe has none.
	EvalSplit string `json:"eval_split"`
	// FeatureCache is true when a "last" run trained its head on features
	// the frozen backbone computed once; its images/s count head steps.
	FeatureCache bool `json:"feature_cache,omitempty"`
	// BN is a backbone's --bn: train or frozen ("" for other networks).
	BN string `json:"bn,omitempty"`
	// EvalLimit is set when the final test evaluation used a seeded
	// sample of at most this many images (reproduce --quick).
	EvalLimit int `json:"eval_limit,omitempty"`
	// Folder is how a folder:DIR dataset was prepared and split; an
	// evaluation of the run's checkpoint on the same folder repeats it.
	Folder *FolderPrep `json:"folder,omitempty"`
	// EMNISTOrientation is "raw" for EMNIST images used as the files store
	// them (transposed, as torchvision returns them); empty otherwise.
	EMNISTOrientation string `json:"emnist_orientation,omitempty"`
}

// FolderPrep is a folder:DIR dataset's preparation and holdout: the test
// share held out of train/ when there is no test/ (seeded by the run's
// seed), and the image preparation (ink polarity, fit to 28x28).
type FolderPrep struct {
	TestFraction float64 `json:"test_fraction"`
	Invert       string  `json:"invert"`
	Fit          string  `json:"fit"`
}

// Epoch is one epoch of training. Accuracies are percentages; losses are
// means over the epoch's samples.
type Epoch struct {
	Epoch        int     `json:"epoch"` // 1-based
	TrainLoss    float64 `json:"train_loss"`
	TrainAcc     float64 `json:"train_acc"`
	ValLoss      float64 `json:"val_loss,omitempty"`
	ValAcc       float64 `json:"val_acc,omitempty"`
	HasVal       bool    `json:"has_val"`
	Seconds      float64 `json:"seconds"`        // training and validation of this epoch
	ImagesPerSec float64 `json:"images_per_sec"` // training images per second
	// EvalSeconds is the part of Seconds spent on the held-out pass (0 in
	// runs recorded before it was measured).
	EvalSeconds float64 `json:"eval_seconds,omitempty"`
	// LR is the learning rate of each of the optimizer's parameter groups
	// at the epoch's last step (a schedule changes it every step); absent
	// in runs recorded before it was.
	LR []float64 `json:"lr,omitempty"`
}

// Selection says which epoch's weights a run kept and whether it stopped
// early; absent for a run that kept its last epoch and ran them all.
type Selection struct {
	Keep      string  `json:"keep"`                 // "best" or "last"
	Epoch     int     `json:"epoch"`                // the epoch whose weights were tested and saved
	ValAcc    float64 `json:"val_acc"`              // that epoch's validation accuracy
	Patience  int     `json:"patience,omitempty"`   // early stopping's patience (0: off)
	Stopped   bool    `json:"stopped_early"`        // true when early stopping ended the run
	StoppedAt int     `json:"stopped_at,omitempty"` // the last epoch trained, when it stopped early
	Epochs    int     `json:"epochs"`               // the epochs the run was planned for
}

// Final holds end-of-run evaluations; absent ones are nil.
type Final struct {
	Train *Eval `json:"train,omitempty"`
	Val   *Eval `json:"val,omitempty"`
	Test  *Eval `json:"test,omitempty"`
}

// Eval is one evaluation of a network on one split.
type Eval struct {
	Dataset  string    `json:"dataset"`
	Split    string    `json:"split"`
	N        int       `json:"n"`
	Loss     float64   `json:"loss"`
	Accuracy float64   `json:"accuracy"`            // percent
	PerClass []float64 `json:"per_class,omitempty"` // percent, by class index
	// Confusion[t][p] counts images of true class t predicted as p.
	Confusion [][]int `json:"confusion,omitempty"`
	// Misclassified holds a few wrongly classified images for the report.
	Misclassified []Mistake `json:"misclassified,omitempty"`
	Seconds       float64   `json:"seconds"`
	// FromEpoch, when set, says this is that epoch's held-out pass, taken
	// over: a run that evaluates on the test split every epoch has made
	// its final test pass already (same network, same images), so Seconds
	// were spent in that epoch, not after it.
	FromEpoch int `json:"from_epoch,omitempty"`
}

// Mistake is one misclassified image: its index in the split, the true and
// predicted classes and its pixels (Rows*Cols bytes, upright, row-major).
type Mistake struct {
	Index  int    `json:"index"`
	True   int    `json:"true"`
	Pred   int    `json:"pred"`
	Rows   int    `json:"rows"`
	Cols   int    `json:"cols"`
	Pixels []byte `json:"pixels"` // base64 in JSON
}

// EvalFile is results/<run>/eval-<dataset>-<split>.json, written by
// 'transferlab eval'.
type EvalFile struct {
	Checkpoint string    `json:"checkpoint"`
	Classes    []string  `json:"classes"`
	Eval       Eval      `json:"eval"`
	When       time.Time `json:"when"`
	Env        Env       `json:"env"`
}

// Env records what a run ran on.
type Env struct {
	Libtorch string `json:"libtorch"`
	Gotch    string `json:"gotch"`
	Commit   string `json:"commit,omitempty"`
	Host     string `json:"host,omitempty"`
	CPUs     int    `json:"cpus"`
	GPU      string `json:"gpu,omitempty"` // the GPU's name, for a run on one
}

// Reference is the seed homework's result for a recipe (percent, loss).
type Reference struct {
	TrainAcc  float64 `json:"train_acc,omitempty"`
	TrainLoss float64 `json:"train_loss,omitempty"`
	ValAcc    float64 `json:"val_acc,omitempty"`
	ValLoss   float64 `json:"val_loss,omitempty"`
	TestAcc   float64 `json:"test_acc,omitempty"`
	Note      string  `json:"note,omitempty"` // e.g. "never run by the seed"
}

// FileName is the metrics file inside a run folder.
const FileName = "metrics.json"

// WriteJSON writes v as indented JSON to path atomically (WriteAtomic).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// ReadRun reads a metrics.json file.
func ReadRun(path string) (*Run, error) {
	var r Run
	if err := readJSON(path, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReadEval reads an eval-*.json file.
func ReadEval(path string) (*EvalFile, error) {
	var e EvalFile
	if err := readJSON(path, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func readJSON(path string, v any) error {
	return ReadJSONFile(path, "transferlab metrics file", v)
}
