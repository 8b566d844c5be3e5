package charts

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

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
// classes' order, so the class picker reads as the dataset's class list.
func EmbeddingChart(e Embedding) *charts.Scatter {
	c := charts.NewScatter()
	axis := func(name string, share float64) string {
		return fmt.Sprintf("%s (%.1f%% of the variance)", name, 100*share)
	}
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: idEmbed, Width: "100%", Height: "640px"}),
		charts.WithTitleOpts(chartTitle("Layer "+e.Layer+" on "+e.Dataset, "first two principal components")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: opts.FuncOpts(embedTooltip)}),
		// The page's class picker (series-picker.js) is the legend:
		// echarts' scrolling one paged the classes ("1/2") at 400 px.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: 0}, opts.DataZoom{Type: "inside", YAxisIndex: 0}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Type: "png"}}}),
		charts.WithXAxisOpts(opts.XAxis{Name: axis("PC1", e.Explained[0]), Type: "value", NameLocation: "middle", NameGap: 26, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Name: axis("PC2", e.Explained[1]), Type: "value", NameLocation: "middle", NameGap: 40, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "70", Bottom: "50", ContainLabel: opts.Bool(true)}),
	)
	zoomOnCtrlWheel(c, 2)
	c.SetGlobalOptions(charts.WithColorsOpts(classPalette(len(e.Classes))))
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

// classPalette colours n classes, each its own up to 26: tab10 for ten
// classes or fewer (echarts' own nine colours gave classes 0 and 9 one
// blue), tab20 up to 20, and Green-Armytage's 26-colour alphabet for
// EMNIST letters; more classes than that share colours.
func classPalette(n int) opts.Colors {
	switch {
	case n <= 10:
		return opts.Colors{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}
	case n <= 20:
		return opts.Colors{"#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5",
			"#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5"}
	}
	return opts.Colors{"#F0A3FF", "#0075DC", "#993F00", "#4C005C", "#191919", "#005C31", "#2BCE48", "#FFCC99", "#808080", "#94FFB5",
		"#8F7C00", "#9DCC00", "#C20088", "#003380", "#FFA405", "#FFA8BB", "#426600", "#FF0010", "#5EF1F2", "#00998F",
		"#E0FF66", "#740AFF", "#990000", "#FFFF80", "#FFE100", "#FF5005"}
}

type embedView struct {
	Checkpoint, Dataset, Layer string
	N, Dim, Mistakes           int
	Predicted                  bool
	Explained1, Explained2     string
	embedContext
}

// embedContext is where a feature-space page stands among the results:
// the run whose network it draws, and for a fine-tuning run's pair of
// pages (TransferEmbedPages) which one it is and the other.
type embedContext struct {
	// Run is the run folder whose network the page draws, "" for a
	// checkpoint of no run in the results folder; RunHref its page,
	// relative to the results folder, where it exists.
	Run     string
	RunHref template.URL
	// Role is "before" (the source network) or "after" (the fine-tuned
	// one) for a run's pair of pages, else "".
	Role string
	// Other is the pair's other page, where it exists.
	Other template.URL
	// Frozen names the trained layers when the drawn layer was frozen in
	// the run, so before and after are the same network there.
	Frozen string
}

// embedContextOf finds the run a page named name draws: a run folder
// whose TransferEmbedPages are that name (the longest such folder name
// first, as one run's name may begin another's), or the folder of the
// checkpoint, results/<run>/model.pt.
func embedContextOf(resultsDir, name string, e Embedding) embedContext {
	var ctx embedContext
	dirs, err := os.ReadDir(resultsDir)
	if err != nil {
		return ctx
	}
	exists := func(rel string) bool {
		fi, err := os.Stat(filepath.Join(resultsDir, filepath.FromSlash(rel)))
		return err == nil && fi.Mode().IsRegular()
	}
	var best *metrics.Run
	ckptRun := ""
	if abs, err := filepath.Abs(e.Checkpoint); err == nil {
		if rd, err := filepath.Abs(resultsDir); err == nil && filepath.Dir(filepath.Dir(abs)) == rd {
			ckptRun = filepath.Base(filepath.Dir(abs))
		}
	}
	for _, d := range dirs {
		dn := d.Name()
		if !d.IsDir() || checkRunName(dn) != nil || (!strings.HasPrefix(name, "embed-"+dn+"-") && dn != ckptRun) {
			continue
		}
		if best != nil && len(dn) <= len(best.Name) {
			continue
		}
		r, err := metrics.ReadRun(filepath.Join(resultsDir, dn, metrics.FileName))
		if err != nil {
			continue
		}
		r.Name = dn
		before, after := TransferEmbedPages(dn, r.Config.Dataset)
		if name != before && name != after && dn != ckptRun {
			continue
		}
		best = r
	}
	if best == nil {
		return ctx
	}
	ctx.Run = best.Name
	if page := path.Join(best.Name, RunPageName); exists(page) {
		ctx.RunHref = template.URL(page)
	}
	before, after := TransferEmbedPages(best.Name, best.Config.Dataset)
	switch name {
	case before:
		ctx.Role = "before"
		if exists(after) {
			ctx.Other = template.URL(after)
		}
	case after:
		ctx.Role = "after"
		if exists(before) {
			ctx.Other = template.URL(before)
		}
	}
	if best.Kind == "finetune" && frozenAt(best.Config.Layers, e.Layer) {
		ctx.Frozen = best.Config.Layers
	}
	return ctx
}

