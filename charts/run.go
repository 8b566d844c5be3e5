package charts

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"transferlab/metrics"
)

// RunPageName is a run's page inside its folder.
const RunPageName = "index.html"

// WriteRunPage writes results/<run.Name>/index.html from run, with
// metrics.csv and metrics.js beside it, each atomically (a temp file
// renamed over it). The training loop calls it after every epoch: while
// run.Status is "running" an open page loads metrics.js every 10 seconds
// and merges the new epochs into its charts, so it follows the run and
// keeps the reader's zoom and legend choices. It also puts
// results/assets/echarts.min.js in place (see Build) and links the
// evaluation pages already in the run's folder. It does not touch
// results/index.html; 'transferlab report' (Build) rebuilds that.
func WriteRunPage(resultsDir string, run *metrics.Run) error {
	if run == nil {
		return fmt.Errorf("write run page: no run")
	}
	if err := checkRunName(run.Name); err != nil {
		return err
	}
	a, err := installAssets(resultsDir)
	if err != nil {
		return err
	}
	dir := filepath.Join(resultsDir, run.Name)
	p, err := newRunPage(run, evalLinks(dir), a)
	if err != nil {
		return err
	}
	return writeRunFiles(dir, run, p)
}

// checkRunName refuses a run name that is not one plain folder name.
func checkRunName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) || name == AssetsDir {
		return fmt.Errorf("run name %q cannot be a folder under the results folder: use letters, digits, '-' and '_'", name)
	}
	return nil
}

// evalLinks lists the evaluation pages already written in a run folder.
func evalLinks(dir string) []link {
	matches, _ := filepath.Glob(filepath.Join(dir, "eval-*.html"))
	sort.Strings(matches)
	links := make([]link, 0, len(matches))
	for _, m := range matches {
		base := filepath.Base(m)
		text := strings.TrimSuffix(strings.TrimPrefix(base, "eval-"), ".html")
		links = append(links, link{Href: template.URL(base), Text: text})
	}
	return links
}

// htmlPage is a report page ready to render.
type htmlPage struct {
	p page
	t *template.Template
}

// Render writes the page's HTML to w.
func (p *htmlPage) Render(w io.Writer) error { return p.p.render(p.t, w) }

type runView struct {
	Kind, Status          string
	Started, Finished     string
	Wall, Epochs          string
	Running               bool
	Finals                []finalRow
	Reference             *refView
	Params, Env           [][2]string
	History               []epochRow
	Evals                 []link
	NoEpochs              bool
	RefreshSeconds        int
	MeanImagesPerSecond   string
	MeanSecondsPerEpoch   string
	TransferConfiguration string
	// Badge marks a run that is not its recipe; the seed's numbers are
	// not shown beside it.
	Badge string
	// Live is true when the page of a running run updates its charts from
	// metrics.js; a running page with no chart yet reloads instead.
	Live bool
	// Details is the final test evaluation's confusion matrix, accuracy
	// per class and mistakes; nil when metrics.json has none.
	Details *evalDetails
	// HiddenReference is true when the run has seed numbers that are
	// not shown because of the Badge.
	HiddenReference bool
}

type finalRow struct {
	Split, Dataset, N, Loss, Acc, Seconds string
}

type refView struct {
	TrainAcc, TrainLoss, ValAcc, ValLoss, TestAcc, Note string
}

type epochRow struct {
	Epoch, TrainLoss, TrainAcc, ValLoss, ValAcc, Seconds, Rate string
}

