package charts

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

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
	p, err := newRunPage(run, evalLinks(dir), featureLinks(resultsDir, run), sidecarCommand(dir, run), relatedIn(resultsDir, run), a)
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

// featureLinks are the links from a run's page to its feature-space pages
// that exist: a fine-tuning run's before and after pages, then any other
// page drawn from its model.pt (embed --checkpoint results/RUN/model.pt,
// on another dataset or layer), which names the run in its data.
func featureLinks(resultsDir string, run *metrics.Run) []link {
	var links []link
	seen := map[string]bool{}
	if run.Kind == "finetune" {
		before, after := embedLinks(resultsDir, run)
		if before != "" {
			links = append(links, link{Href: "../" + before, Text: "before fine-tuning (the source network)"})
			seen[string(before)] = true
		}
		if after != "" {
			links = append(links, link{Href: "../" + after, Text: "after fine-tuning"})
			seen[string(after)] = true
		}
	}
	pages, _ := filepath.Glob(filepath.Join(resultsDir, "embed-"+run.Name+"-*.html"))
	sort.Strings(pages)
	for _, pg := range pages {
		name := filepath.Base(pg)
		if seen[name] {
			continue
		}
		e, err := readEmbedding(filepath.Join(resultsDir, embedDataName(name)))
		if err != nil || embedContextOf(resultsDir, name, *e).Run != run.Name {
			continue
		}
		links = append(links, link{Href: template.URL("../" + name), Text: e.Layer + " on " + e.Dataset})
	}
	return links
}

// sidecarCommand is the command line that trained run, as the sidecar
// of its checkpoint records it: dir/model.json, else, for a pretraining,
// which saves its network outside its folder (pretrained-quick/
// mnist-cnn.pt), its own sidecar beside run.Checkpoint (ownSidecar). ""
// where there is none yet (the checkpoint is written at the end) or it
// cannot be read. metrics.json does not hold it.
func sidecarCommand(dir string, run *metrics.Run) string {
	var sc checkpointSidecar
	if err := metrics.ReadJSONFile(filepath.Join(dir, "model.json"), "checkpoint sidecar", &sc); err == nil {
		return sc.Command
	}
	sc, _ = ownSidecar(run)
	return sc.Command
}

// checkpointSidecar is what the report reads of a checkpoint's sidecar
// (model.Sidecar; charts does not import model, which needs libtorch).
type checkpointSidecar struct {
	Command string    `json:"command"`
	Saved   time.Time `json:"saved"`
	SHA256  string    `json:"sha256"` // of the .pt file
}

// ownSidecar is the sidecar beside run.Checkpoint, if it was saved while
// run ran: a later training that wrote the same file replaced it, and
// then it says nothing of run.
func ownSidecar(run *metrics.Run) (checkpointSidecar, bool) {
	var sc checkpointSidecar
	if run == nil || run.Checkpoint == "" || run.Started.IsZero() {
		return sc, false
	}
	// model.SidecarPath's name for it.
	side := strings.TrimSuffix(run.Checkpoint, filepath.Ext(run.Checkpoint)) + ".json"
	if err := metrics.ReadJSONFile(side, "checkpoint sidecar", &sc); err != nil {
		return checkpointSidecar{}, false
	}
	if sc.Saved.Before(run.Started) || (!run.Finished.IsZero() && sc.Saved.After(run.Finished.Add(time.Minute))) {
		return checkpointSidecar{}, false // another training's
	}
	return sc, true
}

// htmlPage is a report page ready to render.
type htmlPage struct {
	p page
	t *template.Template
}

// Render writes the page's HTML to w.
func (p *htmlPage) Render(w io.Writer) error { return p.p.render(p.t, w) }

type runView struct {
	Kind, Status      string
	Started, Finished string
	Wall, Epochs      string
	Running           bool
	Finals            []finalRow
	Reference         *refView
	Params, Env       [][2]string
	History           []epochRow
	Evals             []link
	// Command is the command line that trained the run (sidecarCommand).
	Command string
	// Related links the run's source network's run and the previous run
	// of its recipe, with what changed since (relate).
	Related relatedRuns
	// Features are the run's feature-space pages (featureLinks).
	Features              []link
	NoEpochs              bool
	RefreshSeconds        int
	MeanImagesPerSecond   string
	MeanSecondsPerEpoch   string
	TransferConfiguration string
	// TargetNote says a fine-tuning is not on EMNIST letters, or no
	// transfer at all (targetNote).
	TargetNote string
	// Reused names the saved network a command took instead of training
	// it; the page's history and times are that training's.
	Reused string
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
	// Summary is the model summary: each layer's parameters, trained or
	// frozen (metrics.SummaryLines' table, one row a layer and the total).
	Summary []layerRow
}

type layerRow struct {
	Layer, Shapes, Params, State string
}

// summaryRows is the model summary's table: one row a layer and the total.
func summaryRows(layers []metrics.Layer) []layerRow {
	var rows []layerRow
	for _, l := range layers {
		rows = append(rows, layerRow{l.Name, l.ShapeString(), fmt.Sprint(l.Params), l.State()})
	}
	if len(rows) > 0 {
		total, trained := metrics.Totals(layers)
		rows = append(rows, layerRow{"total", "", fmt.Sprint(total), fmt.Sprintf("%d trained, %d frozen", trained, total-trained)})
	}
	return rows
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

var runTemplate = newPageTemplate("run.html.tmpl")

// newRunPage builds the page of one run.
func newRunPage(run *metrics.Run, evals, features []link, command string, rel relatedRuns, a assets) (*htmlPage, error) {
	v := runView{
		Related:        rel,
		Summary:        summaryRows(run.Summary),
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
		Features:       features,
		Command:        command,
		Reused:         run.Reused,
	}
	if !run.Finished.IsZero() {
		v.Finished = when(run.Finished)
	}
	if run.Kind == "finetune" {
		v.TransferConfiguration = transferLabel(run)
		v.TargetNote = targetNote(run)
	}
	for _, f := range []struct {
		split string
		e     *metrics.Eval
	}{{"train", run.Final.Train}, {"validation", run.Final.Val}, {"test", run.Final.Test}} {
		if f.e == nil {
			continue
		}
		secs := duration(f.e.Seconds)
		if f.e.FromEpoch > 0 {
			// No pass of its own: 0 s would say it was free.
			secs = fmt.Sprintf("reused epoch %d's pass", f.e.FromEpoch)
		}
		v.Finals = append(v.Finals, finalRow{Split: f.split, Dataset: orNone(f.e.Dataset), N: strconv.Itoa(f.e.N),
			Loss: loss(f.e.Loss), Acc: pct(f.e.Accuracy), Seconds: secs})
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
	v.Params = configRows(run)
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
		if lr := LRChart(run.History, run.Config.LRGroups); lr != nil {
			cs = append(cs, namedChart{idLR, lr})
		}
	}
	if e := run.Final.Test; e != nil && (len(e.Confusion) > 0 || len(e.PerClass) > 0 || len(e.Misclassified) > 0) {
		v.Details = newEvalDetails(e, run.Classes)
		v.Details.Split = "test"
		if run.Reused != "" && len(e.Misclassified) == 0 {
			v.Details.NoMistakes = fmt.Sprintf("A reused network's sidecar keeps no misclassified image: transferlab eval --checkpoint %s draws them.", run.Checkpoint)
		}
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