// cnnLayers are the CNN's layers, input first.
var cnnLayers = []string{"conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2", "fc3"}

// frozenAt says whether layer kept its source weights in a fine-tuning
// run that trained layers ("last": fc3 only, "all", or "from:LAYER" up):
// true when it lies below the first trained layer.
func frozenAt(layers, layer string) bool {
	first := strings.TrimPrefix(layers, "from:")
	switch layers {
	case "last":
		first = "fc3"
	case "all":
		return false
	}
	i, j := slices.Index(cnnLayers, layer), slices.Index(cnnLayers, first)
	return i >= 0 && j >= 0 && i < j
}

// Title is the page's title: the run it draws, where known.
func (v embedView) title(checkpoint string) string {
	switch {
	case v.Role == "before":
		return fmt.Sprintf("Feature space of %s before fine-tuning (its source, %s) at %s on %s", v.Run, filepath.Base(checkpoint), v.Layer, v.Dataset)
	case v.Role == "after":
		return fmt.Sprintf("Feature space of %s after fine-tuning at %s on %s", v.Run, v.Layer, v.Dataset)
	case v.Run != "":
		return fmt.Sprintf("Feature space of %s at %s on %s", v.Run, v.Layer, v.Dataset)
	}
	return fmt.Sprintf("Feature space of %s at %s on %s", filepath.Base(checkpoint), v.Layer, v.Dataset)
}

var embedTemplate = newPageTemplate("embed.html.tmpl")

func newEmbedPage(e Embedding, ctx embedContext, a assets) (*htmlPage, error) {
	v := embedView{Checkpoint: e.Checkpoint, Dataset: e.Dataset, Layer: e.Layer, N: len(e.Points), Dim: e.Dim,
		Predicted: e.Predicted, Explained1: fmt.Sprintf("%.1f%%", 100*e.Explained[0]), Explained2: fmt.Sprintf("%.1f%%", 100*e.Explained[1]),
		embedContext: ctx}
	for _, p := range e.Points {
		if e.Predicted && p.Pred != p.Label {
			v.Mistakes++
		}
	}
	p := page{
		Title:   v.title(e.Checkpoint),
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}, {Href: TransferPageName, Text: "transfer runs"}},
		Body:    v,
	}
	if ctx.RunHref != "" {
		p.Nav = append(p.Nav, link{Href: ctx.RunHref, Text: "run " + ctx.Run})
	}
	if ctx.Other != "" {
		p.Nav = append(p.Nav, link{Href: ctx.Other, Text: map[string]string{"before": "after fine-tuning →", "after": "← before fine-tuning"}[ctx.Role]})
	}
	var err error
	if p.Charts, err = renderCharts(namedChart{idEmbed, EmbeddingChart(e)}); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: embedTemplate}, nil
}

// WriteEmbedding writes the embedding's page as resultsDir/name (an
// embed-*.html page at the top of the results folder) and returns its
// path. Its data goes beside it as embed-*.json, from which Build redraws
// the page with links to what exists then (the run's page, the other page
// of a fine-tuning run's before/after pair); the other page of the pair,
// if written already, is redrawn now to link this one.
func WriteEmbedding(resultsDir, name string, e Embedding) (string, error) {
	if name != filepath.Base(name) || !strings.HasSuffix(name, ".html") {
		return "", fmt.Errorf("embedding page %q: a file name ending in .html, not a path", name)
	}
	a, err := installAssets(resultsDir)
	if err != nil {
		return "", err
	}
	// Without its data file (a NaN in it, say, which JSON cannot hold)
	// the page is still drawn, only never redrawn.
	data := filepath.Join(resultsDir, embedDataName(name))
	if err := metrics.WriteJSON(data, e); err != nil {
		os.Remove(data)
	}
	path, err := writeEmbedPage(resultsDir, name, e, a)
	if err != nil {
		return "", err
	}
	if other := embedContextOf(resultsDir, name, e).Other; other != "" {
		if oe, err := readEmbedding(filepath.Join(resultsDir, embedDataName(string(other)))); err == nil {
			if _, err := writeEmbedPage(resultsDir, string(other), *oe, a); err != nil {
				return path, err
			}
		}
	}
	return path, nil
}

// embedDataName is the data file of an embed-*.html page.
func embedDataName(page string) string { return strings.TrimSuffix(page, ".html") + ".json" }

func readEmbedding(path string) (*Embedding, error) {
	var e Embedding
	if err := metrics.ReadJSONFile(path, "transferlab embedding file", &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// writeEmbedPage draws e as resultsDir/name, with the links that exist now.
func writeEmbedPage(resultsDir, name string, e Embedding, a assets) (string, error) {
	p, err := newEmbedPage(e, embedContextOf(resultsDir, name, e), a)
	if err != nil {
		return "", fmt.Errorf("embedding page: %w", err)
	}
	path := filepath.Join(resultsDir, name)
	return path, metrics.WriteAtomic(path, func(w io.Writer) error { return p.Render(w) })
}