var runTemplate = newPageTemplate(`{{define "body"}}{{with .Body}}
<p><span class="status status-{{.Status}}" id="live-status">{{.Status}}</span>
{{.Kind}} · epochs <span id="live-epochs">{{.Epochs}}</span> · wall time <span id="live-wall">{{.Wall}}</span> · started {{.Started}}{{if .Finished}} · finished {{.Finished}}{{end}}</p>
{{- if .Badge}}
<p><span class="badge" id="badge">{{.Badge}}</span>{{if .HiddenReference}} <span class="muted">The seed homework's numbers are for the full recipe, so they are not shown beside this run.</span>{{end}}</p>
{{- end}}
{{- if .TransferConfiguration}}
<p>Fine-tuning configuration: <b>{{.TransferConfiguration}}</b></p>
{{- end}}
{{- if .Live}}
<p class="muted">This run is still running: every {{.RefreshSeconds}} s the charts take its new epochs from <a href="metrics.js">metrics.js</a>, keeping your zoom and legend choices; the tables below are those of the page's last load.</p>
<p class="warn" id="live-ended" hidden>The run has ended: <a href="index.html">reload the page</a> for its final metrics.</p>
{{- else if .Running}}
<p class="muted">This run is still running: the page reloads every {{.RefreshSeconds}} s until its first epoch is in.</p>
{{- end}}
{{- if .Evals}}
<p>Evaluations: {{range .Evals}}<a href="{{.Href}}">{{.Text}}</a> {{end}}</p>
{{- end}}
<h2>Final metrics</h2>
{{- if .Finals}}
<table id="final">
<tr><th>split</th><th>dataset</th><th>images</th><th>loss</th><th>accuracy</th><th>time</th></tr>
{{- range .Finals}}
<tr><td>{{.Split}}</td><td>{{.Dataset}}</td><td class="num">{{.N}}</td><td class="num">{{.Loss}}</td><td class="num">{{.Acc}}</td><td class="num">{{.Seconds}}</td></tr>
{{- end}}
</table>
{{- else}}
<p class="muted">No final evaluation yet.</p>
{{- end}}
{{- with .Reference}}
<h3>The seed homework's numbers for this recipe</h3>
<table id="reference">
<tr><th>train accuracy</th><th>train loss</th><th>validation accuracy</th><th>validation loss</th><th>test accuracy</th><th>note</th></tr>
<tr><td class="num">{{.TrainAcc}}</td><td class="num">{{.TrainLoss}}</td><td class="num">{{.ValAcc}}</td><td class="num">{{.ValLoss}}</td><td class="num">{{.TestAcc}}</td><td>{{.Note}}</td></tr>
</table>
{{- end}}
<h2>Training curves</h2>
{{- if .NoEpochs}}
<p class="muted">No finished epoch yet.</p>
{{- end}}
{{end}}
{{template "chart" ($.Chart "chart_accuracy")}}
{{template "chart" ($.Chart "chart_loss")}}
{{with .Body}}{{if not .NoEpochs}}<h2>Time and throughput</h2>
<p>Mean over the epochs: {{.MeanSecondsPerEpoch}} per epoch (training and validation), {{.MeanImagesPerSecond}} training images/s.</p>{{end}}{{end}}
{{template "chart" ($.Chart "chart_speed")}}
{{with .Body}}
{{- if .History}}
<p>Per-epoch data: <a href="metrics.csv" download>metrics.csv</a> (one row per epoch), <a href="metrics.json">metrics.json</a> (everything this page shows).</p>
<details><summary>Per-epoch numbers</summary>
<table id="history">
<tr><th>epoch</th><th>train loss</th><th>train accuracy</th><th>validation loss</th><th>validation accuracy</th><th>seconds</th><th>images/s</th></tr>
{{- range .History}}
<tr><td class="num">{{.Epoch}}</td><td class="num">{{.TrainLoss}}</td><td class="num">{{.TrainAcc}}</td><td class="num">{{.ValLoss}}</td><td class="num">{{.ValAcc}}</td><td class="num">{{.Seconds}}</td><td class="num">{{.Rate}}</td></tr>
{{- end}}
</table>
</details>
{{- end}}
{{end}}
{{template "eval-details" $}}
{{with .Body}}
<h2>Hyperparameters</h2>
<table id="params">
{{- range .Params}}
<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{- end}}
</table>
<h2>Environment</h2>
<table id="env">
{{- range .Env}}
<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{- end}}
</table>
{{- if .Live}}
{{template "live" .RefreshSeconds}}
{{- end}}
{{end}}{{end}}
{{define "live"}}<script>
"use strict";
// Every few seconds: load metrics.js again (a new script element, since a
// page opened as file:// cannot fetch files) and merge its data into the
// charts. setOption merges, so the reader's zoom and legend choices stay.
(function () {
  var every = {{.}} * 1000;
  var live = window.transferlabLive = {updates: 0};
  function setText(id, s) {
    var el = document.getElementById(id);
    if (el && s) { el.textContent = s; }
  }
  function apply(d) {
    Object.keys(d.charts || {}).forEach(function (id) {
      var el = document.getElementById(id);
      var c = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
      if (c) { c.setOption(d.charts[id]); }
    });
    setText("live-epochs", d.epochs);
    setText("live-wall", d.wall);
    var st = document.getElementById("live-status");
    if (st && d.status) { st.textContent = d.status; st.className = "status status-" + d.status; }
    live.updates++;
    return d.status === "running";
  }
  function poll() {
    var s = document.createElement("script");
    s.src = "metrics.js?t=" + Date.now();
    s.onload = function () {
      s.remove();
      var d = window.transferlabRunData;
      if (d && !apply(d)) {
        document.getElementById("live-ended").hidden = false;
        return;
      }
      setTimeout(poll, every);
    };
    s.onerror = function () { s.remove(); setTimeout(poll, every); };
    document.head.appendChild(s);
  }
  setTimeout(poll, every);
})();
</script>{{end}}`)

