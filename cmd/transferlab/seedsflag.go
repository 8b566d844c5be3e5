package main

import (
	"fmt"
	"math"

	"github.com/spf13/pflag"

	"transferlab/metrics"
)

// addSeedsFlag adds --seeds: runs per configuration, seeds --seed,
// --seed+1, ..., summarised by mean, sd and 95% interval.
func addSeedsFlag(f *pflag.FlagSet, n *int) {
	f.IntVar(n, "seeds", 1, fmt.Sprintf("runs per configuration with seeds --seed, --seed+1, ... (1 to %d); with 2 or more a table gives mean ± sd and the 95%% interval", metrics.MaxSeeds))
}

// checkSeeds is --seeds' range check, a usage error; the last seed,
// seed+n-1, must not wrap past the largest int64 into negative seeds.
func checkSeeds(seed int64, n int) error {
	if n < 1 || n > metrics.MaxSeeds {
		return usageError{fmt.Errorf("--seeds %d: give 1 to %d", n, metrics.MaxSeeds)}
	}
	if seed > math.MaxInt64-int64(n-1) {
		return usageError{fmt.Errorf("--seed %d --seeds %d: the seeds would pass %d; give a --seed of at most %d", seed, n, int64(math.MaxInt64), math.MaxInt64-int64(n-1))}
	}
	return nil
}
