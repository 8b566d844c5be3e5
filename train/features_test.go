package train

import (
	"context"
	"math"
	"testing"

	"transferlab/metrics"
)

// Exact feature caching for "last": same seed, same batches, so the same
// numbers as the naive loop that runs the frozen backbone every step.
func TestFeatureCacheGivesTheNaiveLoopsNumbers(t *testing.T) {
	pin(t)
	pre := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit = 500, 1, 50, 100
	if _, err := Run(context.Background(), pre, o); err != nil {
		t.Fatal(err)
	}
	r := finetuneRecipe(t, "mnist", "last")
	runs := map[bool]*metrics.Run{}
	for _, naive := range []bool{true, false} {
		f := o
		f.ResultsDir = t.TempDir()
		f.Target, f.PerClass, f.Epochs, f.EvalLimit, f.NoFeatureCache = "fashion", 30, 3, 300, naive
		f.Limit, f.BatchSize = 0, 0
		run, err := Run(context.Background(), r, f)
		if err != nil {
			t.Fatal(err)
		}
		if run.Config.FeatureCache == naive {
			t.Fatalf("naive=%v run reports feature_cache=%v", naive, run.Config.FeatureCache)
		}
		runs[naive] = run
	}
	naive, cached := runs[true], runs[false]
	close := func(what string, a, b, tol float64) {
		if math.Abs(a-b) > tol*math.Max(1, math.Abs(a)) {
			t.Errorf("%s: naive %.6f, cached %.6f", what, a, b)
		}
	}
	for i := range naive.History {
		n, c := naive.History[i], cached.History[i]
		close("train loss", n.TrainLoss, c.TrainLoss, 1e-4)
		close("train acc", n.TrainAcc, c.TrainAcc, 0.35) // at most one of 300 images
		close("test loss", n.ValLoss, c.ValLoss, 1e-4)
		close("test acc", n.ValAcc, c.ValAcc, 0.35)
	}
	close("final test acc", naive.Final.Test.Accuracy, cached.Final.Test.Accuracy, 0.35)
	t.Logf("epoch 3: naive %.4f/%.2f%% in %.1fs, cached %.4f/%.2f%% in %.1fs", naive.History[2].TrainLoss, naive.History[2].TrainAcc,
		naive.WallSeconds, cached.History[2].TrainLoss, cached.History[2].TrainAcc, cached.WallSeconds)
}