// newRunPage builds the page of one run.
func newRunPage(run *metrics.Run, evals []link, a assets) (*htmlPage, error) {
	v := runView{
		Kind:           orNone(run.Kind),
		Status:         orNone(run.Status),
		Started:        when(run.Started),
		Wall:           duration(run.WallSeconds),
		Epochs:         fmt.Sprintf("%d of %d", len(run.History), run.Config.Epochs),
		Running:        run.Status == "running",
		Live:           run.Status == "running" && len(run.History) > 0,
		NoEpochs:       len(run.History) == 0,
		RefreshSeconds: refreshSeconds,
		Evals:          evals,
	}
	if !run.Finished.IsZero() {
		v.Finished = when(run.Finished)
	}
	if run.Kind == "finetune" {
		v.TransferConfiguration = transferLabel(run)
	}
	for _, f := range []struct {
		split string
		e     *metrics.Eval
	}{{"train", run.Final.Train}, {"validation", run.Final.Val}, {"test", run.Final.Test}} {
		if f.e == nil {
			continue
		}
		v.Finals = append(v.Finals, finalRow{Split: f.split, Dataset: orNone(f.e.Dataset), N: strconv.Itoa(f.e.N),
			Loss: loss(f.e.Loss), Acc: pct(f.e.Accuracy), Seconds: duration(f.e.Seconds)})
	}
	dev := run.NotRecipe()
	v.Badge = dev.Label()
	if r := run.Reference; r != nil && v.Badge != "" {
		v.HiddenReference = true
	} else if r != nil {
		v.Reference = &refView{TrainAcc: refPct(r.TrainAcc), TrainLoss: refLoss(r.TrainLoss), ValAcc: refPct(r.ValAcc),
			ValLoss: refLoss(r.ValLoss), TestAcc: refPct(r.TestAcc), Note: r.Note}
	}
	var secs, rates float64
	for _, e := range run.History {
		row := epochRow{Epoch: strconv.Itoa(e.Epoch), TrainLoss: loss(e.TrainLoss), TrainAcc: pct(e.TrainAcc),
			ValLoss: none, ValAcc: none, Seconds: duration(e.Seconds), Rate: rate(e.ImagesPerSec)}
		if e.HasVal {
			row.ValLoss, row.ValAcc = loss(e.ValLoss), pct(e.ValAcc)
		}
		v.History = append(v.History, row)
		secs += e.Seconds
		rates += e.ImagesPerSec
	}
	if n := len(run.History); n > 0 {
		v.MeanSecondsPerEpoch = duration(secs / float64(n))
		v.MeanImagesPerSecond = rate(rates / float64(n))
	}
	c := run.Config
	hidden := make([]string, len(c.Hidden))
	for i, h := range c.Hidden {
		hidden[i] = strconv.Itoa(h)
	}
	v.Params = [][2]string{
		{"model", orNone(c.Model)},
		{"hidden sizes", orNone(strings.Join(hidden, ", "))},
		{"dataset", orNone(c.Dataset)},
		{"source (finetune)", orNone(c.Source)},
		{"layers trained (finetune)", orNone(c.Layers)},
		{"epochs", strconv.Itoa(c.Epochs)},
		{"batch size", strconv.Itoa(c.BatchSize)},
		{"learning rate", strconv.FormatFloat(c.LR, 'g', -1, 64)},
		{"optimizer", orNone(c.Optimizer)},
		{"validation fraction", strconv.FormatFloat(c.ValFraction, 'g', -1, 64)},
		{"images per class", intOrAll(c.PerClass)},
		{"image limit", intOrAll(c.Limit)},
		{"seed", strconv.FormatInt(c.Seed, 10)},
		{"precision", orNone(c.Precision)},
		{"threads", strconv.Itoa(c.Threads)},
		{"device", orNone(c.Device)},
		{"classes", strconv.Itoa(len(run.Classes))},
	}
	v.Env = [][2]string{
		{"libtorch", orNone(run.Env.Libtorch)},
		{"gotch", orNone(run.Env.Gotch)},
		{"commit", orNone(run.Env.Commit)},
		{"host", orNone(run.Env.Host)},
		{"CPUs", strconv.Itoa(run.Env.CPUs)},
		{"checkpoint", orNone(run.Checkpoint)},
	}

	p := page{
		Title:   "Run " + run.Name,
		Echarts: a.src(1),
		Warning: a.warning,
		Nav:     []link{{Href: "../index.html", Text: "← all runs"}},
		Body:    v,
	}
	if v.Running && !v.Live {
		p.Refresh = refreshSeconds
	}
	var cs []namedChart
	if len(run.History) > 0 {
		cs = append(cs,
			namedChart{idAccuracy, AccuracyChart(run.History, HeldOutName(run.Config))},
			namedChart{idLoss, LossChart(run.History, HeldOutName(run.Config))},
			namedChart{idSpeed, SpeedChart(run.History)})
	}
	if e := run.Final.Test; e != nil && (len(e.Confusion) > 0 || len(e.PerClass) > 0 || len(e.Misclassified) > 0) {
		v.Details = newEvalDetails(e, run.Classes)
		v.Details.Split = "test"
		p.Body = v
		cs = append(cs, evalCharts(e, run.Classes)...)
	}
	if len(cs) == 0 {
		p.Echarts = ""
	}
	var err error
	if p.Charts, err = renderCharts(cs...); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: runTemplate}, nil
}

func intOrAll(n int) string {
	if n <= 0 {
		return "all"
	}
	return strconv.Itoa(n)
}
