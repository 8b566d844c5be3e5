package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
)

// maxShowImages bounds the grid: --n 100000000 wrote a 22056x25731 PNG
// of a whole split.
const maxShowImages = 1024

// dataShowOptions are the flags of 'transferlab data show'.
type dataShowOptions struct {
	split choiceFlag
	n     int
	out   string
}

func (o *dataShowOptions) AddFlags(f *pflag.FlagSet) {
	o.split = newChoice(data.SplitTrain, data.SplitTrain, data.SplitTest)
	f.Var(&o.split, "split", "the split to show")
	f.IntVar(&o.n, "n", 64, fmt.Sprintf("number of images (1 to %d)", maxShowImages))
	f.StringVarP(&o.out, "output", "o", "", "PNG file to write (required)")
}

func newDataShowCommand(opts *dataOptions) *cobra.Command {
	var show dataShowOptions
	cmd := &cobra.Command{
		Use:   "show NAME -o grid.png",
		Short: "Write a labelled grid of sample images as PNG",
		Long: `show writes a PNG grid of a split's images, each labelled with its class
name, taking each class's first images in turn so that every class shows.
Use it to check a dataset, and EMNIST's orientation.`,
		Example:           `  transferlab data show emnist-letters --split test --n 52 -o letters.png`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: oneRegistryChoice,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDataShow(cmd.Context(), *opts, show, args[0], cmd.ErrOrStderr())
		},
	}
	show.AddFlags(cmd.Flags())
	return cmd
}

func runDataShow(ctx context.Context, o dataOptions, show dataShowOptions, name string, stderr io.Writer) error {
	if _, err := data.Lookup(name); err != nil {
		return usageError{err}
	}
	switch {
	case show.out == "":
		return usageError{errors.New("give the PNG file to write with -o FILE.png")}
	case show.n <= 0 || show.n > maxShowImages:
		return usageError{fmt.Errorf("--n %d: give 1 to %d (a grid of %d images is already about 2,900 pixels square)", show.n, maxShowImages, maxShowImages)}
	}
	return data.Show(ctx, name, show.split.value, show.n, show.out, o.options(stderr))
}
