package charts

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// The loss chart smooths its curves (an exponential moving average, as
// TensorBoard's slider) and switches to a log scale, and back, without
// compounding: the tooltip then gives the smoothed value. Before, the
// run page had neither.
func TestBrowserLossChartSmoothsAndTakesALogScale(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	run := sampleRun("overfit", "overfit", "mnist", 6, 6, true) // train loss 1/epoch
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, run.Name, RunPageName), 1280, 900)
	// The controls say which chart they act on: they sit between the
	// accuracy chart and the loss chart (issue 26: it was not clear).
	var caption string
	p.eval(`document.querySelector('.curve-tools[data-chart="chart_loss"]').innerText`, &caption)
	if !strings.HasPrefix(caption, "Loss chart below:") {
		t.Errorf("the curve tools read %q, want them to name the loss chart below", caption)
	}
	set := func(smooth float64, log bool) {
		p.eval(fmt.Sprintf(`(function () { var f = document.querySelector('.curve-tools[data-chart="chart_loss"]');
  var s = f.querySelector("input.smooth"); s.value = %g; s.dispatchEvent(new Event("input", {bubbles: true}));
  var l = f.querySelector("input.logscale"); if (l.checked !== %t) { l.click(); } return true; })()`, smooth, log), nil)
	}
	read := func() (train []float64, axis string) {
		var r struct {
			Train []float64
			Axis  string
		}
		p.eval(`(function () { var inst = echarts.getInstanceByDom(document.getElementById("chart_loss"));
  var s = inst.getModel().getSeriesByName("train")[0], d = s.getData(), out = [];
  for (var i = 0; i < d.count(); i++) { out.push(d.get(d.mapDimension("y"), i)); }
  return {Train: out, Axis: inst.getModel().getComponent("yAxis", 0).axis.scale.type}; })()`, &r)
		return r.Train, r.Axis
	}
	raw := []float64{1, 0.5, 0.3333, 0.25, 0.2, 0.1667}
	want := make([]float64, len(raw))
	last := raw[0]
	for i, v := range raw {
		last = 0.5*last + 0.5*v
		if i == 0 {
			last = v
		}
		want[i] = math.Round(last*1e4) / 1e4
	}
	set(0.5, false)
	set(0.5, false) // twice: smoothing is of the data as measured, never of itself
	got, axis := read()
	if fmt.Sprint(got) != fmt.Sprint(want) || axis != "interval" {
		t.Errorf("smoothing 0.5: train loss drawn %v on a %s axis, want %v on a linear one", got, axis, want)
	}
	if tip := p.tooltipAt(idLoss, 0, 1); !strings.Contains(tip, "train: 0.7500") {
		t.Errorf("tooltip at epoch 2 with smoothing reads %q, want the smoothed 0.7500", tip)
	}
	set(0, true)
	got, axis = read()
	if fmt.Sprint(got) != fmt.Sprint(raw) || axis != "log" {
		t.Errorf("no smoothing, log scale: train loss drawn %v on a %s axis, want %v on a log one", got, axis, raw)
	}
}
