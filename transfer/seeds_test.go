package transfer

import (
	"strings"
	"testing"

	"transferlab/metrics"
)

// The seeds table: mean ± sample sd per configuration, the 95% t interval
// and whether the seed's number lies in it (only for runs of the seed's
// recipe, which carry its numbers).
func TestSeedTableSummarisesEachConfiguration(t *testing.T) {
	run := func(source, layers string, train, test float64, ref *metrics.Reference) *metrics.Run {
		r := &metrics.Run{Name: source + "-" + layers, Kind: "finetune", Reference: ref,
			Config: metrics.Config{Dataset: "emnist-letters", Source: source, Layers: layers, Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250},
			Recipe: &metrics.Recipe{Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250}}
		r.Final.Train = &metrics.Eval{Accuracy: train}
		r.Final.Test = &metrics.Eval{Accuracy: test}
		return r
	}
	last := &metrics.Reference{TrainAcc: 62.62, TestAcc: 58.90}
	all := &metrics.Reference{TrainAcc: 97.42, TestAcc: 86.93}
	runs := []*metrics.Run{
		run("mnist", "last", 60, 58, last), run("mnist", "all", 97, 88, all),
		run("mnist", "last", 62, 60, last), run("mnist", "all", 98, 88.1, all),
		run("fashion", "last", 44, 41, nil),
	}
	var b strings.Builder
	if err := WriteSeedTable(&b, runs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	t.Log("\n" + out)
	// mnist/last: test 58, 60: mean 59, sd √2 = 1.41, half 12.706·1.41421/√2 = 12.706
	// mnist/all: test 88, 88.1: mean 88.05, sd 0.0707, half 0.635: the
	// seed's 86.93 lies outside
	for _, want := range []string{
		"mnist/last", "61.00 ± 1.41", "59.00 ± 1.41", "46.29 to 71.71", "58.90", "yes",
		"mnist/all", "97.50 ± 0.71", "88.05 ± 0.07", "87.41 to 88.69", "86.93",
		"fashion/last",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 4 && (!strings.HasSuffix(lines[1], "yes") || !strings.HasSuffix(lines[2], "no")) {
		t.Errorf("the seed's 58.90 lies inside mnist/last's interval and 86.93 outside mnist/all's:\n%s", out)
	}
	if len(lines) != 4 || !strings.HasSuffix(strings.TrimSpace(lines[3]), "-") {
		t.Errorf("want a header and three configurations, the single fashion run with no interval:\n%s", out)
	}
}
