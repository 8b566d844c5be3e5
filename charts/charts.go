// Package charts turns the files a run leaves in its results folder
// (metrics.json, eval-*.json; see package metrics) into interactive HTML
// pages rendered with go-echarts, and serves that folder over HTTP.
//
// It reads metrics files only and imports no torch package, so reports can
// be rebuilt on any machine. The pages load echarts.min.js from
// results/assets/ (copied there from the cache tools/setup-echarts.sh
// fills), so they render with no internet.
//
// There is one builder per chart: it takes a run's history (or an
// evaluation, or the fine-tuning runs) and returns a go-echarts chart whose
// Render(w io.Writer) writes a standalone page. The pages of this package
// compose several such charts with tables and images.
package charts

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// Series names, shared by the builders, the pages and the tests.
const (
	seriesTrain      = "train"
	seriesValidation = "validation"
	seriesTest       = "test"
	seriesSeconds    = "seconds per epoch"
	seriesImagesPerS = "train images/s"
	seriesConfusion  = "confusion"
	seriesPerClass   = "accuracy"
)

// Chart IDs: the ID of each chart's container and of its echarts
// instance (go-echarts names the script variables after them, so they must
// be JavaScript identifiers).
const (
	idAccuracy       = "chart_accuracy"
	idLoss           = "chart_loss"
	idSpeed          = "chart_speed"
	idLR             = "chart_lr"
	idConfusion      = "chart_confusion"
	idPerClass       = "chart_per_class"
	idTransferCurves = "chart_transfer_curves"
	idTransferBars   = "chart_transfer_bars"
)

// chartHeight is the height of every chart; widths follow the page.
const chartHeight = "420px"

// AccuracyChart plots train and validation accuracy (percent) against the
// epoch. The validation series is there only if some epoch was validated;
// epochs without validation are gaps.
//
// heldOut names the held-out series: "validation", or "test" for recipes
// that evaluate the test split after each epoch (see HeldOutName).
func AccuracyChart(history []metrics.Epoch, heldOut string) *charts.Line {
	c := newLine(idAccuracy, "Accuracy", "accuracy (%)")
	c.SetGlobalOptions(charts.WithYAxisOpts(accuracyAxis()), withAxisTooltip("epoch", "pct", ""))
	c.SetXAxis(epochLabels(history))
	c.AddSeries(seriesTrain, lineData(history, func(e metrics.Epoch) (float64, bool) { return e.TrainAcc, true }),
		lineOpts(0))
	if hasVal(history) {
		c.AddSeries(heldOut, lineData(history, func(e metrics.Epoch) (float64, bool) { return e.ValAcc, e.HasVal }),
			lineOpts(0))
	}
	return c
}

// LossChart plots train and validation loss (mean over each epoch's
// samples) against the epoch.
func LossChart(history []metrics.Epoch, heldOut string) *charts.Line {
	c := newLine(idLoss, "Loss", "loss")
	c.SetGlobalOptions(withAxisTooltip("epoch", "loss", ""))
	c.SetXAxis(epochLabels(history))
	c.AddSeries(seriesTrain, lineData(history, func(e metrics.Epoch) (float64, bool) { return e.TrainLoss, true }),
		lineOpts(0))
	if hasVal(history) {
		c.AddSeries(heldOut, lineData(history, func(e metrics.Epoch) (float64, bool) { return e.ValLoss, e.HasVal }),
			lineOpts(0))
	}
	return c
}

// seriesLR names the one series of a run that trains in one parameter
// group.
const seriesLR = "learning rate"

// LRChart plots the learning rate of each parameter group at each
// epoch's last step, one line per group (groups names them; nil: one
// group), on a log axis: discriminative rates span decades. A group that
// joined later (two-phase fine-tuning) is a gap before it did. Nil when
// no epoch recorded a rate.
func LRChart(history []metrics.Epoch, groups []string) *charts.Line {
	n := 0
	for _, e := range history {
		n = max(n, len(e.LR))
	}
	if n == 0 {
		return nil
	}
	c := newLine(idLR, "Learning rate per epoch", "learning rate")
	c.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Name: "learning rate", Type: "log"}), withAxisTooltip("epoch", "lr", ""))
	c.SetXAxis(epochLabels(history))
	for g := 0; g < n; g++ {
		d := make([]opts.LineData, len(history))
		for i, e := range history {
			d[i] = opts.LineData{Value: gap}
			if g < len(e.LR) && e.LR[g] > 0 {
				// 4 significant digits: num's 4 decimals would round 1e-5 to 0.
				v, _ := strconv.ParseFloat(strconv.FormatFloat(e.LR[g], 'g', 4, 64), 64)
				d[i] = opts.LineData{Value: v}
			}
		}
		c.AddSeries(lrSeriesName(groups, g, n), d, lineOpts(0))
	}
	return c
}

