package charts

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// compareFolder is a results folder of n runs with long names (as
// reproduce names them) and test accuracies in no particular order; the
// last two have no test evaluation. It returns the folder and the run
// names, best test accuracy first.
func compareFolder(t *testing.T, n int) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	type scored struct {
		name string
		acc  float64
	}
	var runs []scored
	sources := []string{"mnist", "fashion", "none"}
	for i := range n {
		name := fmt.Sprintf("transfer-%s-%s-on-mnist-e%d-pc20-evallimit1000-seed%d", sources[i%3], []string{"last", "all"}[i%2], 3+i%4, i)
		r := finetuneRun(name, "mnist", sources[i%3], []string{"last", "all"}[i%2], 3+i%4, true)
		acc := 50 + float64((i*37)%41) + float64(i)/100
		for j := range r.History {
			r.History[j].TrainAcc = acc - 10 + float64(j)*3
			r.History[j].ValAcc = acc - 12 + float64(j)*3
		}
		r.Final.Test.Accuracy = acc
		if i >= n-2 {
			r.Final.Test = nil
			acc = -1
		}
		writeRun(t, dir, r)
		runs = append(runs, scored{name, acc})
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].acc > runs[j].acc })
	var names []string
	for _, r := range runs {
		names = append(names, r.name)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	return dir, names
}

