package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/metrics"
	"transferlab/train"
	"transferlab/transfer"
)

// finetuneOptions are the flags of 'transferlab finetune'.
type finetuneOptions struct {
	trainOptions
	from, layers, target, bn string
	perClass                 perClassFlag
	seeds                    int
}

func (o *finetuneOptions) AddFlags(f *pflag.FlagSet) {
	def, _ := transfer.Finetune("mnist", "last")
	o.trainOptions.AddFlags(f, def)
	o.addPretrainedDirFlag(f)
	o.addTargetFlags(f)
	o.addNameFlag(f)
	o.addTuningFlags(f)
	f.StringVar(&o.from, "from", "mnist", "none, mnist, fashion, resnet18, resnet50, mobilenet_v2 (ImageNet weights: 'transferlab weights fetch') or a checkpoint PATH (.pt, or torchvision's .pth)")
	f.StringVar(&o.layers, "layers", "last", "last (train only the new head), all, or from:LAYER (train LAYER and above: conv1..conv5, fc1..fc3; a ResNet's layer1..layer4, fc; mobilenet_v2's features.1, features.2, features.4, features.7, features.14, classifier)")
	f.StringVar(&o.bn, "bn", train.BNTrain, "a backbone's batch norms in the layers that train: train (batch statistics) or frozen (inference mode, running statistics kept)")
	f.StringVar(&o.target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addPerClassFlag(f, &o.perClass, def.PerClass)
	addSeedsFlag(f, &o.seeds)
}

func newFinetuneCommand() *cobra.Command {
	var opts finetuneOptions
	cmd := &cobra.Command{
		Use:   "finetune",
		Short: "Q5: transfer a pretrained CNN to a new target with a fresh head",
		Long: `finetune replaces the CNN's 84-to-10 head by a fresh 84-to-classes layer and
trains on the target's first --per-class training images of each class.
--layers last freezes every other parameter; --layers all trains them all;
--layers from:LAYER trains LAYER and every layer above it and freezes the
rest (from:fc3 is last, from:conv1 is all; LAYER one of conv1..conv5, fc1..fc3).
--from none trains from scratch; mnist and fashion load pretrained/<name>-cnn.pt.
--from resnet18, resnet50 or mobilenet_v2 starts from torchvision's ImageNet
weights ('transferlab weights fetch resnet18' first), and --from PATH.pth
from a torchvision state_dict of one of them; the target is then a
folder:DIR of colour photos, prepared at 224x224 as torchvision's
evaluation transform does. A ResNet's --layers stages are conv1 (the
stem), layer1..layer4 and fc; mobilenet_v2's are features.0 (the stem),
features.1, features.2 (blocks 2-3), features.4 (4-6), features.7 (7-13),
features.14 (14-18, with the 1x1 convolution to 1280) and classifier.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return targetUnavailable(runFinetune(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runFinetune(ctx context.Context, o finetuneOptions, stdout, stderr io.Writer) error {
	r, err := transfer.Finetune(o.from, o.layers)
	if err != nil {
		return usageError{err}
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	if err := opts.Tuning.CheckGroups(opts.Apply(r)); err != nil {
		return usageError{err}
	}
	if err := checkSeeds(o.seed, o.seeds); err != nil {
		return err
	}
	if err := checkTarget(o.target); err != nil {
		return err
	}
	// The source is checked before the data loads: a missing --from PATH,
	// or one that is no file (a FIFO blocked the run). A --resume does not
	// need it, and a missing pretrained network is the run's to report,
	// with the command that makes it.
	if src := train.SourceCheckpoint(r, opts.PretrainedDir); src != "" {
		err := metrics.CheckRegular(src)
		switch {
		case errors.Is(err, fs.ErrNotExist) && (opts.Resume || r.Source == "mnist" || r.Source == "fashion"):
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("--from %s does not exist", src)
		case err != nil:
			return fmt.Errorf("--from: %w", err)
		}
	}
	opts.Target, opts.PerClass, opts.BN = o.target, o.perClass.n, o.bn
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	if o.seeds > 1 {
		runs, err := transfer.RunSeeds(ctx, r, opts, "", o.seeds)
		if len(runs) > 0 {
			_ = transfer.WriteSeedTable(stdout, runs)
			rebuildReport(o.resultsDir, "", stderr)
		}
		return err
	}
	run, err := train.Run(ctx, r, opts)
	if run != nil {
		rebuildReport(o.resultsDir, runPage(o.resultsDir, run), stderr)
	}
	return err
}
