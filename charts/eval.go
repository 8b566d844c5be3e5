package charts

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"strconv"
	"strings"

	"transferlab/internal/names"
	"transferlab/metrics"
)

// EvalPageName is the page of an evaluation of dataset's split:
// eval-<dataset>-<split>.html, next to the eval-<dataset>-<split>.json
// 'transferlab eval' writes (both named by names.Slug).
func EvalPageName(dataset, split string) string {
	return "eval-" + names.Slug(dataset) + "-" + names.Slug(split) + ".html"
}

type evalView struct {
	Run, Dataset, Split, N, Loss, Acc, Seconds string
	Checkpoint, When                           string
	Env                                        string
	Details                                    *evalDetails
}

// evalDetails is what an evaluation shows beyond its numbers: confusion
// matrix, accuracy per class, misclassified images. The evaluation pages
// and the run pages (for the final test evaluation) show it alike.
type evalDetails struct {
	// Split names the evaluated split in the headings, on run pages.
	Split                      string
	MaxOffDiagonal             int
	PerClass                   []classRow
	Mistakes                   []mistakeView
	MistakesShown, MistakesBad int
	// NoMistakes says why no misclassified image is shown, where that is
	// not "the evaluation kept none".
	NoMistakes string
}

type classRow struct {
	Class, Acc, N, TopConfusion string
}

type mistakeView struct {
	Src         template.URL
	True, Pred  string
	Index, Size string
}

var evalTemplate = newPageTemplate("eval.html.tmpl")

// newEvalPage builds the page of one evaluation of run runName.
func newEvalPage(runName string, ef *metrics.EvalFile, a assets) (*htmlPage, error) {
	e := &ef.Eval
	v := evalView{
		Run: runName, Dataset: orNone(e.Dataset), Split: orNone(e.Split), N: strconv.Itoa(e.N),
		Loss: loss(e.Loss), Acc: pct(e.Accuracy), Seconds: duration(e.Seconds),
		Checkpoint: orNone(ef.Checkpoint), When: when(ef.When),
		Env: fmt.Sprintf("libtorch %s, gotch %s, %d CPUs%s", orNone(ef.Env.Libtorch), orNone(ef.Env.Gotch), ef.Env.CPUs,
			strings.TrimSuffix(" on "+ef.Env.Host, " on ")),
	}
	v.Details = newEvalDetails(e, ef.Classes)

	p := page{
		Title:   fmt.Sprintf("Evaluation of %s on %s %s", runName, orNone(e.Dataset), orNone(e.Split)),
		Echarts: a.src(1),
		Warning: a.warning,
		Nav:     []link{{Href: "../index.html", Text: "← all runs"}, {Href: "index.html", Text: "run " + runName}},
		Body:    v,
	}
	cs := evalCharts(e, ef.Classes)
	if len(cs) == 0 {
		p.Echarts = ""
	}
	var err error
	if p.Charts, err = renderCharts(cs...); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: evalTemplate}, nil
}

// newEvalDetails gathers what an evaluation shows beyond its numbers.
func newEvalDetails(e *metrics.Eval, classes []string) *evalDetails {
	d := &evalDetails{}
	for t, row := range e.Confusion {
		for p, n := range row {
			if t != p && n > d.MaxOffDiagonal {
				d.MaxOffDiagonal = n
			}
		}
	}
	if len(e.Confusion) > 0 && d.MaxOffDiagonal == 0 {
		d.MaxOffDiagonal = 1
	}
	for i, acc := range e.PerClass {
		row := classRow{Class: className(classes, i), Acc: pct(acc), N: none, TopConfusion: none}
		if i < len(e.Confusion) {
			total, top, topN := 0, -1, 0
			for p, n := range e.Confusion[i] {
				total += n
				if p != i && n > topN {
					top, topN = p, n
				}
			}
			row.N = strconv.Itoa(total)
			if top >= 0 {
				row.TopConfusion = fmt.Sprintf("%s (%d)", className(classes, top), topN)
			}
		}
		d.PerClass = append(d.PerClass, row)
	}
	for _, m := range e.Misclassified {
		src, err := pngDataURI(m)
		if err != nil {
			d.MistakesBad++
			continue
		}
		d.Mistakes = append(d.Mistakes, mistakeView{Src: src, True: className(classes, m.True),
			Pred: className(classes, m.Pred), Index: strconv.Itoa(m.Index), Size: fmt.Sprintf("%d×%d", m.Cols, m.Rows)})
	}
	d.MistakesShown = len(d.Mistakes)
	return d
}

// evalCharts are the charts of an evaluation's details: those it has data
// for.
func evalCharts(e *metrics.Eval, classes []string) []namedChart {
	var cs []namedChart
	if len(e.Confusion) > 0 {
		cs = append(cs, namedChart{idConfusion, ConfusionChart(e, classes)})
	}
	if len(e.PerClass) > 0 {
		cs = append(cs, namedChart{idPerClass, PerClassChart(e, classes)})
	}
	return cs
}

// pngDataURI encodes a misclassified image (Rows×Cols grayscale bytes,
// row-major) as an inline PNG.
func pngDataURI(m metrics.Mistake) (template.URL, error) {
	if m.Rows <= 0 || m.Cols <= 0 || m.Rows*m.Cols != len(m.Pixels) {
		return "", fmt.Errorf("image %d: %d pixels for %d×%d", m.Index, len(m.Pixels), m.Rows, m.Cols)
	}
	img := &image.Gray{Pix: m.Pixels, Stride: m.Cols, Rect: image.Rect(0, 0, m.Cols, m.Rows)}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}
