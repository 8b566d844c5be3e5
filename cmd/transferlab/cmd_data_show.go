package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
)

type dataShowOptions struct {
	split string
	n     int
	out   string
}

func (o *dataShowOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.split, "split", data.SplitTrain, "train or test")
	f.IntVar(&o.n, "n", 64, "number of images")
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
		Example: `  transferlab data show emnist-letters --split test --n 52 -o letters.png`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := opts.options(cmd)
			if err != nil {
				return err
			}
			if _, err := data.Lookup(args[0]); err != nil {
				return usageError{err}
			}
			switch {
			case show.out == "":
				return usageError{errors.New("give the PNG file to write with -o FILE.png")}
			case show.split != data.SplitTrain && show.split != data.SplitTest:
				return usageError{fmt.Errorf("unknown split %q: choose train or test", show.split)}
			case show.n <= 0:
				return usageError{fmt.Errorf("--n %d: give a positive count", show.n)}
			}
			return data.Show(cmd.Context(), args[0], show.split, show.n, show.out, o)
		},
	}
	show.AddFlags(cmd.Flags())
	return cmd
}
