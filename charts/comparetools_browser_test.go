package charts

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"transferlab/metrics"
)

// toolsFolder is a results folder of 30 fine-tuning runs: 27 of distinct
// configurations (source, layers and learning rate) and one configuration
// run with seeds 1, 2 and 3. It returns the folder and the runs.
func toolsFolder(t *testing.T) (string, []*metrics.Run) {
	t.Helper()
	dir := t.TempDir()
	var runs []*metrics.Run
	sources, layers := []string{"mnist", "fashion", "none"}, []string{"last", "all", "from:fc1"}
	for i := range 27 {
		src, lay := sources[i%3], layers[(i/3)%3]
		lr := []float64{1e-4, 1e-3, 1e-2}[i/9]
		r := finetuneRun(fmt.Sprintf("transfer-%s-%s-on-mnist-lr%g", src, strings.ReplaceAll(lay, ":", ""), lr), "mnist", src, lay, 4, true)
		r.Config.LR = lr
		r.Final.Test.Accuracy = 60 + float64(i)
		runs = append(runs, r)
	}
	for seed := int64(1); seed <= 3; seed++ {
		r := finetuneRun(fmt.Sprintf("transfer-mnist-all-on-emnist-seed%d", seed), "emnist-letters", "mnist", "all", 4, true)
		r.Config.Seed = seed
		for j := range r.History {
			r.History[j].ValAcc = 70 + float64(j)*5 + float64(seed)*2
		}
		r.Final.Test.Accuracy = 88 + float64(seed)
		runs = append(runs, r)
	}
	for _, r := range runs {
		writeRun(t, dir, r)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	return dir, runs
}

// drawnSeries is a series of a chart as echarts holds it.
type drawnSeries struct {
	Name, Colour, Symbol string
	Shown                bool
	Data                 []any // [x, y] points, or values on a category axis
}

// point is the series' point i as [x, y], nil where it is not one.
func (s drawnSeries) point(i int) []any {
	if i >= len(s.Data) {
		return nil
	}
	pt, _ := s.Data[i].([]any)
	return pt
}

func (p *cdpPage) series(id string) []drawnSeries {
	p.t.Helper()
	var ss []drawnSeries
	p.eval(fmt.Sprintf(`(function () {
  var inst = echarts.getInstanceByDom(document.getElementById(%s)), m = inst.getModel(), o = inst.getOption();
  return m.getSeries().map(function (s, i) {
    var os = o.series[i];
    return {Name: s.name, Colour: String((os.lineStyle && os.lineStyle.color) || (os.itemStyle && os.itemStyle.color) || ""),
      Symbol: String(os.symbol || ""), Shown: !m.isSeriesFiltered(s),
      Data: (os.data || []).map(function (d) { return d && d.value ? d.value : d; })};
  });
})()`, jsString(id)), &ss)
	return ss
}

// The compare page's tools, as a TensorBoard or W&B user looks for them:
// with every run of 30 ticked, no two runs are drawn alike (past the
// palette's 25 colours, markers tell them apart, and the table's swatches
// show them); a configuration run with three seeds is drawn as their mean
// and a min–max band whose tooltip row gives the range, and a box hides
// it; the filter box hides rows and their curves by any column; the
// hyperparameter view puts test accuracy against the hyperparameter
// picked. Before, the 26th run repeated a colour, and none of the rest
// was there.
func TestBrowserCompareToolsAt30Runs(t *testing.T) {
	chromium := needBrowser(t)
	dir, runs := toolsFolder(t)
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, ComparePageName), 1280, 900)
	p.eval(`document.getElementById("tick-all").click()`, nil)

	// No two runs alike.
	type look struct{ Colour, Symbol string }
	runOf := map[look]string{}
	drawn := 0
	for _, s := range p.series(idCompareAccEpoch) {
		run, curve, _ := strings.Cut(s.Name, compareSeparator)
		if strings.HasPrefix(run, seedBandPrefix) || curve != seriesValidation {
			continue
		}
		drawn++
		if !s.Shown {
			t.Errorf("%s is not drawn with every run ticked", s.Name)
		}
		l := look{s.Colour, s.Symbol}
		if other, ok := runOf[l]; ok {
			t.Errorf("%s and %s are both drawn in %s with %s", run, other, s.Colour, s.Symbol)
		}
		runOf[l] = run
	}
	if drawn != 30 {
		t.Errorf("%d runs drawn, want 30", drawn)
	}
	var glyphs int
	p.eval(`document.querySelectorAll("#compare .swatch-glyph").length`, &glyphs)
	if glyphs != 30-len(runPalette) {
		t.Errorf("%d swatches show a marker glyph, want the %d runs past the palette", glyphs, 30-len(runPalette))
	}

	// The seeds band.
	seeds := runs[27:]
	label := seedBandPrefix + "transfer-mnist-all-on-emnist (3 seeds)"
	meanIndex := -1
	var band []drawnSeries
	for i, s := range p.series(idCompareAccEpoch) {
		if strings.HasPrefix(s.Name, seedBandPrefix) {
			band = append(band, s)
			if s.Name == label+compareSeparator+bandMean {
				meanIndex = i
			}
		}
	}
	if len(band) != 3 || meanIndex < 0 {
		t.Fatalf("seeds band series %+v, want %s's band (low, range) and mean", band, label)
	}
	for _, s := range band {
		if !s.Shown {
			t.Errorf("%s is not drawn", s.Name)
		}
	}
	var vals []float64
	for _, r := range seeds {
		vals = append(vals, r.History[1].ValAcc)
	}
	sort.Float64s(vals)
	mean := (vals[0] + vals[1] + vals[2]) / 3
	if got := p.series(idCompareAccEpoch)[meanIndex].point(1); len(got) != 2 || got[1] != mean {
		t.Errorf("the band's mean at epoch 2 is %v, want [2 %v]", got, mean)
	}
	// The shaded band at each epoch: from the lowest seed to the highest,
	// as drawn (the range stacked on the lowest, along y). Before, it was
	// a staircase of boxes half an epoch either side (issue 26).
	var edges [][4]float64 // x and y of its lower edge, x and y of its upper
	p.eval(fmt.Sprintf(`(function () {
  var inst = echarts.getInstanceByDom(document.getElementById(%s)), m = inst.getModel();
  var find = function (n) { return m.getSeries().filter(function (s) { return s.name === n; })[0]; };
  var lo = find(%s).getData().getLayout("points"), hi = find(%s).getData().getLayout("points"), out = [];
  for (var i = 0; i + 1 < lo.length; i += 2) {
    var a = inst.convertFromPixel({seriesIndex: 0}, [lo[i], lo[i + 1]]), b = inst.convertFromPixel({seriesIndex: 0}, [hi[i], hi[i + 1]]);
    out.push([a[0], a[1], b[0], b[1]]);
  }
  return out;
})()`, jsString(idCompareAccEpoch), jsString(label+compareSeparator+bandLow), jsString(label+compareSeparator+bandRange)), &edges)
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.05 }
	if len(edges) != 4 || !near(edges[1][0], 2) || !near(edges[1][2], 2) || !near(edges[1][1], vals[0]) || !near(edges[1][3], vals[2]) {
		t.Errorf("band edges %v: want 4 epochs, at epoch 2 from %v to %v", edges, vals[0], vals[2])
	}
	tip := p.tooltipAt(idCompareAccEpoch, meanIndex, 1)
	want := fmt.Sprintf("%s · mean: %.2f %% (%.2f %% – %.2f %%)", label, mean, vals[0], vals[2])
	if !strings.Contains(tip, want) || !strings.HasPrefix(tip, "epoch 2 | ") {
		t.Errorf("tooltip at epoch 2 reads %q: want the epoch, and %q", tip, want)
	}
	p.eval(`(function () { var b = document.getElementById("seed-bands"); b.checked = false; b.dispatchEvent(new Event("change")); })()`, nil)
	for _, s := range p.series(idCompareAccEpoch) {
		if strings.HasPrefix(s.Name, seedBandPrefix) && s.Shown {
			t.Errorf("%s still drawn after the band box is unticked", s.Name)
		}
	}

	// The filter: fashion sources with a learning rate above 1e-4.
	filter := func(q string) (rows []string, drawn map[string]bool) {
		p.eval(fmt.Sprintf(`(function () { var f = document.getElementById("filter"); f.value = %s; f.dispatchEvent(new Event("input")); })()`, jsString(q)), nil)
		p.eval(`Array.prototype.filter.call(document.querySelectorAll("#compare tbody tr"), function (r) { return !r.hidden; }).map(function (r) { return r.getAttribute("data-run"); })`, &rows)
		drawn = map[string]bool{}
		for _, s := range p.series(idCompareAccEpoch) {
			if run, _, _ := strings.Cut(s.Name, compareSeparator); s.Shown && !strings.HasPrefix(run, seedBandPrefix) {
				drawn[run] = true
			}
		}
		return rows, drawn
	}
	rows, shown := filter("source:fashion lr>0.0001")
	var wantRows []string
	for _, r := range runs {
		if r.Config.Source == "fashion" && r.Config.LR > 1e-4 {
			wantRows = append(wantRows, r.Name)
		}
	}
	sort.Strings(rows)
	sort.Strings(wantRows)
	if strings.Join(rows, " ") != strings.Join(wantRows, " ") || len(shown) != len(wantRows) {
		t.Errorf("filter source:fashion lr>0.0001 shows rows %v and draws %d runs; want %v", rows, len(shown), wantRows)
	}
	for run := range shown {
		if !strings.Contains(run, "fashion") {
			t.Errorf("the filter left %s drawn", run)
		}
	}
	if rows, shown := filter("seed2"); len(rows) != 1 || !shown["transfer-mnist-all-on-emnist-seed2"] {
		t.Errorf("filter seed2 shows %v, draws %v", rows, shown)
	}
	emptyNote := func() (shown bool) {
		p.eval(`!document.getElementById("filter-empty").hidden`, &shown)
		return shown
	}
	if rows, _ := filter("zzz-no-such-run"); len(rows) != 0 || !emptyNote() {
		t.Errorf("a filter that matches nothing shows %v and no note: want none and \"No runs match\"", rows)
	}
	if rows, _ := filter(""); len(rows) != 30 || emptyNote() {
		t.Errorf("an empty filter shows %d rows, want 30", len(rows))
	}

	// The hyperparameter view: learning rate first, on a log axis; then
	// layers, a category axis.
	axis := func() (typ string, data []string) {
		var a struct {
			Type string
			Data []string
		}
		p.eval(fmt.Sprintf(`(function () { var x = echarts.getInstanceByDom(document.getElementById(%s)).getOption().xAxis[0]; return {Type: x.type, Data: x.data || []}; })()`, jsString(idCompareHyper)), &a)
		return a.Type, a.Data
	}
	pointOf := map[string][]any{}
	for _, s := range p.series(idCompareHyper) {
		if len(s.Data) == 1 {
			pointOf[strings.TrimSuffix(s.Name, compareSeparator+seriesHyper)] = s.point(0)
		}
	}
	if typ, _ := axis(); typ != "log" || len(pointOf) != 30 {
		t.Errorf("hyperparameter view opens on a %q axis with %d points, want log (learning rate) and 30", typ, len(pointOf))
	}
	for _, r := range runs {
		if pt := pointOf[r.Name]; len(pt) != 2 || pt[0] != r.Config.LR || pt[1] != r.Final.Test.Accuracy {
			t.Errorf("%s's point is %v, want [%g %g]", r.Name, pt, r.Config.LR, r.Final.Test.Accuracy)
		}
	}
	p.eval(`(function () { var s = document.getElementById("hyper-x"); s.value = "layers"; s.dispatchEvent(new Event("change")); })()`, nil)
	if typ, cats := axis(); typ != "category" || strings.Join(cats, " ") != "all from:fc1 last" {
		t.Errorf("layers: a %q axis of %v, want a category axis of all, from:fc1, last", typ, cats)
	}
	for _, s := range p.series(idCompareHyper) {
		run := strings.TrimSuffix(s.Name, compareSeparator+seriesHyper)
		for _, r := range runs {
			if pt := s.point(0); r.Name == run && (len(s.Data) != 1 || len(pt) != 2 || pt[0] != r.Config.Layers) {
				t.Errorf("layers: %s's point %v, want at %s", run, s.Data, r.Config.Layers)
			}
		}
	}
	var hyperTip string
	for i, s := range p.series(idCompareHyper) {
		if s.Name == runs[0].Name+compareSeparator+seriesHyper {
			hyperTip = p.tooltipAt(idCompareHyper, i, 0)
		}
	}
	wantTip := regexp.MustCompile(`^` + regexp.QuoteMeta(runs[0].Name+compareSeparator+seriesHyper) + ` \| layers trained last: ` + strconv.FormatFloat(runs[0].Final.Test.Accuracy, 'f', 2, 64) + ` %$`)
	if !wantTip.MatchString(hyperTip) {
		t.Errorf("hyperparameter tooltip %q, want the run, \"layers trained last\" and its test accuracy", hyperTip)
	}
}

