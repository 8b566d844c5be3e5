package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
	"transferlab/internal/torchenv"
	"transferlab/model"
)

// Shell completion of flag values ('transferlab completion bash|zsh|fish'
// writes the script; the shell asks 'transferlab __complete ...'). Every
// flag of a fixed set offers its choices; the flags that name a dataset,
// a freeze depth, a source network, a checkpoint or a run offer what
// exists.

// registerCompletions registers a completion for every flag of c and its
// subcommands that has values to offer.
func registerCompletions(c *cobra.Command) {
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if fn := completionFor(c, f); fn != nil {
			_ = c.RegisterFlagCompletionFunc(f.Name, fn)
		}
	})
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completionFor is flag f's completion, or nil when it has none.
func completionFor(c *cobra.Command, f *pflag.Flag) completeFunc {
	switch v := f.Value.(type) {
	case *choiceFlag:
		return fixed(v.choices...)
	case *choiceListFlag:
		return fixed(v.choices...)
	case *deviceFlag:
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return deviceChoices(), cobra.ShellCompDirectiveNoFileComp
		}
	}
	switch f.Name {
	case "dataset", "target":
		return datasetChoices
	case "layers":
		return fixed(layerChoices()...)
	case "from":
		return sourceChoices
	case "checkpoint":
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"pt", "pth"}, cobra.ShellCompDirectiveFilterFileExt
		}
	case "run":
		return runChoices
	}
	return nil
}

func fixed(values ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// deviceChoices are auto, cuda and every device libtorch sees (cpu,
// cuda:N).
func deviceChoices() []string {
	return append([]string{torchenv.DeviceAuto, torchenv.DeviceCUDA}, torchenv.Devices()...)
}

// layerChoices are last, all and from:LAYER for every layer of the CNN
// and every stage of a backbone between its stem and its head.
func layerChoices() []string {
	out := []string{"last", "all"}
	layers := model.CNNLayers()
	for _, b := range model.Backbones {
		inner := model.LayersOf(b)
		layers = append(layers, inner[1:len(inner)-1]...)
	}
	for _, l := range layers {
		if s := "from:" + l; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// datasetChoices are the registered datasets; after idx: or folder: the
// shell completes a folder.
func datasetChoices(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
	for _, prefix := range []string{"idx:", "folder:"} {
		if rest, ok := strings.CutPrefix(typed, prefix); ok {
			return prefixed(prefix, folders(rest)), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		}
	}
	return append(data.Names(), "idx:", "folder:"), cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// registryChoices completes the dataset names 'data fetch' and 'data
// verify' take (the registry's, and all), leaving out those already
// given.
func registryChoices(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	names := slices.DeleteFunc(append(data.Names(), "all"), func(n string) bool { return slices.Contains(args, n) })
	return names, cobra.ShellCompDirectiveNoFileComp
}

// oneRegistryChoice completes the one dataset name 'data show' takes.
func oneRegistryChoice(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return data.Names(), cobra.ShellCompDirectiveNoFileComp
}

// sourceChoices are finetune's sources: none and the pretrained
// datasets; the shell completes a checkpoint file's path beside them.
func sourceChoices(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return append([]string{"none", "mnist", "fashion"}, data.WeightsNames()...), cobra.ShellCompDirectiveDefault
}

// runChoices are the run folders under --results-dir.
func runChoices(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	dir := "results"
	if f := c.Flags().Lookup("results-dir"); f != nil {
		dir = f.Value.String()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var runs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "metrics.json")); e.IsDir() && err == nil {
			runs = append(runs, e.Name())
		}
	}
	return runs, cobra.ShellCompDirectiveNoFileComp
}

// folders are the folders whose path starts with typed.
func folders(typed string) []string {
	dir, base := filepath.Split(typed)
	entries, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), base) {
			out = append(out, dir+e.Name()+"/")
		}
	}
	return out
}

func prefixed(prefix string, values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = prefix + v
	}
	return out
}

// suggestFlag adds "did you mean --epochs?" to pflag's error for an
// unknown flag that is a typo of one of c's: two edits at most, or a
// prefix of it, as cobra suggests commands.
func suggestFlag(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var close []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && (editDistance(name, f.Name) <= 2 || strings.HasPrefix(f.Name, name)) {
			close = append(close, "--"+f.Name)
		}
	})
	if len(close) == 0 {
		return err
	}
	return fmt.Errorf("%w (did you mean %s?)", err, orList(close))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
