package charts

import (
	"html/template"
	"math"
	"path"
	"sort"
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
// held-out curve (validation, or test for recipes without a validation
// split; solid) and its train curve (dashed), one colour per run (see
// runStyles), named "<run> · validation" and "<run> · train". The x axis
// is a value axis (epoch or seconds), so runs of different lengths and
// speeds share it. Only the best few runs (compareTicked) are shown at
// first: the compare page's tick boxes are the legend. On the charts by
// epoch, a configuration run with several seeds is also drawn as its
// seeds' mean and a min–max band (addSeedBands).
func CompareChart(runs []*metrics.Run, m CompareMetric, by CompareAxis) *charts.Line {
	ranked := rankRuns(runs)
	return compareChart(ranked, m, by, runStyles(runs), tickedRuns(ranked))
}

// compareTicked is how many runs, the best by test accuracy, the compare
// page shows at first.
const compareTicked = 5

func compareChart(runs []*metrics.Run, m CompareMetric, by CompareAxis, styles map[string]runStyle, ticked map[string]bool) *charts.Line {
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
	xName, tipX, minInterval := "epoch", "epoch", 1.0 // no epoch 1.5
	if by == CompareByTime {
		xName, tipX, minInterval = "training time (s)", "time", 0
	}
	kind, order := "pct", "desc"
	if m == CompareLoss {
		kind, order = "loss", "asc"
	}
	selected := map[string]bool{}
	for _, r := range runs {
		for _, name := range []string{r.Name + compareSeparator + seriesTrain, r.Name + compareSeparator + HeldOutName(r.Config)} {
			selected[name] = ticked[r.Name]
		}
	}
	c.SetGlobalOptions(
		charts.WithTitleOpts(chartTitle(title, "solid: validation or test · dashed: train")),
		charts.WithXAxisOpts(opts.XAxis{Name: xName, Type: "value", NameLocation: "middle", NameGap: 26, Scale: opts.Bool(true), MinInterval: minInterval}),
		// The table's tick boxes and colour swatches are the legend: a
		// legend of 36 entries pages, and at 400 px wide takes the chart.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false), Selected: selected}),
		withAxisTooltip(tipX, kind, order),
	)
	if m == CompareAccuracy {
		c.SetGlobalOptions(charts.WithYAxisOpts(accuracyAxis()))
	}
	c.GridList = []opts.Grid{{Top: "70", Bottom: "80", ContainLabel: opts.Bool(true)}}
	for _, r := range runs {
		train := func(e metrics.Epoch) (float64, bool) { return e.TrainAcc, true }
		held := func(e metrics.Epoch) (float64, bool) { return e.ValAcc, e.HasVal }
		if m == CompareLoss {
			train = func(e metrics.Epoch) (float64, bool) { return e.TrainLoss, true }
			held = func(e metrics.Epoch) (float64, bool) { return e.ValLoss, e.HasVal }
		}
		style := styles[r.Name]
		if hasVal(r.History) {
			c.AddSeries(r.Name+compareSeparator+HeldOutName(r.Config), comparePoints(r.History, by, held), style.seriesOpts("solid")...)
		}
		c.AddSeries(r.Name+compareSeparator+seriesTrain, comparePoints(r.History, by, train), style.seriesOpts("dashed")...)
	}
	if by == CompareByEpoch {
		// Seeds run for one number of epochs; in seconds they part.
		addSeedBands(c, seedGroups(runs), m, styles, ticked, selected)
	}
	return c
}

// rankRuns orders runs best first: by final test accuracy, then final
// validation accuracy (runs without one after those with), then name.
func rankRuns(runs []*metrics.Run) []*metrics.Run {
	ranked := append([]*metrics.Run(nil), runs...)
	score := func(e *metrics.Eval) (float64, bool) {
		if e == nil || math.IsNaN(e.Accuracy) {
			return 0, false
		}
		return e.Accuracy, true
	}
	sort.SliceStable(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		for _, pick := range []func(*metrics.Run) *metrics.Eval{
			func(r *metrics.Run) *metrics.Eval { return r.Final.Test },
			func(r *metrics.Run) *metrics.Eval { return r.Final.Val },
		} {
			x, okx := score(pick(a))
			y, oky := score(pick(b))
			if okx != oky {
				return okx
			}
			if okx && x != y {
				return x > y
			}
		}
		return a.Name < b.Name
	})
	return ranked
}

// tickedRuns are the first compareTicked runs of ranked.
func tickedRuns(ranked []*metrics.Run) map[string]bool {
	t := map[string]bool{}
	for i, r := range ranked {
		if i < compareTicked {
			t[r.Name] = true
		}
	}
	return t
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
	// SeedGroups is how many configurations have several seeds: the page
	// offers to show or hide their bands.
	SeedGroups int
	// SeedBands are each seed group's runs, by the band's label.
	SeedBands map[string][]string
	// Hyper feeds the hyperparameter view's picker.
	Hyper hyperView
}