// A seeds band follows its runs: it is drawn while one of them is ticked
// and passes the filter, and hidden (chart and tooltip) when all are
// unticked or filtered out; its mean is drawn in a darker shade than any
// run's curve. Before, the band stayed drawn with none of its runs, and
// its mean took the first seed's colour, so the two looked alike (issue
// 26).
func TestBrowserSeedBandFollowsItsRuns(t *testing.T) {
	chromium := needBrowser(t)
	dir, runs := toolsFolder(t)
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, ComparePageName), 1280, 900)
	mean := seedBandPrefix + "transfer-mnist-all-on-emnist (3 seeds)" + compareSeparator + bandMean
	bandShown := func() bool {
		for _, s := range p.series(idCompareAccEpoch) {
			if s.Name == mean {
				return s.Shown
			}
		}
		t.Fatalf("no series %s", mean)
		return false
	}
	tick := func(run string, on bool) {
		p.eval(fmt.Sprintf(`(function () { var b = document.querySelector('input.tick[data-run=%s]'); b.checked = %t; b.dispatchEvent(new Event("change")); })()`, jsString(run), on), nil)
	}
	if !bandShown() {
		t.Errorf("the band is hidden when the page opens with its seeds ticked")
	}
	var meanColour string
	colours := map[string]bool{}
	for _, s := range p.series(idCompareAccEpoch) {
		if s.Name == mean {
			meanColour = s.Colour
		} else {
			colours[strings.ToLower(s.Colour)] = true
		}
	}
	if meanColour == "" || colours[strings.ToLower(meanColour)] {
		t.Errorf("the mean is drawn in %q, a run's colour too", meanColour)
	}
	p.eval(`document.getElementById("tick-none").click()`, nil)
	if bandShown() {
		t.Errorf("the band is drawn with none of its runs ticked")
	}
	tick(runs[28].Name, true)
	if !bandShown() {
		t.Errorf("the band is hidden with one of its runs ticked")
	}
	p.eval(`(function () { var f = document.getElementById("filter"); f.value = "fashion"; f.dispatchEvent(new Event("input")); })()`, nil)
	if bandShown() {
		t.Errorf("the band is drawn with its only ticked run filtered out")
	}
}

