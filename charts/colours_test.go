package charts

import (
	"fmt"
	"testing"
	"time"

	"transferlab/metrics"
)

// Beyond the palette's 25 colours, runs are told apart by their point
// markers: no two of 60 runs share a colour and marker, the first 25 to
// start share one marker and no colour, and a run's style does not depend
// on the order the runs come in. Before, the 26th run repeated a colour
// with nothing else to tell it apart.
func TestRunStylesDoNotRepeatBeyondThePalette(t *testing.T) {
	runs := startedRuns(60)
	var reversed []*metrics.Run
	for i := len(runs) - 1; i >= 0; i-- {
		reversed = append(reversed, runs[i])
	}
	styles, again := runStyles(runs), runStyles(reversed)
	seen := map[runStyle]string{}
	for i, r := range runs {
		s := styles[r.Name]
		if other, ok := seen[s]; ok {
			t.Errorf("%s and %s are both drawn %+v", r.Name, other, s)
		}
		seen[s] = r.Name
		if again[r.Name] != s {
			t.Errorf("%s: %+v, or %+v when the runs come in another order", r.Name, s, again[r.Name])
		}
		if first := i < len(runPalette); first != (s.Symbol == runSymbols[0].Symbol) || first != (s.Glyph == "") {
			t.Errorf("run %d (%s): %+v; want the first marker and a plain swatch exactly for the first %d", i, r.Name, s, len(runPalette))
		}
	}
}

// Adding newer runs to a results folder leaves the older runs' colours as
// they were, even when the new runs' names sort among the old ones.
// Before, styles went by name order and a rebuilt page recoloured the
// runs after a new one (issue 26).
func TestRunStylesKeepOlderRunsStylesWhenRunsAreAdded(t *testing.T) {
	older := startedRuns(8)
	before := runStyles(older)
	all := append([]*metrics.Run(nil), older...)
	for i, r := range startedRuns(12)[8:] {
		r.Name = fmt.Sprintf("a-newer-run-%d", i) // sorts before the old names
		all = append(all, r)
	}
	after := runStyles(all)
	for _, r := range older {
		if before[r.Name] != after[r.Name] {
			t.Errorf("%s: %+v before newer runs were added, %+v after", r.Name, before[r.Name], after[r.Name])
		}
	}
	seen := map[runStyle]string{}
	for _, r := range all {
		if other, ok := seen[after[r.Name]]; ok {
			t.Errorf("%s and %s share a style", r.Name, other)
		}
		seen[after[r.Name]] = r.Name
	}
}

// startedRuns are n runs that started a minute apart, in order.
func startedRuns(n int) []*metrics.Run {
	t0 := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	runs := make([]*metrics.Run, n)
	for i := range runs {
		runs[i] = &metrics.Run{Name: fmt.Sprintf("transfer-mnist-last-on-mnist-seed%02d", i), Started: t0.Add(time.Duration(i) * time.Minute)}
	}
	return runs
}
