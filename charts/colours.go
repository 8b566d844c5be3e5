package charts

import (
	"cmp"
	"html/template"
	"slices"

	"transferlab/metrics"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// runPalette holds the colours runs are drawn in: tab20's ten dark and ten
// light hues and five darker ones, 25 in all, so that a results folder of
// up to 25 runs gives every run its own colour.
var runPalette = []string{
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
	"#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
	"#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
}

// runSymbols are the point markers that tell apart runs of one colour:
// the first len(runPalette) runs are drawn with the first, the next as
// many with the second, and so on; the glyph is the marker's, for the
// tables' swatches. Beyond len(runPalette)*len(runSymbols) runs, styles
// repeat.
var runSymbols = []struct{ Symbol, Glyph string }{
	{"emptyCircle", ""}, {"triangle", "▲"}, {"rect", "■"}, {"diamond", "◆"}, {"pin", "⬤"},
}

// runStyle is how one run is drawn on every chart that shows several
// runs: its colour and its point marker.
type runStyle struct {
	Colour string
	Symbol string
	// Glyph stands for Symbol in a table's swatch; "" for the first
	// symbol, whose swatch is a plain square of the colour.
	Glyph string
}

// SwatchColour is the colour for a page's swatch.
func (s runStyle) SwatchColour() template.CSS { return template.CSS(s.Colour) }

// runStyles gives each run its style, the same on every page built from
// one results folder, and the same after runs are added: the runs take
// the styles in the order they started (by name among runs that started
// together or record no start), the first len(runPalette) each a colour
// of the palette with the first marker, the next as many with the second
// marker, and so on. A run added later started later, so it takes the
// next style and no older run changes colour; by name order, a new run
// sorted in among the old ones and recoloured those after it (issue 26).
// No two runs share a style while there are no more than
// len(runPalette)*len(runSymbols).
func runStyles(runs []*metrics.Run) map[string]runStyle {
	ordered := slices.Clone(runs)
	slices.SortStableFunc(ordered, func(a, b *metrics.Run) int {
		return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.Name, b.Name))
	})
	out := make(map[string]runStyle, len(runs))
	n := 0
	for _, r := range ordered {
		if _, done := out[r.Name]; done {
			continue
		}
		sym := runSymbols[(n/len(runPalette))%len(runSymbols)]
		out[r.Name] = runStyle{Colour: runPalette[n%len(runPalette)], Symbol: sym.Symbol, Glyph: sym.Glyph}
		n++
	}
	return out
}

// seriesOpts draw one curve of a run in its style: its colour, its point
// marker, and the line's dash ("solid", "dashed").
func (s runStyle) seriesOpts(dash string) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false), Symbol: s.Symbol, SymbolSize: 7}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: s.Colour, Type: dash, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Colour}),
	}
}
