package charts

import (
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"transferlab/internal/names"
	"transferlab/metrics"
)

// TransferPageName is the transfer comparison page under results/.
const TransferPageName = "transfer.html"

// TransferTarget is the homework's fine-tuning target. Runs fine-tuned on
// another dataset are marked as such everywhere, never shown as EMNIST
// numbers.
const TransferTarget = "emnist-letters"

// transferLabel names a fine-tuning configuration Source/Layers, with
// "[target: X]" when it was fine-tuned on something other than EMNIST
// letters.
func transferLabel(r *metrics.Run) string {
	label := orNone(r.Config.Source) + "/" + orNone(r.Config.Layers)
	if !isHomeworkTarget(r) {
		label += " [target: " + orNone(r.Config.Dataset) + "]"
	}
	if m := markOf(r); m != "" {
		label += " [" + m + "]"
	}
	return label
}

func isHomeworkTarget(r *metrics.Run) bool { return r.Config.Dataset == TransferTarget }

// transferLabels labels runs for charts and tables; runs that share a
// configuration (another seed, say) get their run name added, so every
// series has its own legend entry.
func transferLabels(runs []*metrics.Run) []string {
	labels := make([]string, len(runs))
	count := map[string]int{}
	for i, r := range runs {
		labels[i] = transferLabel(r)
		count[labels[i]]++
	}
	for i, r := range runs {
		if count[labels[i]] > 1 {
			labels[i] += " (" + r.Name + ")"
		}
	}
	return labels
}

// transferBarLabels are the bar chart's short labels, one line each: the
// configuration, with its target only when the runs' targets differ, a
// "*" for a smoke test or other departure when only some runs depart,
// and the seed (or a number) where labels would repeat. note says once
// what every label leaves out: the common target and marks. The chart's
// tooltip gives each bar's full label. Before, every label carried its
// marks and run name and wrapped into four lines (issue 26).
func transferBarLabels(runs []*metrics.Run) (short []string, note string) {
	targets, marks := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		targets[r.Config.Dataset] = true
		marks[markOf(r)] = true
	}
	var notes []string
	if len(targets) == 1 && len(runs) > 0 && !isHomeworkTarget(runs[0]) {
		notes = append(notes, "target: "+orNone(runs[0].Config.Dataset))
	}
	if m := markOf(firstOr(runs)); len(marks) == 1 && m != "" {
		notes = append(notes, "all "+m)
	} else if len(marks) > 1 {
		notes = append(notes, "* smoke test or not the recipe")
	}
	short = make([]string, len(runs))
	count := map[string][]int{}
	for i, r := range runs {
		short[i] = orNone(r.Config.Source) + "/" + orNone(r.Config.Layers)
		if len(targets) > 1 && !isHomeworkTarget(r) {
			short[i] += " → " + orNone(r.Config.Dataset)
		}
		if len(marks) > 1 && markOf(r) != "" {
			short[i] += " *"
		}
		count[short[i]] = append(count[short[i]], i)
	}
	for _, same := range count {
		seeds := map[int64]bool{}
		for _, i := range same {
			seeds[runs[i].Config.Seed] = true
		}
		for k, i := range same {
			switch {
			case len(same) == 1:
			case len(seeds) == len(same):
				short[i] += " seed " + strconv.FormatInt(runs[i].Config.Seed, 10)
			default:
				short[i] += " #" + strconv.Itoa(k+1)
			}
		}
	}
	return short, strings.Join(notes, " · ")
}

// markOf is the mark transferLabel gives a run ("smoke test", "not the
// recipe"), or "".
func markOf(r *metrics.Run) string {
	if r == nil {
		return ""
	}
	if d := r.NotRecipe(); d.Smaller {
		return "smoke test"
	} else if len(d.Reasons) > 0 {
		return "not the recipe"
	}
	return ""
}

func firstOr(runs []*metrics.Run) *metrics.Run {
	if len(runs) == 0 {
		return nil
	}
	return runs[0]
}

