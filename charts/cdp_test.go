package charts

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cdpPage is one page of a headless Chromium driven over the DevTools
// protocol (on --remote-debugging-pipe: NUL-terminated JSON on fds 3 and
// 4, so no websocket is needed). Unlike the --dump-dom probe it can send
// the browser real input: a wheel event it sends is a trusted one, which
// scrolls the page unless a handler on the page cancels it, as a reader's
// mouse wheel does.
type cdpPage struct {
	t       *testing.T
	cmd     *exec.Cmd
	in      io.WriteCloser
	session string
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpReply
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// openCDP starts Chromium with a window of width×height CSS pixels and
// opens url in it, waiting until the page has loaded and its charts have
// had time to draw.
func openCDP(t *testing.T, chromium, url string, width, height int) *cdpPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	toChrome, chromeIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	chromeOut, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions", "--mute-audio",
		"--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--hide-scrollbars", "--remote-debugging-pipe", "--user-data-dir=" + chromiumProfile(t),
		fmt.Sprintf("--window-size=%d,%d", width, height), "about:blank"}
	cmd := exec.CommandContext(ctx, chromium, args...)
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome}     // fds 3 (read) and 4 (write)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers are killed with it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	p := &cdpPage{t: t, cmd: cmd, in: chromeIn, waiting: map[int]chan cdpReply{}}
	t.Cleanup(func() {
		chromeIn.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		chromeOut.Close()
	})
	go p.read(chromeOut)

	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	p.call("", "Target.getTargets", nil, &targets)
	target := ""
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			target = ti.TargetID
		}
	}
	if target == "" {
		t.Fatal("chromium has no page target")
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	p.call("", "Target.attachToTarget", map[string]any{"targetId": target, "flatten": true}, &att)
	p.session = att.SessionID
	p.call(p.session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height,
		"deviceScaleFactor": 1, "mobile": false}, nil)
	p.call(p.session, "Page.navigate", map[string]any{"url": url}, nil)
	p.waitFor(`document.readyState === "complete"`, 30*time.Second)
	time.Sleep(1500 * time.Millisecond) // echarts' first animation
	return p
}

func (p *cdpPage) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		p.mu.Lock()
		ch := p.waiting[m.ID]
		delete(p.waiting, m.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
}

// call sends a DevTools command and decodes its result into out.
func (p *cdpPage) call(session, method string, params any, out any) {
	p.t.Helper()
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	ch := make(chan cdpReply, 1)
	p.waiting[id] = ch
	p.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	if _, err := p.in.Write(append(b, 0)); err != nil {
		p.t.Fatalf("%s: %v", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			p.t.Fatalf("%s: %s", method, r.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				p.t.Fatalf("%s: %v in %s", method, err, r.Result)
			}
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: no answer from chromium in 30 s", method)
	}
}

// eval runs a JavaScript expression in the page and decodes its value
// (JSON-serialisable) into out.
func (p *cdpPage) eval(expr string, out any) {
	p.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception *struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	p.call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if e := r.ExceptionDetails; e != nil {
		d := e.Text
		if e.Exception != nil {
			d = e.Exception.Description
		}
		p.t.Fatalf("evaluate %.200s: %s", expr, d)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.t.Fatalf("evaluate %.200s: %v in %s", expr, err, r.Result.Value)
		}
	}
}

