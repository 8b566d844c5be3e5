package charts

import (
	"encoding/json"
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// idCompareHyper is the compare page's hyperparameter view.
const idCompareHyper = "chart_compare_hyper"

// hyperTitle is the view's title: short enough for a 400 px screen.
const hyperTitle = "Test accuracy by hyperparameter"

// seriesHyper names a run's point on the hyperparameter view: "<run> ·
// test acc.", so that the page's tick boxes and filter find it as they
// find the run's curves.
const seriesHyper = "test acc."

// hyperParam is one hyperparameter the view can put on its x axis: its
// key (the compare table's column key), its label, the axis type, and its
// value in a run (nil where the run has none).
type hyperParam struct {
	Key, Label, Axis string
	value            func(*metrics.Run) any
}

// hyperParams are the hyperparameters the view offers, the first shown
// when the page opens. "all" images per class or no limit have no number,
// and are left off those axes.
var hyperParams = []hyperParam{
	{"lr", "learning rate", "log", func(r *metrics.Run) any { return positive(r.Config.LR) }},
	{"epochs", "epochs", "value", func(r *metrics.Run) any { return positive(float64(r.Config.Epochs)) }},
	{"batch", "batch size", "log", func(r *metrics.Run) any { return positive(float64(r.Config.BatchSize)) }},
	{"perclass", "images per class", "log", func(r *metrics.Run) any { return positive(float64(r.Config.PerClass)) }},
	{"limit", "image limit", "log", func(r *metrics.Run) any { return positive(float64(r.Config.Limit)) }},
	{"layers", "layers trained", "category", func(r *metrics.Run) any { return nonEmpty(r.Config.Layers) }},
	{"source", "source network", "category", func(r *metrics.Run) any { return nonEmpty(r.Config.Source) }},
	{"optimizer", "optimizer", "category", func(r *metrics.Run) any { return nonEmpty(r.Config.Optimizer) }},
	{"seed", "seed", "value", func(r *metrics.Run) any { return r.Config.Seed }},
	{"wall", "wall time (s)", "log", func(r *metrics.Run) any { return positive(r.WallSeconds) }},
}

func positive(v float64) any {
	if v > 0 {
		return v
	}
	return nil
}

func nonEmpty(s string) any {
	if s != "" {
		return s
	}
	return nil
}

// hyperView is what the page's script needs to redraw the view for
// another hyperparameter: the choices, and each run's value of each.
type hyperView struct {
	Params []hyperParam
	// Values are, per run, its value of each parameter by key, as JSON.
	Values template.JS
}

// hyperChart is the hyperparameter view: each run's test accuracy (its
// validation accuracy where it has no test) against one hyperparameter,
// one point per run in the run's style, so that the tick boxes and filter
// show and hide it with the run's curves.
func hyperChart(runs []*metrics.Run, styles map[string]runStyle, ticked map[string]bool) *charts.Scatter {
	p := hyperParams[0]
	c := charts.NewScatter()
	c.SetGlobalOptions(commonOpts(idCompareHyper, hyperTitle, "accuracy (%)")...)
	selected := map[string]bool{}
	for _, r := range runs {
		selected[r.Name+compareSeparator+seriesHyper] = ticked[r.Name]
	}
	c.SetGlobalOptions(
		charts.WithTitleOpts(chartTitle(hyperTitle, "one point per run; pick the hyperparameter above")),
		charts.WithXAxisOpts(opts.XAxis{Name: p.Label, Type: p.Axis, NameLocation: "middle", NameGap: 26, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(accuracyAxis()),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false), Selected: selected}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item",
			Formatter: opts.FuncOpts("function (p) { return transferlabFmt.hyper(p); }")}),
	)
	c.DataZoomList = nil
	for _, r := range runs {
		acc, ok := hyperAccuracy(r)
		var d []opts.ScatterData
		if x := p.value(r); ok && x != nil {
			d = append(d, opts.ScatterData{Value: []any{x, num(acc)}})
		}
		st := styles[r.Name]
		c.AddSeries(r.Name+compareSeparator+seriesHyper, d,
			charts.WithScatterChartOpts(opts.ScatterChart{Symbol: st.Symbol, SymbolSize: 12}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: st.Colour}))
	}
	return c
}

// hyperAccuracy is the number the view plots for a run: its final test
// accuracy, else its final validation accuracy.
func hyperAccuracy(r *metrics.Run) (float64, bool) {
	for _, e := range []*metrics.Eval{r.Final.Test, r.Final.Val} {
		if e != nil {
			return e.Accuracy, true
		}
	}
	return 0, false
}

// newHyperView gathers every run's hyperparameters and accuracy for the
// page's script (compare.js), in the order of the chart's series.
func newHyperView(runs []*metrics.Run) (hyperView, error) {
	type point struct {
		Acc    any            `json:"acc"`
		Values map[string]any `json:"values"`
	}
	pts := make([]point, len(runs))
	for i, r := range runs {
		pts[i].Values = map[string]any{}
		if acc, ok := hyperAccuracy(r); ok {
			pts[i].Acc = num(acc)
		}
		for _, p := range hyperParams {
			pts[i].Values[p.Key] = p.value(r)
		}
	}
	b, err := json.Marshal(pts)
	if err != nil {
		return hyperView{}, err
	}
	return hyperView{Params: hyperParams, Values: template.JS(b)}, nil
}
