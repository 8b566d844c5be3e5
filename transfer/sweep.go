package transfer

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"transferlab/internal/names"
	"transferlab/metrics"
	"transferlab/model"
	"transferlab/train"
)

// SweepSources are the pretrained sources a depth sweep can start from.
var SweepSources = []string{"mnist", "fashion"}

// SweepDepth runs the freeze-depth sweep on o.Target (EMNIST letters when
// empty): from-scratch none/all once as the reference, then for each
// source every depth from the head only (from:fc3) to every layer
// (from:conv1), each with seeds seeds. Runs are named
// sweep-depth-<target>-<source>-<depth>, so they never replace the
// transfer command's runs.
func SweepDepth(ctx context.Context, o train.Options, sources []string, seeds int) ([]*metrics.Run, error) {
	for _, s := range sources {
		if s != "mnist" && s != "fashion" {
			return nil, fmt.Errorf("unknown sweep source %q: choose %s", s, strings.Join(SweepSources, " or "))
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("no source to sweep: choose %s", strings.Join(SweepSources, " or "))
	}
	if seeds < 1 || seeds > metrics.MaxSeeds {
		return nil, fmt.Errorf("--seeds %d: give 1 to %d", seeds, metrics.MaxSeeds)
	}
	target := cmp.Or(o.Target, TransferTarget)
	type config struct{ source, depth string }
	configs := []config{{"none", "all"}}
	for _, s := range sources {
		for _, d := range train.DepthLayers() {
			configs = append(configs, config{s, d})
		}
	}
	var runs []*metrics.Run
	for _, c := range configs {
		r, err := Finetune(c.source, c.depth)
		if err != nil {
			return runs, err
		}
		name := fmt.Sprintf("sweep-depth-%s-%s-%s", names.Slug(target), c.source, strings.ReplaceAll(c.depth, ":", "-"))
		opts := o
		opts.RunName = ""
		got, err := RunSeeds(ctx, r, opts, name, seeds)
		runs = append(runs, got...)
		if err != nil {
			return runs, err
		}
	}
	return runs, nil
}

// TransferTarget is the seed homework's transfer target.
const TransferTarget = "emnist-letters"

// SweepAxis is the sweep chart's x axis: the CNN's layers, head first.
func SweepAxis() []string {
	l := model.CNNLayers()
	out := make([]string, len(l))
	for i := range l {
		out[i] = l[len(l)-1-i]
	}
	return out
}

// SeedDepthPoint is one of the seed's transfer numbers placed on the sweep's
// axes: a source and the first layer it trained.
type SeedDepthPoint struct {
	Source, Layer string
	TestAcc       float64
}

// SeedDepthPoints are the seed homework's "last" and "all" test accuracies
// for each pretrained source (EMNIST letters), from the recipe registry.
func SeedDepthPoints() []SeedDepthPoint {
	var out []SeedDepthPoint
	for _, r := range TransferRecipes() {
		if r.Source == "none" || r.Reference == nil || r.Reference.TestAcc == 0 {
			continue
		}
		out = append(out, SeedDepthPoint{r.Source, model.CNNLayers()[train.FirstTrainable(r.Layers)], r.Reference.TestAcc})
	}
	return out
}
