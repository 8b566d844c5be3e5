package charts

import (
	"html/template"
	"path"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// ComparePageName is the page under results/ that overlays the curves of
// the runs the reader ticks, beside a sortable table of every run.
const ComparePageName = "compare.html"

// Chart IDs of the compare page.
const (
	idCompareAccEpoch  = "chart_compare_accuracy_epoch"
	idCompareLossEpoch = "chart_compare_loss_epoch"
	idCompareAccTime   = "chart_compare_accuracy_time"
	idCompareLossTime  = "chart_compare_loss_time"
)

// compareSeparator joins a run's name and its curve in series names; the
// page's tick boxes find a run's series by the prefix "<run> · ".
const compareSeparator = " · "

// CompareMetric picks the curve a compare chart draws.
type CompareMetric int

const (
	CompareAccuracy CompareMetric = iota // accuracy (%)
	CompareLoss                          // loss
)

// CompareAxis picks what a compare chart's curves run along.
type CompareAxis int

const (
	CompareByEpoch CompareAxis = iota // the epoch
	// CompareByTime is the training time so far: the sum of the epochs'
	// seconds (training and per-epoch evaluation; data loading and the
	// final test are not in it), so runs on one machine compare by cost.
	CompareByTime
)

// CompareChart overlays every run's curves of one metric: per run, its
// train curve and its held-out one (validation, or test for recipes
// without a validation split), named "<run> · train" and
// "<run> · validation". The x axis is a value axis (epoch or seconds), so
// runs of different lengths and speeds share it.
func CompareChart(runs []*metrics.Run, m CompareMetric, by CompareAxis) *charts.Line {
	id, title, yName := idCompareAccEpoch, "Accuracy per epoch", "accuracy (%)"
	switch {
	case m == CompareLoss && by == CompareByEpoch:
		id, title, yName = idCompareLossEpoch, "Loss per epoch", "loss"
	case m == CompareAccuracy && by == CompareByTime:
		id, title = idCompareAccTime, "Accuracy against training time"
	case m == CompareLoss && by == CompareByTime:
		id, title, yName = idCompareLossTime, "Loss against training time", "loss"
	}
	c := newLine(id, title, yName)
	xName := "epoch"
	if by == CompareByTime {
		xName = "training time (s)"
	}
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Name: xName, Type: "value", NameLocation: "middle", NameGap: 26, Scale: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "30"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	c.GridList = []opts.Grid{{Top: "80", Bottom: "80", ContainLabel: opts.Bool(true)}}
	for _, r := range runs {
		train := func(e metrics.Epoch) (float64, bool) { return e.TrainAcc, true }
		held := func(e metrics.Epoch) (float64, bool) { return e.ValAcc, e.HasVal }
		if m == CompareLoss {
			train = func(e metrics.Epoch) (float64, bool) { return e.TrainLoss, true }
			held = func(e metrics.Epoch) (float64, bool) { return e.ValLoss, e.HasVal }
		}
		c.AddSeries(r.Name+compareSeparator+seriesTrain, comparePoints(r.History, by, train), lineOpts(0))
		if hasVal(r.History) {
			c.AddSeries(r.Name+compareSeparator+HeldOutName(r.Config), comparePoints(r.History, by, held), lineOpts(0))
		}
	}
	return c
}

// comparePoints are [x, y] points; epochs without a value are left out
// (a value axis needs no placeholder).
func comparePoints(history []metrics.Epoch, by CompareAxis, pick func(metrics.Epoch) (float64, bool)) []opts.LineData {
	var d []opts.LineData
	elapsed := 0.0
	for _, e := range history {
		elapsed += e.Seconds
		v, ok := pick(e)
		if !ok {
			continue
		}
		x := any(e.Epoch)
		if by == CompareByTime {
			x = num(elapsed)
		}
		d = append(d, opts.LineData{Value: []any{x, num(v)}})
	}
	return d
}

type compareView struct {
	Rows []compareRow
}

// compareRow is one run in the compare table; each cell has its text and
// the value it sorts by.
type compareRow struct {
	Run   string
	Href  template.URL
	Badge string
	// Recipe is true when the run is known to have run its recipe: it
	// records one, or carries the seed's numbers, and departs from
	// neither.
	Recipe bool
	Cells  []compareCell
}

type compareCell struct {
	Text, Sort string
	Num        bool
}

// compareColumns head the table's cells after the tick box, run and setup.
var compareColumns = []string{"kind", "status", "model", "dataset", "source", "layers", "epochs", "batch", "learning rate",
	"per class", "image limit", "seed", "precision", "device", "train acc. (last epoch)", "val. acc.", "test acc.", "test loss", "wall time"}

func (compareView) Columns() []string { return compareColumns }

// Separator is compareSeparator, for the page's script (compare.js).
func (compareView) Separator() string { return compareSeparator }

var compareTemplate = newPageTemplate("compare.html.tmpl")

// newComparePage builds results/compare.html from every run.
func newComparePage(runs []*metrics.Run, a assets) (*htmlPage, error) {
	var v compareView
	for _, r := range runs {
		c := r.Config
		acc := func(e *metrics.Eval) compareCell {
			if e == nil {
				return compareCell{Text: none, Num: true}
			}
			return compareCell{Text: pct(e.Accuracy), Sort: csvNum(e.Accuracy), Num: true}
		}
		testLoss := compareCell{Text: none, Num: true}
		if e := r.Final.Test; e != nil {
			testLoss = compareCell{Text: loss(e.Loss), Sort: csvNum(e.Loss), Num: true}
		}
		text := func(s string) compareCell { return compareCell{Text: orNone(s), Sort: s} }
		count := func(n int) compareCell {
			if n <= 0 {
				return compareCell{Text: "all", Num: true}
			}
			return compareCell{Text: strconv.Itoa(n), Sort: strconv.Itoa(n), Num: true}
		}
		v.Rows = append(v.Rows, compareRow{
			Run: r.Name, Href: template.URL(path.Join(r.Name, RunPageName)), Badge: r.NotRecipe().Label(),
			Recipe: r.Recipe != nil || r.Reference != nil,
			Cells: []compareCell{
				text(r.Kind), text(r.Status), text(c.Model), text(c.Dataset), text(c.Source), text(c.Layers),
				{Text: epochsText(r), Sort: strconv.Itoa(len(r.History)), Num: true},
				{Text: strconv.Itoa(c.BatchSize), Sort: strconv.Itoa(c.BatchSize), Num: true},
				{Text: strconv.FormatFloat(c.LR, 'g', -1, 64), Sort: csvNum(c.LR), Num: true},
				count(c.PerClass), count(c.Limit),
				{Text: strconv.FormatInt(c.Seed, 10), Sort: strconv.FormatInt(c.Seed, 10), Num: true},
				text(c.Precision), text(c.Device),
				acc(r.Final.Train), acc(r.Final.Val), acc(r.Final.Test), testLoss,
				{Text: duration(r.WallSeconds), Sort: csvNum(r.WallSeconds), Num: true},
			},
		})
	}
	p := page{
		Title:   "Compare runs",
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: IndexPageName, Text: "← all runs"}},
		Body:    v,
	}
	var cs []namedChart
	for _, by := range []CompareAxis{CompareByEpoch, CompareByTime} {
		for _, m := range []CompareMetric{CompareAccuracy, CompareLoss} {
			c := CompareChart(runs, m, by)
			cs = append(cs, namedChart{c.ChartID, c})
		}
	}
	if len(runs) == 0 {
		p.Echarts, cs = "", nil
	}
	var err error
	if p.Charts, err = renderCharts(cs...); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: compareTemplate}, nil
}