// compareRow is one run in the compare table; each cell has its text and
// the value it sorts by.
type compareRow struct {
	Run   string
	Href  template.URL
	Badge string
	// Style is the run's colour and marker on the charts (runStyles).
	Style runStyle
	// Ticked runs are shown on the charts when the page opens.
	Ticked bool
	// Recipe is true when the run is known to have run its recipe: it
	// records one, or carries the seed's numbers, and departs from
	// neither.
	Recipe bool
	// Key are the cells of KeyColumns, after the run's name; Cells those
	// of Columns, after its setup.
	Key, Cells []compareCell
}

type compareCell struct {
	Text, Sort string
	Num        bool
	// Mark is a badge after Text, Note its title (the dataset's
	// targetNote); both empty for most cells.
	Mark, Note string
}

// compareColumn is a column of the compare table: its heading, and the
// short key the filter box names it by ("lr>0.001", "source:fashion").
type compareColumn struct{ Head, Key string }

// compareKeyColumns come first, after the tick box and the run, so that
// the best result and its run are in view on a laptop's screen; the table
// opens sorted by the first. compareColumns follow the run's setup.
var (
	compareKeyColumns = []compareColumn{{"test acc.", "test"}, {"val. acc.", "val"}, {"train acc. (last epoch)", "train"}, {"test loss", "loss"}}
	compareColumns    = []compareColumn{{"kind", "kind"}, {"status", "status"}, {"model", "model"}, {"dataset", "dataset"},
		{"source", "source"}, {"layers", "layers"}, {"epochs", "epochs"}, {"batch", "batch"}, {"learning rate", "lr"},
		{"per class", "perclass"}, {"image limit", "limit"}, {"seed", "seed"}, {"precision", "precision"}, {"device", "device"},
		{"wall time", "wall"}}
)

func (compareView) KeyColumns() []compareColumn { return compareKeyColumns }
func (compareView) Columns() []compareColumn    { return compareColumns }

// Ticked is how many runs the charts show when the page opens.
func (compareView) Ticked() int { return compareTicked }

// Separator is compareSeparator, for the page's script (compare.js).
func (compareView) Separator() string { return compareSeparator }

// datasetCell is a run's dataset in the compare table, marked "not
// EMNIST" or "not a transfer" with the whole targetNote as its title.
func datasetCell(r *metrics.Run) compareCell {
	c := compareCell{Text: orNone(r.Config.Dataset), Sort: r.Config.Dataset, Note: targetNote(r)}
	switch {
	case c.Note == "":
	case notTransfer(r):
		c.Mark = "not a transfer"
	default:
		c.Mark = "not EMNIST"
	}
	return c
}

var compareTemplate = newPageTemplate("compare.html.tmpl")

// newComparePage builds results/compare.html from every run, best first.
func newComparePage(runs []*metrics.Run, a assets) (*htmlPage, error) {
	var v compareView
	ranked := rankRuns(runs)
	styles := runStyles(runs)
	ticked := tickedRuns(ranked)
	v.SeedGroups = len(seedGroups(ranked))
	v.SeedBands = seedBandRuns(seedGroups(ranked))
	for _, r := range ranked {
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
			Style: styles[r.Name], Ticked: ticked[r.Name],
			Recipe: r.Recipe != nil || r.Reference != nil,
			Key:    []compareCell{acc(r.Final.Test), acc(r.Final.Val), acc(r.Final.Train), testLoss},
			Cells: []compareCell{
				text(r.Kind), text(r.Status), text(c.Model), datasetCell(r), text(c.Source), text(c.Layers),
				{Text: epochsText(r), Sort: strconv.Itoa(len(r.History)), Num: true},
				{Text: strconv.Itoa(c.BatchSize), Sort: strconv.Itoa(c.BatchSize), Num: true},
				{Text: strconv.FormatFloat(c.LR, 'g', -1, 64), Sort: csvNum(c.LR), Num: true},
				count(c.PerClass), count(c.Limit),
				{Text: strconv.FormatInt(c.Seed, 10), Sort: strconv.FormatInt(c.Seed, 10), Num: true},
				text(c.Precision), text(c.Device),
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
			c := compareChart(ranked, m, by, styles, ticked)
			cs = append(cs, namedChart{c.ChartID, c})
		}
	}
	hc := hyperChart(ranked, styles, ticked)
	cs = append(cs, namedChart{hc.ChartID, hc})
	var err error
	if v.Hyper, err = newHyperView(ranked); err != nil {
		return nil, err
	}
	p.Body = v
	if len(runs) == 0 {
		p.Echarts, cs = "", nil
	}
	if p.Charts, err = renderCharts(cs...); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: compareTemplate}, nil
}