// lrSeriesName names group g of n: its layer, the first marked as the
// head when the groups are layers.
func lrSeriesName(groups []string, g, n int) string {
	switch {
	case n == 1 && len(groups) <= 1:
		return seriesLR
	case g >= len(groups):
		return fmt.Sprintf("group %d", g+1)
	case g == 0:
		return groups[0] + " (head)"
	}
	return groups[g]
}

// SpeedChart shows each epoch's wall time (bars, left axis) and training
// throughput in images per second (line, right axis).
func SpeedChart(history []metrics.Epoch) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(commonOpts(idSpeed, "Time and throughput per epoch", "seconds")...)
	zoomOnCtrlWheel(c, 1)
	c.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Name: "seconds", Type: "value"}),
		withAxisTooltip("epoch", "secs,"+seriesImagesPerS+"=rate", ""))
	c.ExtendYAxis(opts.YAxis{Name: "images/s", Type: "value", Position: "right"})
	c.SetXAxis(epochLabels(history))
	secs := make([]opts.BarData, len(history))
	for i, e := range history {
		secs[i] = opts.BarData{Value: num(e.Seconds)}
	}
	c.AddSeries(seriesSeconds, secs)
	rate := charts.NewLine()
	rate.AddSeries(seriesImagesPerS, lineData(history, func(e metrics.Epoch) (float64, bool) { return e.ImagesPerSec, true }),
		lineOpts(1))
	c.Overlap(rate)
	return c
}

// confusionTooltip names a cell's classes and gives its count. The name
// is escaped: class names come from folder names and sidecars, and
// echarts renders a formatter's result as HTML.
const confusionTooltip = `function (p) { return echarts.format.encodeHTML(p.name) + ': ' + p.value[2]; }`

// ConfusionChart draws an evaluation's confusion matrix as a heatmap:
// predicted class across, true class down. The colour saturates at the
// largest off-diagonal count so that mistakes stand out next to the
// (much larger) diagonal; the tooltip gives every count. Empty cells are
// left out.
func ConfusionChart(e *metrics.Eval, classes []string) *charts.HeatMap {
	n := len(e.Confusion)
	labels := make([]string, n)
	for i := range labels {
		labels[i] = className(classes, i)
	}
	var data []opts.HeatMapData
	maxOff := 1
	for t, row := range e.Confusion {
		for p, count := range row {
			if count == 0 || p >= n {
				continue
			}
			if t != p && count > maxOff {
				maxOff = count
			}
			data = append(data, opts.HeatMapData{
				Name:  fmt.Sprintf("true %s, predicted %s", labels[t], labels[p]),
				Value: [3]int{p, t, count},
			})
		}
	}
	// Both category axes carry the class names as their data. Without it
	// echarts takes the categories in the order the cells first name them
	// (row by row, empty cells left out), which scatters the columns and
	// the diagonal. go-echarts' HeatMap.SetXAxis does not do this: unlike
	// the other charts, its Validate never copies that data into the x
	// axis, so the options must hold it.
	// Class names longer than a character or two (Fashion's "T-shirt/top",
	// "Ankle boot") run together across the x axis: they are turned 60°
	// and cut at 80 px (the tooltip and the y axis give them in full).
	xLabel, xGap, bottom := &opts.AxisLabel{Interval: "0"}, 30, "90"
	for _, l := range labels {
		if len([]rune(l)) > 2 {
			xLabel, xGap, bottom = &opts.AxisLabel{Interval: "0", Rotate: 60, Width: 80, Overflow: "truncate"}, 80, "140"
			break
		}
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: idConfusion, Width: "100%", Height: "640px"}),
		charts.WithTitleOpts(chartTitle("Confusion matrix", "rows: true class, columns: predicted class")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}), // one series
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: opts.FuncOpts(confusionTooltip)}),
		charts.WithXAxisOpts(opts.XAxis{Name: "predicted", Type: "category", Data: labels, NameLocation: "middle", NameGap: xGap,
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)}, AxisLabel: xLabel}),
		charts.WithYAxisOpts(opts.YAxis{Name: "true", Type: "category", Data: labels, Inverse: opts.Bool(true), NameLocation: "start", // top: the bottom holds the x labels
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)}, AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "continuous", Calculable: opts.Bool(true), Min: 0, Max: float32(maxOff),
			Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#f7fbff", "#6baed6", "#08306b"}}}),
		charts.WithGridOpts(opts.Grid{Top: "70", Bottom: bottom, ContainLabel: opts.Bool(true)}),
	)
	var label *opts.Label
	if n <= 26 {
		label = &opts.Label{Show: opts.Bool(true), FontSize: 9}
	}
	c.AddSeries(seriesConfusion, data, charts.WithLabelOpts(labelOrHidden(label)))
	return c
}