// The transfer page's curves chart has a run picker, not a paged legend:
// one tick box per configuration in its curve's colour, all in view, and
// unticking one hides its curve.
func TestBrowserTransferCurvesHaveARunPicker(t *testing.T) {
	chromium := needBrowser(t)
	dir, _ := toolsFolder(t)
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, TransferPageName), 1280, 900)
	var legend bool
	p.eval(`(function () { var l = echarts.getInstanceByDom(document.getElementById("chart_transfer_curves")).getOption().legend; return !!(l && l.length && l[0].show !== false); })()`, &legend)
	if legend {
		t.Error("the curves chart still draws its own (paged) legend")
	}
	ss := p.series(idTransferCurves)
	var picks []struct {
		Name, Colour string
		Checked      bool
		Visible      bool
	}
	p.eval(`Array.prototype.map.call(document.querySelectorAll("#transfer-picker label"), function (l) {
  var sw = l.querySelector(".swatch"), box = l.querySelector("input"), r = l.getBoundingClientRect(), probe = document.createElement("span");
  document.body.appendChild(probe);
  return {Name: box.getAttribute("data-series"), Colour: sw.style.background || sw.style.color, Checked: box.checked, Visible: r.width > 0 && r.right <= window.innerWidth};
})`, &picks)
	if len(picks) != len(ss) || len(ss) != 30 {
		t.Fatalf("%d tick boxes for %d curves, want 30 of each", len(picks), len(ss))
	}
	for i, pk := range picks {
		if pk.Name != ss[i].Name || !pk.Checked || !pk.Visible {
			t.Errorf("tick box %d: %+v, want %s, ticked, in view", i, pk, ss[i].Name)
		}
	}
	p.eval(`(function () { var b = document.querySelector("#transfer-picker input"); b.checked = false; b.dispatchEvent(new Event("change")); })()`, nil)
	if after := p.series(idTransferCurves); after[0].Shown || !after[1].Shown {
		t.Errorf("after unticking %s: shown %v, the next %v", after[0].Name, after[0].Shown, after[1].Shown)
	}
}
