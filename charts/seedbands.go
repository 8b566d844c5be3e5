package charts

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// seedBandPrefix starts the names of a seeds band's series: no run name
// holds a space, so the compare page's tick boxes, which find a run's
// series by "<run> · ", never pick them.
const seedBandPrefix = "seeds of "

// The names of a seeds band's series, after its label: the mean of the
// seeds, and the band, drawn as the lowest seed's value (bandLow, an
// invisible line) with the range up to the highest stacked on it and
// shaded (bandRange). The tooltip, the CSV and the curve tools leave the
// band's two out (their names hold " · band "): the mean's points carry
// the range.
const (
	bandMean  = "mean"
	bandLow   = "band low"
	bandRange = "band range"
)

// seedGroup is two or more runs of one configuration that differ only by
// their seeds.
type seedGroup struct {
	label string
	runs  []*metrics.Run
}

// seedSuffix is what train.RunName and transfer.RunSeeds add for a seed.
var seedSuffix = regexp.MustCompile(`-seed\d+$`)

// seedGroups finds, in the order of runs, the configurations run with two
// or more seeds: runs of one kind whose configurations are equal but for
// the seed (and the thread count and source file hash, which do not change
// what was trained).
func seedGroups(runs []*metrics.Run) []seedGroup {
	var keys []string
	byKey := map[string][]*metrics.Run{}
	for _, r := range runs {
		c := r.Config
		c.Seed, c.Threads, c.SourceSHA256 = 0, 0, ""
		b, _ := json.Marshal(c)
		key := r.Kind + "|" + string(b)
		if byKey[key] == nil {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], r)
	}
	var out []seedGroup
	for _, k := range keys {
		g := byKey[k]
		seeds := map[int64]bool{}
		for _, r := range g {
			seeds[r.Config.Seed] = true
		}
		if len(seeds) < 2 {
			continue // repeats of one seed, or a lone run
		}
		out = append(out, seedGroup{label: seedGroupLabel(g), runs: g})
	}
	return out
}

// seedGroupLabel names a group by its runs' common name without the seed
// suffix, and how many seeds it has.
func seedGroupLabel(runs []*metrics.Run) string {
	base := seedSuffix.ReplaceAllString(runs[0].Name, "")
	for _, r := range runs[1:] {
		if seedSuffix.ReplaceAllString(r.Name, "") != base {
			base = runs[0].Name + " and alike"
			break
		}
	}
	return fmt.Sprintf("%s%s (%d seeds)", seedBandPrefix, base, len(runs))
}

// addSeedBands draws each group's held-out curve (validation, or test for
// recipes without one; train where there is neither) as the mean over its
// seeds, with a shaded band from the lowest seed to the highest, at each
// epoch every seed reached. The band is in the colour of the group's
// first run, and the mean a darker shade of it, drawn thicker, so that it
// is not taken for that run's own curve. A band is shown while one of its
// runs is ticked (compare.js keeps it so). The band follows the epochs:
// its two series hold [y, x] points, so that echarts, which stacks a
// series on its first value dimension, stacks them along y (on [x, y]
// it stacked x). The mean's points carry "min|max" as their names, for
// the tooltip.
func addSeedBands(c *charts.Line, groups []seedGroup, m CompareMetric, styles map[string]runStyle, ticked, selected map[string]bool) {
	for _, g := range groups {
		pick := func(e metrics.Epoch) (float64, bool) { return e.ValAcc, e.HasVal }
		if m == CompareLoss {
			pick = func(e metrics.Epoch) (float64, bool) { return e.ValLoss, e.HasVal }
		}
		if !hasVal(g.runs[0].History) {
			pick = func(e metrics.Epoch) (float64, bool) { return e.TrainAcc, true }
			if m == CompareLoss {
				pick = func(e metrics.Epoch) (float64, bool) { return e.TrainLoss, true }
			}
		}
		mean, low, span := bandPoints(g.runs, pick)
		colour := styles[g.runs[0].Name].Colour
		shown := slices.ContainsFunc(g.runs, func(r *metrics.Run) bool { return ticked[r.Name] })
		stack := g.label // one stack per group
		yFirst := charts.WithEncodeOpts(opts.Encode{X: 1, Y: 0})
		hidden := opts.LineStyle{Color: colour, Opacity: opts.Float(0)}
		c.AddSeries(g.label+compareSeparator+bandLow, low, yFirst,
			charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(hidden))
		c.AddSeries(g.label+compareSeparator+bandRange, span, yFirst,
			charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(hidden),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: colour, Opacity: opts.Float(0.2)}))
		name := g.label + compareSeparator + bandMean
		c.AddSeries(name, mean,
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: darker(colour), Width: 4}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: darker(colour)}))
		for _, n := range []string{name, g.label + compareSeparator + bandLow, g.label + compareSeparator + bandRange} {
			selected[n] = shown
		}
	}
}

// seedBandRuns are, per seed group, its runs' names, by the group's
// label: compare.js hides a band when none of them is drawn.
func seedBandRuns(groups []seedGroup) map[string][]string {
	out := make(map[string][]string, len(groups))
	for _, g := range groups {
		for _, r := range g.runs {
			out[g.label] = append(out[g.label], r.Name)
		}
	}
	return out
}

// darker is a "#rrggbb" colour at half its brightness.
func darker(hex string) string {
	var r, g, b uint8
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return hex
	}
	return fmt.Sprintf("#%02x%02x%02x", r/2, g/2, b/2)
}

// bandPoints are a group's mean at each epoch that every run has a value
// for, and its band there as [y, x] points: the lowest value (low), and
// the highest less the lowest (span), which stacks on low.
func bandPoints(runs []*metrics.Run, pick func(metrics.Epoch) (float64, bool)) (mean, low, span []opts.LineData) {
	epochs := len(runs[0].History)
	for _, r := range runs[1:] {
		epochs = min(epochs, len(r.History))
	}
	for e := 0; e < epochs; e++ {
		sum, lo, hi, ok := 0.0, math.Inf(1), math.Inf(-1), true
		for _, r := range runs {
			v, has := pick(r.History[e])
			if !has || math.IsNaN(v) {
				ok = false
				break
			}
			sum, lo, hi = sum+v, math.Min(lo, v), math.Max(hi, v)
		}
		if !ok {
			continue
		}
		x := float64(runs[0].History[e].Epoch)
		mean = append(mean, opts.LineData{Value: []any{x, num(sum / float64(len(runs)))}, Name: fmt.Sprintf("%g|%g", lo, hi)})
		low = append(low, opts.LineData{Value: []any{num(lo), x}})
		span = append(span, opts.LineData{Value: []any{num(hi - lo), x}})
	}
	return mean, low, span
}
