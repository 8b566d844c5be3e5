package charts

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/internal/names"
	"transferlab/metrics"
)

// DepthSweep is a freeze-depth sweep on one target: for each source, runs
// that train from each layer up, and from-scratch runs as the reference.
type DepthSweep struct {
	Target string
	// Layers is the x axis: the first trainable layer, head first (fc3 ...
	// conv1), so that more trained layers lie further right.
	Layers []string
	// Runs are finetune runs: Config.Source and Config.Layers ("last",
	// "all" or "from:LAYER") place each; several runs of one place (seeds)
	// are summarised.
	Runs []*metrics.Run
	// Seed holds the seed homework's test accuracy per source and layer,
	// for EMNIST letters: drawn only when Target is EMNIST letters.
	Seed []SeedPoint
}

// SeedPoint is one of the seed homework's numbers on the sweep's axes.
type SeedPoint struct {
	Source, Layer string
	TestAcc       float64
}

// SweepPageName is the page of a depth sweep on target.
func SweepPageName(target string) string { return "sweep-depth-" + names.Slug(target) + ".html" }

const idSweepDepth = "chart_sweep_depth"

// sweepCell is the summary of the runs at one (source, layer).
type sweepCell struct {
	Source, Layer string
	Test, Train   metrics.Summary
	Runs          []*metrics.Run
}

// firstLayer is the first layer a --layers value trains; layers is the
// sweep's axis, head first.
func firstLayer(value string, layers []string) string {
	switch value {
	case "all":
		return layers[len(layers)-1]
	case "last":
		return layers[0]
	}
	return strings.TrimPrefix(value, "from:")
}

// cells groups the sweep's runs by source and first trainable layer, in
// the order they first appear.
func (s DepthSweep) cells() []*sweepCell {
	var out []*sweepCell
	at := map[[2]string]*sweepCell{}
	for _, r := range s.Runs {
		if r.Final.Test == nil || len(s.Layers) == 0 {
			continue
		}
		k := [2]string{r.Config.Source, firstLayer(r.Config.Layers, s.Layers)}
		c := at[k]
		if c == nil {
			c = &sweepCell{Source: k[0], Layer: k[1]}
			at[k] = c
			out = append(out, c)
		}
		c.Runs = append(c.Runs, r)
	}
	for _, c := range out {
		var test, train []float64
		for _, r := range c.Runs {
			test = append(test, r.Final.Test.Accuracy)
			if r.Final.Train != nil {
				train = append(train, r.Final.Train.Accuracy)
			}
		}
		c.Test, c.Train = metrics.Summarize(test), metrics.Summarize(train)
	}
	return out
}

// DepthSweepChart plots mean test accuracy against the first trainable
// layer, one line per source; from-scratch runs are a dashed horizontal
// line, and the seed's numbers are diamonds on EMNIST letters only.
func DepthSweepChart(s DepthSweep) *charts.Line {
	c := newLine(idSweepDepth, "Test accuracy against the first trained layer", "test accuracy (%)")
	c.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{Name: "first trained layer (left: the head only; right: every layer)",
		Type: "category", NameLocation: "middle", NameGap: 26}))
	c.SetXAxis(s.Layers)
	cells := s.cells()
	var sources []string
	seen := map[string]bool{}
	for _, cl := range cells {
		if !seen[cl.Source] {
			seen[cl.Source] = true
			sources = append(sources, cl.Source)
		}
	}
	for _, src := range sources {
		data := make([]opts.LineData, len(s.Layers))
		for i := range data {
			data[i] = opts.LineData{Value: gap}
		}
		for _, cl := range cells {
			if cl.Source != src {
				continue
			}
			for i, l := range s.Layers {
				if l == cl.Layer {
					data[i] = opts.LineData{Value: num(cl.Test.Mean)}
				}
			}
		}
		if src == "none" {
			// From scratch has no depth: every layer trains. Its value
			// spans the axis as the reference the transfers must beat.
			var v any = gap
			for _, d := range data {
				if d.Value != gap {
					v = d.Value
				}
			}
			for i := range data {
				data[i] = opts.LineData{Value: v}
			}
			c.AddSeries("none/all (from scratch)", data,
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Width: 2}))
			continue
		}
		c.AddSeries("from "+src, data, lineOpts(0))
	}
	if s.Target == TransferTarget {
		bySource := map[string][]opts.LineData{}
		var order []string
		for _, p := range s.Seed {
			if _, ok := bySource[p.Source]; !ok {
				d := make([]opts.LineData, len(s.Layers))
				for i := range d {
					d[i] = opts.LineData{Value: gap}
				}
				bySource[p.Source] = d
				order = append(order, p.Source)
			}
			for i, l := range s.Layers {
				if l == p.Layer {
					bySource[p.Source][i] = opts.LineData{Value: num(p.TestAcc)}
				}
			}
		}
		for _, src := range order {
			c.AddSeries("seed homework, from "+src, bySource[src],
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: "diamond", SymbolSize: 14, ConnectNulls: opts.Bool(false)}))
		}
	}
	return c
}