// finetuneRuns returns the runs of kind "finetune", EMNIST-letters targets
// first, then by source, layers and name.
func finetuneRuns(runs []*metrics.Run) []*metrics.Run {
	var ft []*metrics.Run
	for _, r := range runs {
		if r.Kind == "finetune" {
			ft = append(ft, r)
		}
	}
	sort.SliceStable(ft, func(i, j int) bool {
		a, b := ft[i], ft[j]
		if isHomeworkTarget(a) != isHomeworkTarget(b) {
			return isHomeworkTarget(a)
		}
		if a.Config.Dataset != b.Config.Dataset {
			return a.Config.Dataset < b.Config.Dataset
		}
		if a.Config.Source != b.Config.Source {
			return a.Config.Source < b.Config.Source
		}
		if a.Config.Layers != b.Config.Layers {
			return a.Config.Layers < b.Config.Layers
		}
		return a.Name < b.Name
	})
	return ft
}

type transferView struct {
	Empty     bool
	Homework  []transferRow
	Other     []transferRow
	Reduced   []transferRow
	CurveNote string
}

type transferRow struct {
	Label, Target, Run, Status, Epochs string
	Href                               template.URL
	Before, After                      template.URL // feature-space pages, where written
	TrainAcc, ValAcc, TestAcc          string
	RefTrain, RefVal, RefTest, RefNote string
	Other                              bool
	Badge                              string
}

var transferTemplate = newPageTemplate("transfer.html.tmpl")

// TransferEmbedPages names the two feature-space pages the transfer page
// links for a fine-tuning run: its source network before fine-tuning and
// the fine-tuned network, each drawn at fc2 on the target's test images.
// Both sit at the top of the results folder with the other embed-*.html
// pages; after is the name 'transferlab embed --checkpoint
// results/<run>/model.pt' gives its page.
func TransferEmbedPages(run, target string) (before, after string) {
	base := "embed-" + run + "-" + names.Slug(target)
	return base + "-source.html", base + ".html"
}

// embedLinks returns the links to run's feature-space pages that exist in
// resultsDir.
func embedLinks(resultsDir string, r *metrics.Run) (before, after template.URL) {
	b, a := TransferEmbedPages(r.Name, r.Config.Dataset)
	exists := func(name string) template.URL {
		if fi, err := os.Stat(filepath.Join(resultsDir, name)); err == nil && fi.Mode().IsRegular() {
			return template.URL(name)
		}
		return ""
	}
	return exists(b), exists(a)
}

// newTransferPage builds the comparison of the fine-tuning runs among runs,
// linking the feature-space pages written in resultsDir.
func newTransferPage(resultsDir string, runs []*metrics.Run, a assets) (*htmlPage, error) {
	ft := finetuneRuns(runs)
	v := transferView{Empty: len(ft) == 0}
	labels := transferLabels(ft)
	noVal := 0
	for i, r := range ft {
		row := transferRow{
			Label: labels[i], Target: orNone(r.Config.Dataset), Run: r.Name, Status: orNone(r.Status),
			Href:     template.URL(filepath.ToSlash(filepath.Join(r.Name, RunPageName))),
			Epochs:   strconv.Itoa(len(r.History)) + "/" + strconv.Itoa(r.Config.Epochs),
			TrainAcc: evalPct(r.Final.Train), ValAcc: evalPct(r.Final.Val), TestAcc: evalPct(r.Final.Test),
			RefTrain: none, RefVal: none, RefTest: none,
			Other: !isHomeworkTarget(r),
		}
		row.Before, row.After = embedLinks(resultsDir, r)
		row.Badge = r.NotRecipe().Label()
		if ref := r.Reference; ref != nil && row.Badge == "" {
			row.RefTrain, row.RefVal, row.RefTest, row.RefNote = refPct(ref.TrainAcc), refPct(ref.ValAcc), refPct(ref.TestAcc), ref.Note
		}
		switch {
		case row.Badge != "":
			v.Reduced = append(v.Reduced, row)
		case row.Other:
			v.Other = append(v.Other, row)
		default:
			v.Homework = append(v.Homework, row)
		}
		if !hasVal(r.History) {
			noVal++
		}
	}
	if noVal > 0 {
		v.CurveNote = strconv.Itoa(noVal) + " run(s) had no validation split: their curves show training accuracy, as their legend entries say."
	}
	p := page{
		Title:   "Transfer learning: fine-tuning runs compared",
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}},
		Body:    v,
	}
	if len(ft) == 0 {
		p.Echarts = ""
		return &htmlPage{p: p, t: transferTemplate}, nil
	}
	var err error
	p.Charts, err = renderCharts(
		namedChart{idTransferCurves, transferCurvesChart(ft, runStyles(runs))},
		namedChart{idTransferBars, TransferBarsChart(ft)})
	if err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: transferTemplate}, nil
}