// waitFor polls a JavaScript condition until it holds.
func (p *cdpPage) waitFor(cond string, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var ok bool
		p.eval("!!("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not hold within %v", cond, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// wheel turns the mouse wheel by dy pixels at (x, y), in the viewport's
// CSS pixels, as a reader's mouse does, and waits for the page to act.
func (p *cdpPage) wheel(x, y, dy float64) {
	p.t.Helper()
	p.call(p.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseMoved", "x": x, "y": y}, nil)
	p.call(p.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseWheel", "x": x, "y": y,
		"deltaX": 0, "deltaY": dy}, nil)
	time.Sleep(700 * time.Millisecond)
}

// hover moves the mouse to (x, y) and waits for tooltips to show.
func (p *cdpPage) hover(x, y float64) {
	p.t.Helper()
	p.call(p.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseMoved", "x": x, "y": y}, nil)
	time.Sleep(700 * time.Millisecond)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), "</", `<\/`)
}

// tooltipAt moves the mouse onto point dataIndex of series seriesIndex of
// chart id, as a reader does, and returns the text of the tooltip echarts
// shows there (its lines joined by " | ").
func (p *cdpPage) tooltipAt(id string, seriesIndex, dataIndex int) string {
	p.t.Helper()
	var pt []float64
	p.eval(fmt.Sprintf(`(function () {
  var el = document.getElementById(%s);
  el.scrollIntoView({block: "center"});
  var inst = echarts.getInstanceByDom(el), s = inst.getOption().series[%d], d = s.data[%d];
  var v = d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d;
  var px = inst.convertToPixel({seriesIndex: %d}, Array.isArray(v) ? v : [%d, v]);
  var r = el.getBoundingClientRect();
  return [r.left + px[0], r.top + px[1]];
})()`, jsString(id), seriesIndex, dataIndex, seriesIndex, dataIndex), &pt)
	time.Sleep(300 * time.Millisecond)
	p.hover(pt[0]+1, pt[1]+1)
	return p.shownTooltip(id)
}

// shownTooltip is the text of the tooltip chart id shows now (its lines
// joined by " | "), "" when none is shown.
func (p *cdpPage) shownTooltip(id string) string {
	p.t.Helper()
	var s string
	p.eval(fmt.Sprintf(`(function () {
  var tips = Array.prototype.filter.call(document.getElementById(%s).querySelectorAll("div"), function (d) {
    return d.style.pointerEvents === "none" && d.style.position === "absolute" && d.style.display !== "none" && d.innerText.trim() !== "";
  });
  return tips.length ? tips[tips.length - 1].innerText.trim().split(/\n+/).join(" | ") : "";
})()`, jsString(id)), &s)
	return s
}

// axisExtent is the range echarts laid out for a chart's first y axis.
func (p *cdpPage) axisExtent(id string) []float64 {
	p.t.Helper()
	var e []float64
	p.eval(fmt.Sprintf(`echarts.getInstanceByDom(document.getElementById(%s)).getModel().getComponent("yAxis", 0).axis.scale.getExtent()`, jsString(id)), &e)
	return e
}

// drawnText is a text echarts drew: what it says, its box in the page's
// viewport (axis-aligned; for turned text, the box around it), the
// viewport position of its anchor and its rotation in radians.
type drawnText struct {
	Text                    string
	X, Y, W, H, AX, AY, Rot float64
}

// drawnTexts are the texts echarts drew for component ("title",
// "legend", "toolbox", "xAxis", "yAxis", or "series" for every series'
// labels) in chart id, in drawing order. Hidden ones are left out.
func (p *cdpPage) drawnTexts(id, component string) []drawnText {
	p.t.Helper()
	var out []drawnText
	p.eval(fmt.Sprintf(`(function () {
  var el = document.getElementById(%s), inst = echarts.getInstanceByDom(el), m = inst.getModel(), r = el.getBoundingClientRect();
  var groups = [];
  if (%[2]s === "series") {
    m.getSeries().forEach(function (s) { var v = inst.getViewOfSeriesModel(s); if (v) { groups.push(v.group); } });
  } else {
    m.eachComponent(%[2]s, function (c) { var v = inst.getViewOfComponentModel(c); if (v) { groups.push(v.group); } });
  }
  var out = [];
  groups.forEach(function (g) {
    // Labels of shapes (a bar's value) hang off the shape, not the group.
    g.traverse(function (el) { take(el); if (el.getTextContent && el.getTextContent()) { take(el.getTextContent()); } });
  });
  function take(t) {
    {
      if (t.ignore || t.invisible || !t.style || typeof t.style.text !== "string" || t.style.text === "" || !t.getBoundingRect) { return; }
      var parent = t.parent, hidden = false;
      while (parent) { hidden = hidden || parent.ignore || parent.invisible; parent = parent.parent; }
      if (hidden) { return; }
      var b = t.getBoundingRect().clone(), m2 = t.getComputedTransform();
      if (m2) { b.applyTransform(m2); }
      var ax = m2 ? m2[4] : t.x, ay = m2 ? m2[5] : t.y;
      var rot = m2 ? Math.atan2(m2[1], m2[0]) : 0;
      out.push({Text: t.style.text, X: r.left + b.x, Y: r.top + b.y, W: b.width, H: b.height, AX: r.left + ax, AY: r.top + ay, Rot: rot});
    }
  }
  return out;
})()`, jsString(id), jsString(component)), &out)
	return out
}

// overlaps says whether two drawn boxes share more than a pixel.
func overlaps(a, b drawnText) bool {
	return a.X+1 < b.X+b.W && b.X+1 < a.X+a.W && a.Y+1 < b.Y+b.H && b.Y+1 < a.Y+a.H
}

// chromiumProfile is an empty profile folder for one Chromium, removed
// when the test ends. Not t.TempDir: Chromium's helper processes can
// still be writing to it for a moment after the browser is killed, and
// t.TempDir's cleanup then fails the test over a folder it could not empty.
func chromiumProfile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "transferlab-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for try := 0; try < 20; try++ {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("left Chromium's profile %s: it was still being written", dir)
	})
	return dir
}
