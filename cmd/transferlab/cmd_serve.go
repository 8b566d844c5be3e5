package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
)

// serveOptions are the flags of 'transferlab serve'.
type serveOptions struct {
	results string
	addr    string
}

func (o *serveOptions) AddFlags(f *pflag.FlagSet) {
	addResultsDirFlag(f, &o.results, "results folder to serve")
	f.StringVar(&o.addr, "addr", charts.DefaultAddr, "listen address host:port (loopback by default)")
}

func newServeCommand() *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the results folder over HTTP until Ctrl-C",
		Long: `serve serves the results folder (the report pages) over HTTP, on the
loopback interface unless --addr says otherwise, until interrupted
(Ctrl-C or SIGTERM), then shuts down cleanly. Nothing outside the folder
can be read. The page of a running run reloads itself, so it follows
the run.`,
		Annotations: map[string]string{interruptAnnotation: "stopping the server: the pages stay in the results folder"},
		RunE:        func(cmd *cobra.Command, args []string) error { return runServe(cmd.Context(), opts, cmd.OutOrStdout()) },
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runServe(ctx context.Context, o serveOptions, stdout io.Writer) error {
	if err := charts.CheckAddr(o.addr); err != nil {
		return usageError{err}
	}
	return charts.Serve(ctx, stdout, o.results, o.addr) // main cancels ctx on Ctrl-C or SIGTERM
}
