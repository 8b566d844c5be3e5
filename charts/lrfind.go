package charts

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/internal/names"
	"transferlab/metrics"
)

const idLRFind = "chart_lr_find"

// Series of the range test's chart.
const (
	seriesLRLoss       = "batch loss"
	seriesLRSmoothed   = "smoothed loss"
	seriesLRSuggestion = "suggested rate"
)

// LRFindPageName is the page of the range test for run (its JSON beside
// it has the same name, .json).
func LRFindPageName(run string) string { return "lr-find-" + names.Slug(run) + ".html" }

// LRFindChart plots a range test's batch loss and smoothed loss against
// the learning rate on a log axis, the suggestion a dashed vertical line.
func LRFindChart(f *metrics.LRFinding) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: idLRFind, Width: "100%", Height: chartHeight}),
		charts.WithTitleOpts(chartTitle("Loss against learning rate", suggestionText(f))),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "28", Left: "center"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "learning rate", Type: "log", NameLocation: "middle", NameGap: 26}),
		// Up to twice the first smoothed loss: the diverging last steps
		// would otherwise flatten the part of the curve that matters.
		charts.WithYAxisOpts(opts.YAxis{Name: "loss", Type: "value", Min: 0, Max: lossAxisMax(f)}),
		charts.WithGridOpts(opts.Grid{Top: "80", Bottom: "60", ContainLabel: opts.Bool(true)}),
	)
	raw := make([]opts.LineData, len(f.Points))
	smooth := make([]opts.LineData, len(f.Points))
	for i, p := range f.Points {
		raw[i] = opts.LineData{Value: []any{p.LR, num(p.Loss)}}
		smooth[i] = opts.LineData{Value: []any{p.LR, num(p.Smoothed)}}
	}
	c.AddSeries(seriesLRLoss, raw, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0.35)}))
	c.AddSeries(seriesLRSmoothed, smooth, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}))
	// The suggestion as a vertical segment of its own (a series, so the
	// legend names it and the tooltip gives its rate).
	if f.NoDescent {
		return c
	}
	top := lossAxisMax(f)
	c.AddSeries(seriesLRSuggestion, []opts.LineData{{Value: []any{f.Suggestion, 0}}, {Value: []any{f.Suggestion, top}}},
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Width: 2}))
	return c
}

// suggestionText is the suggestion, or why there is none.
func suggestionText(f *metrics.LRFinding) string {
	if f.NoDescent {
		return "no suggestion: the loss never fell"
	}
	return fmt.Sprintf("suggestion %.3g", f.Suggestion)
}

// lossAxisMax is the loss axis' top: twice the first smoothed loss,
// rounded up to a tenth.
func lossAxisMax(f *metrics.LRFinding) float64 {
	if len(f.Points) == 0 || !(f.Points[0].Smoothed > 0) {
		return 1
	}
	return math.Ceil(20*f.Points[0].Smoothed) / 10
}

// lrFindView is the range test page's text.
type lrFindView struct {
	F        *metrics.LRFinding
	Steps    int
	Stop     string
	JSONFile string
}

var lrFindTemplate = newPageTemplate("lrfind.html.tmpl")

func newLRFindPage(f *metrics.LRFinding, jsonFile string, a assets) (*htmlPage, error) {
	v := lrFindView{F: f, Steps: len(f.Points), JSONFile: jsonFile, Stop: "ran its whole sweep"}
	if f.Diverged {
		v.Stop = "stopped when the smoothed loss diverged (above 4 times its best)"
	}
	p := page{
		Title:   "Learning-rate range test: " + f.Run,
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}},
		Body:    v,
	}
	var err error
	if p.Charts, err = renderCharts(namedChart{idLRFind, LRFindChart(f)}); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: lrFindTemplate}, nil
}

// WriteLRFindPage writes a range test's page and its JSON into
// resultsDir and returns the page's path.
func WriteLRFindPage(resultsDir string, f *metrics.LRFinding) (string, error) {
	a, err := installAssets(resultsDir)
	if err != nil {
		return "", err
	}
	path := filepath.Join(resultsDir, LRFindPageName(f.Run))
	jsonPath := path[:len(path)-len(".html")] + ".json"
	if err := metrics.WriteAtomic(jsonPath, func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(f)
	}); err != nil {
		return "", err
	}
	p, err := newLRFindPage(f, filepath.Base(jsonPath), a)
	if err != nil {
		return "", fmt.Errorf("range test page: %w", err)
	}
	return path, metrics.WriteAtomic(path, func(w io.Writer) error { return p.Render(w) })
}
