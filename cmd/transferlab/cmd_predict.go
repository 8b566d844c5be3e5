package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
	"transferlab/train"
)

// predictOptions are the flags of 'transferlab predict'. Its data flags
// are its own, not datasetOptions': --invert and --fit here are the
// images' own, whatever the data flags become.
type predictOptions struct {
	checkpoint, dataset, dataDir string
	invert, fit                  choiceFlag
	device                       deviceFlag
	top                          int
	asJSON                       bool
}

func (o *predictOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.checkpoint, "checkpoint", "", "the .pt file (with its .json sidecar, or a plain PyTorch state_dict)")
	f.StringVar(&o.dataset, "dataset", "", "for a checkpoint without a sidecar: the dataset whose class names to print")
	addPrepFlags(f, &o.invert, &o.fit, "")
	f.IntVar(&o.top, "top", 3, "classes to show per image")
	f.BoolVar(&o.asJSON, "json", false, "print JSON (for scripts)")
	addDeviceFlag(f, &o.device)
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder, for --dataset (default $TRANSFERLAB_DATA or the user cache dir)")
}

func newPredictCommand() *cobra.Command {
	var opts predictOptions
	cmd := &cobra.Command{
		Use:   "predict --checkpoint FILE IMAGE...",
		Short: "Classify image files (PNG, JPEG, GIF, BMP) with a checkpoint: the top classes and their probabilities",
		Long: `predict prepares each image as folder:DIR datasets prepare theirs (grayscale;
bright ink on black, inverting dark-on-light images unless --invert says
otherwise; fitted into 28x28) and prints the checkpoint's most likely
classes for it. A checkpoint without a sidecar (a plain PyTorch state_dict
of the seed CNN or an FFN) names its classes 0..K-1, or those of --dataset.
An image that cannot be read is named in one error line after the others'
predictions, and the exit status is 1.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPredict(cmd.Context(), opts, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runPredict(ctx context.Context, o predictOptions, images []string, stdout, stderr io.Writer) error {
	if o.checkpoint == "" {
		return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
	}
	if o.top < 1 {
		return usageError{fmt.Errorf("--top %d: give 1 or more", o.top)}
	}
	base, err := deviceOptions(o.device, stderr)
	if err != nil {
		return err
	}
	preds, err := train.Predict(ctx, train.PredictOptions{Checkpoint: o.checkpoint, Images: images, Dataset: o.dataset,
		Data:   data.Options{DataDir: o.dataDir, Download: true, Progress: stderr},
		Prep:   data.Prep{Invert: o.invert.value, Fit: o.fit.value},
		Device: base.Device, Top: o.top, Log: base.Log})
	if err != nil {
		return err
	}
	if err := writePredictions(stdout, o.checkpoint, preds, o.asJSON); err != nil {
		return err
	}
	return unreadImages(preds)
}

// unreadImages is the error of the images that could not be read, one
// line after the others' predictions (exit 1); nil when all were read.
func unreadImages(preds []train.Prediction) error {
	var bad []string
	for _, p := range preds {
		if p.Error != "" {
			bad = append(bad, p.Error)
		}
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return errors.New(bad[0])
	}
	return fmt.Errorf("%d of %d images could not be read: %s", len(bad), len(preds), strings.Join(bad, "; "))
}

// writePredictions prints each image's top classes, one line per image,
// or as JSON.
func writePredictions(w io.Writer, checkpoint string, preds []train.Prediction, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Checkpoint  string             `json:"checkpoint"`
			Predictions []train.Prediction `json:"predictions"`
		}{checkpoint, preds})
	}
	for _, p := range preds {
		if p.Error != "" {
			continue // said once, after the predictions (unreadImages)
		}
		var parts []string
		for _, c := range p.Top {
			parts = append(parts, fmt.Sprintf("%s %.1f%%", c.Class, 100*c.P))
		}
		note := ""
		if p.Inverted {
			note = "  (inverted)"
		}
		if _, err := fmt.Fprintf(w, "%s: %s%s\n", p.Image, strings.Join(parts, ", "), note); err != nil {
			return err
		}
	}
	return nil
}
