package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"transferlab/data"
	"transferlab/internal/torchenv"
)

func newDoctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Print libtorch version, threads, BLAS, devices and datasets",
		Long: `doctor prints what transferlab runs on: the libtorch version gotch was
adapted to, intra-op threads, the BLAS library in use, available devices,
the gotch version and which datasets are present. Run it first.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runDoctor(cmd.OutOrStdout()) },
	}
}

func runDoctor(stdout io.Writer) error {
	if err := torchenv.WriteReport(stdout, torchenv.Collect()); err != nil {
		return err
	}
	var o data.Options // the default data dir; sizes only, no hashing
	fmt.Fprintf(stdout, "\ndatasets (data dir %s; 'transferlab data list' verifies them):\n", data.DefaultDataDir())
	return data.WriteList(stdout, data.List(o, false), o)
}