type sweepView struct {
	Target   string
	Other    bool
	Rows     []sweepRow
	SeedNote string
}

type sweepRow struct {
	Source, Layer, N, Train, Test, Interval, Seed string
	Runs                                          []link
}

var sweepTemplate = newPageTemplate("sweep.html.tmpl")

// meanSD formats a summary as mean ± sd (the sd only with two or more
// runs).
func meanSD(s metrics.Summary) string {
	if s.N == 0 {
		return none
	}
	if s.N < 2 {
		return pct(s.Mean)
	}
	return fmt.Sprintf("%s ± %.2f", pct(s.Mean), s.SD)
}

func newSweepPage(s DepthSweep, a assets) (*htmlPage, error) {
	v := sweepView{Target: s.Target, Other: s.Target != TransferTarget}
	seed := map[[2]string]float64{}
	for _, p := range s.Seed {
		seed[[2]string{p.Source, p.Layer}] = p.TestAcc
	}
	for _, cl := range s.cells() {
		row := sweepRow{Source: cl.Source, Layer: cl.Layer, N: fmt.Sprint(cl.Test.N),
			Train: meanSD(cl.Train), Test: meanSD(cl.Test), Interval: none, Seed: none}
		if cl.Source == "none" {
			row.Layer = "all (from scratch)"
		}
		if cl.Test.N >= 2 {
			row.Interval = fmt.Sprintf("%.2f to %.2f", cl.Test.Lo, cl.Test.Hi)
		}
		if ref, ok := seed[[2]string{cl.Source, cl.Layer}]; ok && !v.Other {
			row.Seed = pct(ref)
			if cl.Test.N >= 2 {
				if cl.Test.Contains(ref) {
					row.Seed += " (inside the interval)"
				} else {
					row.Seed += " (outside the interval)"
				}
			}
		}
		for _, r := range cl.Runs {
			row.Runs = append(row.Runs, link{Href: template.URL(filepath.ToSlash(filepath.Join(r.Name, RunPageName))), Text: r.Name})
		}
		v.Rows = append(v.Rows, row)
	}
	if !v.Other && len(s.Seed) > 0 {
		v.SeedNote = "The seed homework ran two depths only: fc3 (\"last\") and conv1 (\"all\"), one seed each."
	}
	p := page{
		Title:   "Freeze depth on " + s.Target,
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}, {Href: TransferPageName, Text: "transfer runs"}},
		Body:    v,
	}
	var err error
	if p.Charts, err = renderCharts(namedChart{idSweepDepth, DepthSweepChart(s)}); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: sweepTemplate}, nil
}

// WriteDepthSweep writes the sweep's page into resultsDir and returns its
// path.
func WriteDepthSweep(resultsDir string, s DepthSweep) (string, error) {
	a, err := installAssets(resultsDir)
	if err != nil {
		return "", err
	}
	p, err := newSweepPage(s, a)
	if err != nil {
		return "", fmt.Errorf("sweep page: %w", err)
	}
	path := filepath.Join(resultsDir, SweepPageName(s.Target))
	return path, metrics.WriteAtomic(path, func(w io.Writer) error { return p.Render(w) })
}