// PerClassChart draws an evaluation's accuracy per true class as bars.
func PerClassChart(e *metrics.Eval, classes []string) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(commonOpts(idPerClass, "Accuracy per class", "accuracy (%)")...)
	zoomOnCtrlWheel(c, 1)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Name: "class", Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithYAxisOpts(accuracyAxis()),
		withAxisTooltip("class", "pct", ""))
	labels := make([]string, len(e.PerClass))
	data := make([]opts.BarData, len(e.PerClass))
	for i, a := range e.PerClass {
		labels[i] = className(classes, i)
		data[i] = opts.BarData{Value: num(a)}
	}
	c.SetXAxis(labels)
	c.AddSeries(seriesPerClass, data)
	return c
}

// TransferCurvesChart draws the validation accuracy of each fine-tuning
// run against the epoch on one chart, one series per configuration
// (labelled as on the transfer page). A run that was never validated
// shows its training accuracy, and its series name says so.
func TransferCurvesChart(runs []*metrics.Run) *charts.Line {
	return transferCurvesChart(runs, runStyles(runs))
}

// transferCurvesChart is TransferCurvesChart with each run in its colour
// (runStyles of every run in the results folder, so that a run has one
// colour on every page).
func transferCurvesChart(runs []*metrics.Run, styles map[string]runStyle) *charts.Line {
	c := newLine(idTransferCurves, "Fine-tuning: accuracy per epoch", "accuracy (%)")
	c.SetGlobalOptions(charts.WithYAxisOpts(accuracyAxis()), withAxisTooltip("epoch", "pct", "desc"))
	// Many series with long names: the transfer page's run picker
	// (series-picker.js) is the legend, which would page ("1/4") or at
	// 400 px cover the chart.
	c.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	c.GridList = []opts.Grid{{Top: "70", Bottom: "80", ContainLabel: opts.Bool(true)}}
	longest := 0
	for _, r := range runs {
		longest = max(longest, len(r.History))
	}
	x := make([]string, longest)
	for i := range x {
		x[i] = strconv.Itoa(i + 1)
	}
	c.SetXAxis(x)
	for i, label := range transferLabels(runs) {
		h := runs[i].History
		name := label + " (" + HeldOutName(runs[i].Config) + ")"
		pick := func(e metrics.Epoch) (float64, bool) { return e.ValAcc, e.HasVal }
		if !hasVal(h) {
			name = label + " (train, no validation)"
			pick = func(e metrics.Epoch) (float64, bool) { return e.TrainAcc, true }
		}
		c.AddSeries(name, lineData(h, pick), styles[runs[i].Name].seriesOpts("solid")...)
	}
	return c
}