// The compare page reads at 18 runs: the table opens sorted by test
// accuracy, best first, with the test accuracy in view at 1280 px (no
// sideways scroll); the five best runs are ticked and only they are
// drawn; every run has its own colour, its train (dashed) and held-out
// (solid) curves share it; the tooltip lists every drawn curve at the
// hovered epoch, best first, with the epoch and %. Before, test accuracy
// was column 20 (off screen), every run was ticked, colours repeated after
// nine series, and the tooltip gave one series' bare number.
func TestBrowserComparePageReadsAt18Runs(t *testing.T) {
	chromium := needBrowser(t)
	dir, best := compareFolder(t, 18)
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, ComparePageName), 1280, 900)

	var table struct {
		Rows                  []string
		Ticked                []string
		HeadRight, CellRight  float64
		HeadText, CellText    string
		ViewWidth, PageWidth  float64
		BoxScroll, ChartWidth float64
	}
	p.eval(`(function () {
  var rows = Array.prototype.map.call(document.querySelectorAll("#compare tbody tr"), function (r) { return r.getAttribute("data-run"); });
  var ticked = Array.prototype.filter.call(document.querySelectorAll("input.tick"), function (b) { return b.checked; }).map(function (b) { return b.getAttribute("data-run"); });
  var ths = Array.prototype.slice.call(document.querySelectorAll("#compare thead th"));
  var col = ths.findIndex(function (h) { return h.textContent === "test acc."; });
  var cell = document.querySelector("#compare tbody tr").cells[col];
  return {Rows: rows, Ticked: ticked, HeadRight: ths[col].getBoundingClientRect().right, CellRight: cell.getBoundingClientRect().right,
    HeadText: ths[col].textContent, CellText: cell.textContent,
    ViewWidth: window.innerWidth, PageWidth: document.documentElement.scrollWidth,
    BoxScroll: document.querySelector("#compare").parentNode.scrollLeft};
})()`, &table)
	if strings.Join(table.Rows, " ") != strings.Join(best, " ") {
		t.Errorf("table rows:\n%s\nwant best test accuracy first:\n%s", strings.Join(table.Rows, "\n"), strings.Join(best, "\n"))
	}
	if table.HeadRight > table.ViewWidth || table.CellRight > table.ViewWidth || table.PageWidth > table.ViewWidth {
		t.Errorf("test accuracy is out of view at %.0f px: its heading ends at %.0f px, the best run's cell (%s) at %.0f px; the page is %.0f px wide",
			table.ViewWidth, table.HeadRight, table.CellText, table.CellRight, table.PageWidth)
	}
	if strings.Join(table.Ticked, " ") != strings.Join(best[:5], " ") {
		t.Errorf("ticked runs %v, want the five best %v", table.Ticked, best[:5])
	}

	type seriesInfo struct {
		Name, Colour, Dash string
		Shown              bool
	}
	for _, id := range []string{idCompareAccEpoch, idCompareLossEpoch, idCompareAccTime, idCompareLossTime} {
		var ss []seriesInfo
		p.eval(fmt.Sprintf(`(function () {
  var inst = echarts.getInstanceByDom(document.getElementById(%s)), m = inst.getModel();
  var palette = inst.getOption().color;
  return m.getSeries().map(function (s, i) {
    // The colour it is drawn in: its own, or the palette's (echarts
    // computes the visual of shown series only).
    var st = s.getData().getVisual("style") || {};
    return {Name: s.name, Colour: String(s.get(["lineStyle", "color"]) || st.stroke || palette[i %% palette.length]), Dash: String((s.get(["lineStyle", "type"])) || "solid"), Shown: !m.isSeriesFiltered(s)};
  });
})()`, jsString(id)), &ss)
		colourOf := map[string]string{}
		runOf := map[string]string{}
		for _, s := range ss {
			run, curve, _ := strings.Cut(s.Name, compareSeparator)
			if c, ok := colourOf[run]; ok && c != s.Colour {
				t.Errorf("%s: %s's curves differ in colour: %s and %s", id, run, c, s.Colour)
			}
			colourOf[run] = s.Colour
			if other, ok := runOf[s.Colour]; ok && other != run {
				t.Errorf("%s: %s and %s share colour %s", id, run, other, s.Colour)
			}
			runOf[s.Colour] = run
			wantDash := map[string]string{seriesTrain: "dashed", seriesValidation: "solid"}[curve]
			if s.Dash != wantDash {
				t.Errorf("%s: %s is drawn %s, want %s", id, s.Name, s.Dash, wantDash)
			}
			ticked := false
			for _, b := range best[:5] {
				ticked = ticked || b == run
			}
			if s.Shown != ticked {
				t.Errorf("%s: %s shown %v, want %v (ticked)", id, s.Name, s.Shown, ticked)
			}
		}
		if len(colourOf) != 18 {
			t.Errorf("%s: %d runs drawn, want 18", id, len(colourOf))
		}
	}

	// The tooltip at epoch 2 of the best run's validation curve.
	var index int
	p.eval(fmt.Sprintf(`echarts.getInstanceByDom(document.getElementById(%s)).getOption().series.findIndex(function (s) { return s.name === %s; })`,
		jsString(idCompareAccEpoch), jsString(best[0]+compareSeparator+seriesValidation)), &index)
	tip := p.tooltipAt(idCompareAccEpoch, index, 1)
	rows := strings.Split(tip, " | ")
	if rows[0] != "epoch 2" || len(rows) != 11 {
		t.Fatalf("tooltip at epoch 2 reads %q: want \"epoch 2\" and the 10 curves of the 5 ticked runs", tip)
	}
	valRE := regexp.MustCompile(`^(.*) · (train|validation): ([0-9.]+) %$`)
	prev := 101.0
	for _, r := range rows[1:] {
		m := valRE.FindStringSubmatch(r)
		if m == nil {
			t.Errorf("tooltip row %q is not \"<run> · <curve>: NN.NN %%\"", r)
			continue
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		if v > prev {
			t.Errorf("tooltip rows not sorted best first: %q", tip)
		}
		prev = v
		found := false
		for _, b := range best[:5] {
			found = found || b == m[1]
		}
		if !found {
			t.Errorf("tooltip lists %s, which is not ticked", m[1])
		}
	}

	// A run has one colour on every page: the transfer page's curve of
	// each run is in its compare-page colour.
	var swatches map[string]string
	p.eval(`(function () { var m = {}; document.querySelectorAll("#compare tbody tr").forEach(function (r) {
  m[r.getAttribute("data-run")] = getComputedStyle(r.querySelector(".swatch")).backgroundColor; }); return m; })()`, &swatches)
	tp := openCDP(t, chromium, "file://"+filepath.Join(dir, TransferPageName), 1280, 900)
	var curves map[string]string
	tp.eval(`(function () { var m = {}, probe = document.createElement("span"); document.body.appendChild(probe);
  echarts.getInstanceByDom(document.getElementById("chart_transfer_curves")).getOption().series.forEach(function (s) {
    probe.style.color = s.lineStyle.color; m[s.name] = getComputedStyle(probe).color; }); return m; })()`, &curves)
	matched := 0
	for run, colour := range swatches {
		for name, c := range curves {
			if strings.Contains(name, "("+run+")") {
				matched++
				if c != colour {
					t.Errorf("%s: %s on the transfer page, %s on the compare page", run, c, colour)
				}
			}
		}
	}
	if matched != 18 {
		t.Errorf("matched %d of 18 runs' curves on the transfer page: %v", matched, curves)
	}
}
