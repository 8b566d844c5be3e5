package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"transferlab/data"
	"transferlab/transfer"
)

func newPredictCommand() *cobra.Command {
	var checkpoint, dataset, dataDir, device, invert, fit string
	var top int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "predict --checkpoint FILE IMAGE...",
		Short: "Classify image files (PNG, JPEG, GIF, BMP) with a checkpoint: the top classes and their probabilities",
		Long: `predict prepares each image as folder:DIR datasets prepare theirs (grayscale;
bright ink on black, inverting dark-on-light images unless --invert says
otherwise; fitted into 28x28) and prints the checkpoint's most likely
classes for it. A checkpoint without a sidecar (a plain PyTorch state_dict
of the seed CNN or an FFN) names its classes 0..K-1, or those of --dataset.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if checkpoint == "" {
				return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
			}
			prep := data.Prep{Invert: invert, Fit: fit}
			if err := prep.Check(); err != nil {
				return usageError{err}
			}
			if top < 1 {
				return usageError{fmt.Errorf("--top %d: give 1 or more", top)}
			}
			dev, err := parseDevice(device)
			if err != nil {
				return err
			}
			// Its own data options, not addDataFlags': --invert and --fit
			// here are the images' own, whatever the data flags become.
			d := data.Options{DataDir: dataDir, Download: true, Progress: os.Stderr}
			preds, err := transfer.Predict(cmd.Context(), transfer.PredictOptions{Checkpoint: checkpoint, Images: args,
				Dataset: dataset, Data: d, Prep: prep, Device: dev, Top: top})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Checkpoint  string                `json:"checkpoint"`
					Predictions []transfer.Prediction `json:"predictions"`
				}{checkpoint, preds})
			}
			for _, p := range preds {
				var parts []string
				for _, c := range p.Top {
					parts = append(parts, fmt.Sprintf("%s %.1f%%", c.Class, 100*c.P))
				}
				note := ""
				if p.Inverted {
					note = "  (inverted)"
				}
				fmt.Fprintf(os.Stdout, "%s: %s%s\n", p.Image, strings.Join(parts, ", "), note)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&checkpoint, "checkpoint", "", "the .pt file (with its .json sidecar, or a plain PyTorch state_dict)")
	f.StringVar(&dataset, "dataset", "", "for a checkpoint without a sidecar: the dataset whose class names to print")
	f.StringVar(&invert, "invert", data.InvertAuto, "ink polarity: auto (invert images with a light border), yes or no")
	f.StringVar(&fit, "fit", data.FitPad, "pad (pad to a square, scale to 28x28) or mnist (ink box into 20x20, centred by mass)")
	f.IntVar(&top, "top", 3, "classes to show per image")
	f.BoolVar(&asJSON, "json", false, "print JSON (for scripts)")
	f.StringVar(&device, "device", "cpu", "cpu or cuda")
	f.StringVar(&dataDir, "data-dir", "", "dataset folder, for --dataset (default $TRANSFERLAB_DATA or the user cache dir)")
	return cmd
}
