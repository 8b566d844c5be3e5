package charts

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// Embedding is a sample of test images placed in 2-D by the principal
// components of one layer's activations (transferlab embed).
type Embedding struct {
	Checkpoint, Dataset, Layer string
	Dim                        int
	Classes                    []string
	// Predicted: points carry the network's prediction (Pred), and
	// mistakes are drawn as triangles. False for a network of other
	// classes than the dataset's.
	Predicted bool
	Explained [2]float64 // share of the variance on each axis, 0..1
	Points    []EmbedPoint
}

// EmbedPoint is one test image: its index in the test split, its class,
// the network's prediction and its place on the plane.
type EmbedPoint struct {
	Index, Label, Pred int
	X, Y               float64
}

const idEmbed = "chart_embed"

// Symbols of correctly classified images and of mistakes.
const (
	symbolRight = "circle"
	symbolWrong = "triangle"
)

// embedTooltip names a point's class, its test index and, for a mistake,
// the class predicted. Names are escaped: a folder:DIR class may hold
// HTML, and echarts' tooltips render HTML. Single quotes: go-echarts
// escapes double quotes inside a function's source.
const embedTooltip = `function (p) {
  var v = p.value, esc = echarts.format.encodeHTML;
  return esc(p.seriesName) + ': test image ' + v[2] + (v[3] ? '<br>predicted ' + esc(v[3]) : '');
}`

// EmbeddingChart plots the points, one series (colour) per class in the
// classes' order, so the legend reads as the dataset's class list.
func EmbeddingChart(e Embedding) *charts.Scatter {
	c := charts.NewScatter()
	axis := func(name string, share float64) string {
		return fmt.Sprintf("%s (%.1f%% of the variance)", name, 100*share)
	}
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: idEmbed, Width: "100%", Height: "640px"}),
		charts.WithTitleOpts(opts.Title{Title: "Layer " + e.Layer + " on " + e.Dataset + ", first two principal components"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: opts.FuncOpts(embedTooltip)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: 0}, opts.DataZoom{Type: "inside", YAxisIndex: 0}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Type: "png"}}}),
		charts.WithXAxisOpts(opts.XAxis{Name: axis("PC1", e.Explained[0]), Type: "value", NameLocation: "middle", NameGap: 26, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Name: axis("PC2", e.Explained[1]), Type: "value", NameLocation: "middle", NameGap: 40, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "70", Bottom: "50", ContainLabel: opts.Bool(true)}),
	)
	zoomOnCtrlWheel(c, 2)
	byClass := make([][]opts.ScatterData, len(e.Classes))
	for _, p := range e.Points {
		if p.Label < 0 || p.Label >= len(e.Classes) {
			continue
		}
		d := opts.ScatterData{Value: []any{num(p.X), num(p.Y), p.Index, ""}, Symbol: symbolRight}
		if e.Predicted && p.Pred != p.Label {
			pred := fmt.Sprint(p.Pred)
			if p.Pred >= 0 && p.Pred < len(e.Classes) {
				pred = e.Classes[p.Pred]
			}
			d.Value = []any{num(p.X), num(p.Y), p.Index, pred}
			d.Symbol, d.SymbolSize = symbolWrong, 9
		}
		byClass[p.Label] = append(byClass[p.Label], d)
	}
	for i, name := range e.Classes {
		c.AddSeries(name, byClass[i], charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 6}))
	}
	return c
}

type embedView struct {
	Checkpoint, Dataset, Layer string
	N, Dim, Mistakes           int
	Predicted                  bool
	Explained1, Explained2     string
}

var embedTemplate = newPageTemplate("embed.html.tmpl")

func newEmbedPage(e Embedding, a assets) (*htmlPage, error) {
	v := embedView{Checkpoint: e.Checkpoint, Dataset: e.Dataset, Layer: e.Layer, N: len(e.Points), Dim: e.Dim,
		Predicted: e.Predicted, Explained1: fmt.Sprintf("%.1f%%", 100*e.Explained[0]), Explained2: fmt.Sprintf("%.1f%%", 100*e.Explained[1])}
	for _, p := range e.Points {
		if e.Predicted && p.Pred != p.Label {
			v.Mistakes++
		}
	}
	p := page{
		Title:   fmt.Sprintf("Feature space of %s at %s on %s", filepath.Base(e.Checkpoint), e.Layer, e.Dataset),
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}, {Href: TransferPageName, Text: "transfer runs"}},
		Body:    v,
	}
	var err error
	if p.Charts, err = renderCharts(namedChart{idEmbed, EmbeddingChart(e)}); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: embedTemplate}, nil
}

// WriteEmbedding writes the embedding's page as resultsDir/name (an
// embed-*.html page at the top of the results folder) and returns its
// path.
func WriteEmbedding(resultsDir, name string, e Embedding) (string, error) {
	if name != filepath.Base(name) {
		return "", fmt.Errorf("embedding page %q: a file name, not a path", name)
	}
	a, err := installAssets(resultsDir)
	if err != nil {
		return "", err
	}
	p, err := newEmbedPage(e, a)
	if err != nil {
		return "", fmt.Errorf("embedding page: %w", err)
	}
	path := filepath.Join(resultsDir, name)
	return path, metrics.WriteAtomic(path, func(w io.Writer) error { return p.Render(w) })
}
