package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"transferlab/data"
)

// weightsURLEnv replaces torchvision's download folder (a mirror, or the
// tests' local server): a base URL the published file names are appended to.
const weightsURLEnv = "TRANSFERLAB_WEIGHTS_URL"

func newWeightsCommand() *cobra.Command {
	var opts dataOptions
	cmd := &cobra.Command{
		Use:   "weights",
		Short: "Fetch the ImageNet weights the backbones start from",
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	opts.AddFlags(cmd.PersistentFlags())
	fetch := &cobra.Command{
		Use:   "fetch " + strings.Join(data.WeightsNames(), "|") + "...",
		Short: "Download torchvision's published ImageNet weights, checked",
		Long: `fetch downloads torchvision's published ImageNet weights (IMAGENET1K_V1)
from ` + data.TorchvisionModelsURL + ` (or $` + weightsURLEnv + `) into the
data dir's weights folder, resuming a broken download, and checks the
SHA-256 prefix in the file's name as torch.hub does (a file that does not
match is removed). 'finetune --from resnet18' then finds it there, or in
torch.hub's own cache.`,
		Example: `  transferlab weights fetch resnet18
  transferlab weights fetch mobilenet_v2
  transferlab finetune --from resnet18 --layers last --target folder:photos`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWeightsFetch(cmd.Context(), opts, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	usageArgs(fetch)
	cmd.AddCommand(fetch)
	return cmd
}

func runWeightsFetch(ctx context.Context, o dataOptions, names []string, stdout, stderr io.Writer) error {
	opts := o.options(stderr)
	if base := os.Getenv(weightsURLEnv); base != "" {
		opts.URLs = map[string][]string{}
		for _, n := range names {
			opts.URLs[n] = []string{strings.TrimSuffix(base, "/") + "/"}
		}
	}
	for _, n := range names {
		if _, err := data.FetchWeights(ctx, stdout, n, opts); err != nil {
			return err
		}
	}
	return nil
}