// TransferBarsChart draws, per fine-tuning configuration, the final train
// and test accuracy as grouped horizontal bars, each labelled with its
// value: the configurations' names read on the left, wrapped, at any
// width. A missing evaluation is a gap.
func TransferBarsChart(runs []*metrics.Run) *charts.Bar {
	short, note := transferBarLabels(runs)
	full := transferLabels(runs)
	// The axis holds the full labels, which the tooltip names; the axis
	// draws each one's short label, by its index.
	quoted := make([]string, len(short))
	for i, s := range short {
		quoted[i] = "'" + jsQuote(s) + "'"
	}
	c := charts.NewBar()
	c.SetGlobalOptions(commonOpts(idTransferBars, "Final accuracy per configuration", "accuracy (%)")...)
	c.SetGlobalOptions(
		charts.WithTitleOpts(chartTitle("Final accuracy per configuration", note)),
		// 2 bars and a gap per configuration, and room for the title,
		// legend and axis.
		charts.WithInitializationOpts(opts.Initialization{ChartID: idTransferBars, Width: "100%",
			Height: fmt.Sprintf("%dpx", max(300, 130+44*len(runs)))}),
		charts.WithXAxisOpts(opts.XAxis{Name: "accuracy (%)", Type: "value", Min: 0, Max: 100, NameLocation: "middle", NameGap: 26}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Interval: "0", Width: 130, Overflow: "truncate",
				Formatter: opts.FuncOpts("function (v, i) { return [" + strings.Join(quoted, ", ") + "][i] || v; }")}}),
		withAxisTooltip("", "pct", ""))
	// Right: room for a full bar's value label ("100.00 %"). The grid
	// replaces commonOpts' (WithGridOpts would add a second, unused one,
	// and the value labels ran off a narrow chart).
	c.GridList = []opts.Grid{{Top: "70", Bottom: "50", Right: "64", ContainLabel: opts.Bool(true)}}
	// No zoom: every configuration is in view, and the values are on the bars.
	c.DataZoomList = nil
	train := make([]opts.BarData, len(runs))
	test := make([]opts.BarData, len(runs))
	for i, r := range runs {
		train[i] = opts.BarData{Value: evalAcc(r.Final.Train)}
		test[i] = opts.BarData{Value: evalAcc(r.Final.Test)}
	}
	c.SetXAxis(full).XYReversal()
	label := charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", FontSize: 11,
		Formatter: string(opts.FuncOpts("function (p) { return transferlabFmt.label(p, 'pct'); }"))})
	c.AddSeries(seriesTrain, train, label)
	c.AddSeries(seriesTest, test, label)
	return c
}

func newLine(id, title, yName string) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(commonOpts(id, title, yName)...)
	zoomOnCtrlWheel(c, 1)
	return c
}

// zoomOnCtrlWheel leaves the mouse wheel to the page: over a chart it
// scrolls, as everywhere else, and zooms only with ctrl held (the slider
// zooms too). echarts' inside dataZoom takes every wheel turn by default,
// which traps a reader scrolling a long page. Its zoomOnMouseWheel: "ctrl"
// (set here on the first n dataZoom components, which must be the inside
// ones; go-echarts' DataZoom has no field for it) is not enough in echarts
// 5.4.3: the roam controller it shares among inside zooms cancels every
// wheel event before asking them. So a capturing listener on the chart's
// container stops a wheel event without ctrl before echarts sees it, and
// the browser scrolls. Both run after the chart's setOption, as
// go-echarts' JSFunctions.
func zoomOnCtrlWheel(c interface{ AddJSFuncs(...string) }, n int) {
	z := strings.TrimSuffix(strings.Repeat(`{"zoomOnMouseWheel":"ctrl","moveOnMouseWheel":false},`, n), ",")
	c.AddJSFuncs(`%MY_ECHARTS%.setOption({"dataZoom":[`+z+`]});`,
		`["wheel", "mousewheel"].forEach(function (t) { %MY_ECHARTS%.getDom().addEventListener(t, function (e) { if (!e.ctrlKey) { e.stopPropagation(); } }, {capture: true, passive: true}); });`)
}

// commonOpts are the options every x/y chart shares: full width, axis
// tooltips, a legend whose entries toggle series, zoom by slider and by
// ctrl + wheel (see zoomOnCtrlWheel, which each builder calls), and a
// save-as-PNG button.
func commonOpts(id, title, yName string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: chartHeight}),
		charts.WithTitleOpts(chartTitle(title, "")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		// The legend on its own line under the title: beside it, the two
		// overlap on a narrow screen.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: 0}, opts.DataZoom{Type: "slider", XAxisIndex: 0}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Type: "png"}}}),
		charts.WithXAxisOpts(opts.XAxis{Name: "epoch", Type: "category", NameLocation: "middle", NameGap: 26}),
		charts.WithYAxisOpts(opts.YAxis{Name: yName, Type: "value", Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "80", Bottom: "80", ContainLabel: opts.Bool(true)}),
	}
}

