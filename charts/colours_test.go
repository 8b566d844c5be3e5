package charts

import (
	"fmt"
	"testing"
)

// Beyond the palette's 25 colours, runs are told apart by their point
// markers: no two of 60 runs share a colour and marker, the first 25 (in
// name order) share one marker and no colour, and a run's style does not
// depend on the order its names come in. Before, the 26th run repeated a
// colour with nothing else to tell it apart.
func TestRunStylesDoNotRepeatBeyondThePalette(t *testing.T) {
	var names, reversed []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("transfer-mnist-last-on-mnist-seed%02d", i))
	}
	for i := len(names) - 1; i >= 0; i-- {
		reversed = append(reversed, names[i])
	}
	styles, again := runStyles(names), runStyles(reversed)
	seen := map[runStyle]string{}
	for i, n := range names {
		s := styles[n]
		if other, ok := seen[s]; ok {
			t.Errorf("%s and %s are both drawn %+v", n, other, s)
		}
		seen[s] = n
		if again[n] != s {
			t.Errorf("%s: %+v, or %+v when the names come in another order", n, s, again[n])
		}
		if first := i < len(runPalette); first != (s.Symbol == runSymbols[0].Symbol) || first != (s.Glyph == "") {
			t.Errorf("run %d (%s): %+v; want the first marker and a plain swatch exactly for the first %d", i, n, s, len(runPalette))
		}
	}
}
