package charts

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// wheelProbe is what a page reports about one chart: where it is in the
// viewport, the page's scroll position and the chart's zoom window.
type wheelProbe struct {
	Top, Left, Width, Height float64
	ScrollY                  float64
	Zoom                     []float64
}

func readWheelProbe(p *cdpPage, id string) wheelProbe {
	p.t.Helper()
	var w wheelProbe
	p.eval(fmt.Sprintf(`(function () {
  var el = document.getElementById(%s), r = el.getBoundingClientRect();
  var dz = echarts.getInstanceByDom(el).getOption().dataZoom || [];
  return {Top: r.top, Left: r.left, Width: r.width, Height: r.height, ScrollY: window.scrollY,
    Zoom: dz.length ? [dz[0].start, dz[0].end] : []};
})()`, jsString(id)), &w)
	return w
}

// A reader scrolling a long page with the mouse wheel keeps scrolling when
// the pointer passes over a chart: the wheel does not zoom (ctrl + wheel
// does, and the slider). Before, echarts' inside zoom took every wheel
// turn over a chart: 0 px scrolled, the chart zoomed instead.
func TestBrowserWheelOverAChartScrollsThePage(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	run := sampleRun("overfit", "overfit", "mnist", 12, 12, true)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	p := openCDP(t, chromium, "file://"+filepath.Join(dir, run.Name, RunPageName), 1280, 900)
	for _, id := range []string{idAccuracy, idLoss} {
		// The chart in the middle of the window, the page free to scroll
		// both ways.
		p.eval(fmt.Sprintf(`(function () { var r = document.getElementById(%s).getBoundingClientRect();
  window.scrollBy(0, r.top - 200); return true; })()`, jsString(id)), nil)
		time.Sleep(300 * time.Millisecond)
		before := readWheelProbe(p, id)
		x, y := before.Left+before.Width/2, before.Top+before.Height/2
		p.wheel(x, y, 360)
		after := readWheelProbe(p, id)
		if after.ScrollY-before.ScrollY < 300 {
			t.Errorf("%s: a 360 px wheel turn over the chart scrolled the page %.0f px (from %.0f to %.0f)", id,
				after.ScrollY-before.ScrollY, before.ScrollY, after.ScrollY)
		}
		// And back up: a turn the other way would zoom in.
		p.wheel(x, y, -360)
		back := readWheelProbe(p, id)
		if after.ScrollY-back.ScrollY < 300 {
			t.Errorf("%s: a 360 px wheel turn up over the chart scrolled the page %.0f px", id, after.ScrollY-back.ScrollY)
		}
		if fmt.Sprint(back.Zoom) != fmt.Sprint(before.Zoom) {
			t.Errorf("%s: the plain wheel zoomed the chart: %v -> %v", id, before.Zoom, back.Zoom)
		}
		// Ctrl + wheel still zooms, in place.
		p.eval(fmt.Sprintf(`(function () { var r = document.getElementById(%s).getBoundingClientRect();
  window.scrollBy(0, r.top - 200); return true; })()`, jsString(id)), nil)
		time.Sleep(300 * time.Millisecond)
		before = readWheelProbe(p, id)
		x, y = before.Left+before.Width/2, before.Top+before.Height/2
		p.call(p.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseWheel", "x": x, "y": y,
			"deltaX": 0, "deltaY": -360, "modifiers": 2}, nil)
		time.Sleep(700 * time.Millisecond)
		after = readWheelProbe(p, id)
		if len(after.Zoom) != 2 || after.Zoom[1]-after.Zoom[0] >= 100 {
			t.Errorf("%s: ctrl + wheel did not zoom: %v -> %v", id, before.Zoom, after.Zoom)
		}
		t.Logf("%s: wheel scrolled %.0f px; ctrl+wheel zoomed to %v", id, 360.0, after.Zoom)
	}
}