// accuracyAxis is the y axis of accuracy curves and of per-class bars:
// scaled to the values shown (so that 97-99 % differences show), never
// above 100 % (transferlabFmt.pctMin and pctMax, format.js).
func accuracyAxis() opts.YAxis {
	return opts.YAxis{Name: "accuracy (%)", Type: "value",
		Min: opts.FuncOpts("function (v) { return transferlabFmt.pctMin(v); }"),
		Max: opts.FuncOpts("function (v) { return transferlabFmt.pctMax(v); }")}
}

// withAxisTooltip is the tooltip of a chart whose x axis is xName
// ("epoch", "class", "time" for training seconds, "" for none): the x
// value, then each series' value formatted as kinds says (format.js'
// transferlabFmt.axis: "pct", "loss", "secs", "rate", then
// ",<series>=<kind>" exceptions), sorted by order ("desc", "asc" or "" for
// the series' order).
func withAxisTooltip(xName, kinds, order string) charts.GlobalOpts {
	f := fmt.Sprintf("function (ps) { return transferlabFmt.axis(ps, '%s', '%s', '%s'); }", jsQuote(xName), jsQuote(kinds), jsQuote(order))
	return charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", Formatter: opts.FuncOpts(f)})
}

// jsQuote makes s safe inside a single-quoted JavaScript string of a
// formatter's source.
func jsQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, "", "\n", " ", "<", "", ">", "").Replace(s)
}

// chartTitle is a chart's title, in a size that fits beside the toolbox
// on a 400 px screen when the title is 32 characters or fewer (and its
// subtitle 55).
func chartTitle(title, subtitle string) opts.Title {
	return opts.Title{Title: title, Subtitle: subtitle, TitleStyle: &opts.TextStyle{FontSize: 16}}
}

// percentAxis is the y axis of accuracy bars: from 0 to 100, since a bar's
// length must mean its value.
func percentAxis() opts.YAxis {
	return opts.YAxis{Name: "accuracy (%)", Type: "value", Min: 0, Max: 100}
}

func lineOpts(yAxis int) charts.SeriesOpts {
	return charts.WithLineChartOpts(opts.LineChart{YAxisIndex: yAxis, ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)})
}

func labelOrHidden(l *opts.Label) opts.Label {
	if l == nil {
		return opts.Label{Show: opts.Bool(false)}
	}
	return *l
}

func epochLabels(history []metrics.Epoch) []string {
	x := make([]string, len(history))
	for i, e := range history {
		x[i] = strconv.Itoa(e.Epoch)
	}
	return x
}

// lineData is one point per epoch; pick says the value and whether the
// epoch has one (a gap otherwise).
func lineData(history []metrics.Epoch, pick func(metrics.Epoch) (float64, bool)) []opts.LineData {
	d := make([]opts.LineData, len(history))
	for i, e := range history {
		v, ok := pick(e)
		if !ok {
			d[i] = opts.LineData{Value: gap}
			continue
		}
		d[i] = opts.LineData{Value: num(v)}
	}
	return d
}

func hasVal(history []metrics.Epoch) bool {
	for _, e := range history {
		if e.HasVal {
			return true
		}
	}
	return false
}

// gap is echarts' marker for a missing point.
const gap = "-"

// num rounds v for display (4 decimals) and turns NaN and ±Inf, which JSON
// cannot carry and a diverged run can produce, into gaps.
func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return gap
	}
	return math.Round(v*1e4) / 1e4
}

func evalAcc(e *metrics.Eval) any {
	if e == nil {
		return gap
	}
	return num(e.Accuracy)
}

// className is the name of class i, or its index if the file has no name
// for it.
func className(classes []string, i int) string {
	if i >= 0 && i < len(classes) && classes[i] != "" {
		return classes[i]
	}
	return strconv.Itoa(i)
}

// HeldOutName names the split a run evaluated after each epoch: its
// validation split, or the test split for recipes without one.
func HeldOutName(c metrics.Config) string {
	if c.EvalSplit == "test" {
		return seriesTest
	}
	return seriesValidation
}
