package main

import (
	"github.com/spf13/cobra"

	"transferlab/internal/torchenv"
)

func newDoctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Print libtorch version, threads, BLAS, devices and datasets",
		Long: `doctor prints what transferlab runs on: the libtorch version gotch was
adapted to, intra-op threads, the BLAS library in use, available devices,
the gotch version and which datasets are present. Run it first.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return torchenv.WriteReport(cmd.OutOrStdout(), torchenv.Collect())
		},
	}
}
