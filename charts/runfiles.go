package charts

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"

	"transferlab/metrics"
)

// Files written beside a run's metrics.json with its page.
const (
	// CSVName is the run's history as CSV, one row per epoch, for
	// spreadsheets and pandas.
	CSVName = "metrics.csv"
	// LiveScriptName is the run's chart data as a script: the page of a
	// running run loads it again every 10 s and merges the new points
	// into its charts, which keeps the reader's zoom and legend choices
	// (a reload of the page would reset them). A script, not JSON: a page
	// opened as file:// may load scripts beside it but not fetch files.
	LiveScriptName = "metrics.js"
	// liveGlobal is the variable metrics.js sets.
	liveGlobal = "transferlabRunData"
)

// writeRunFiles writes a run's metrics.csv, metrics.js and page (in that
// order, so a page never polls for a script not yet there), each
// atomically.
func writeRunFiles(dir string, run *metrics.Run, p *htmlPage) error {
	if err := metrics.WriteAtomic(filepath.Join(dir, CSVName), func(w io.Writer) error { return writeHistoryCSV(w, run) }); err != nil {
		return err
	}
	live, err := liveScript(run)
	if err != nil {
		return err
	}
	if err := metrics.WriteAtomic(filepath.Join(dir, LiveScriptName), func(w io.Writer) error {
		_, err := io.WriteString(w, live)
		return err
	}); err != nil {
		return err
	}
	return metrics.WriteAtomic(filepath.Join(dir, RunPageName), p.Render)
}

// writeHistoryCSV writes one row per epoch. The held-out columns are named
// after the split the run evaluated per epoch (val_ or test_) and are
// empty for an epoch without one; elapsed_seconds sums the epochs' times,
// and <split>_seconds is the part of an epoch's seconds its held-out pass
// took (empty where a run recorded none); lr is the learning rate at the
// epoch's last step, one per parameter group separated by ';' (empty in
// runs recorded before it was).
func writeHistoryCSV(w io.Writer, run *metrics.Run) error {
	split := "val"
	if run.Config.EvalSplit == "test" {
		split = "test"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "epoch,train_loss,train_acc,%[1]s_loss,%[1]s_acc,seconds,elapsed_seconds,images_per_sec,%[1]s_seconds,lr\n", split)
	elapsed := 0.0
	for _, e := range run.History {
		elapsed += e.Seconds
		val, vacc, vsecs := "", "", ""
		if e.HasVal {
			val, vacc = csvNum(e.ValLoss), csvNum(e.ValAcc)
		}
		if e.EvalSeconds > 0 {
			vsecs = csvNum(e.EvalSeconds)
		}
		lrs := make([]string, len(e.LR))
		for i, lr := range e.LR {
			lrs[i] = csvNum(lr)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", e.Epoch, csvNum(e.TrainLoss), csvNum(e.TrainAcc), val, vacc,
			csvNum(e.Seconds), csvNum(elapsed), csvNum(e.ImagesPerSec), vsecs, strings.Join(lrs, ";"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// csvNum writes a number in full precision; NaN and ±Inf as Go spells
// them (NaN, +Inf), which pandas and spreadsheets read.
func csvNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// liveChart is the part of a chart's options a new epoch changes: echarts
// merges it into the chart (series matched by name), leaving zoom and
// legend selection as the reader set them.
type liveChart struct {
	XAxis  []liveAxis   `json:"xAxis"`
	Series []liveSeries `json:"series"`
}

type liveAxis struct {
	Data []string `json:"data"`
}

type liveSeries struct {
	Name string `json:"name"`
	Data any    `json:"data"`
}

// liveData is what metrics.js holds: the run's status, the text of its
// epoch count and wall time, and each chart's new data.
type liveData struct {
	Status string               `json:"status"`
	Epochs string               `json:"epochs"`
	Wall   string               `json:"wall"`
	Charts map[string]liveChart `json:"charts"`
}

// liveScript is metrics.js: the run's curves from the same builders the
// page draws them with.
func liveScript(run *metrics.Run) (string, error) {
	d := liveData{Status: orNone(run.Status), Epochs: epochsText(run), Wall: duration(run.WallSeconds), Charts: map[string]liveChart{}}
	if len(run.History) > 0 {
		x := epochLabels(run.History)
		held := HeldOutName(run.Config)
		d.Charts[idAccuracy] = liveUpdate(x, AccuracyChart(run.History, held).MultiSeries)
		d.Charts[idLoss] = liveUpdate(x, LossChart(run.History, held).MultiSeries)
		d.Charts[idSpeed] = liveUpdate(x, SpeedChart(run.History).MultiSeries)
		if lr := LRChart(run.History, run.Config.LRGroups); lr != nil {
			d.Charts[idLR] = liveUpdate(x, lr.MultiSeries)
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("%s of run %s: %w", LiveScriptName, run.Name, err)
	}
	return "window." + liveGlobal + " = " + string(b) + ";\n", nil
}

func liveUpdate(x []string, ms charts.MultiSeries) liveChart {
	c := liveChart{XAxis: []liveAxis{{Data: x}}}
	for _, s := range ms {
		c.Series = append(c.Series, liveSeries{Name: s.Name, Data: s.Data})
	}
	return c
}

func epochsText(run *metrics.Run) string {
	return fmt.Sprintf("%d of %d", len(run.History), run.Config.Epochs)
}
