package charts

import (
	"fmt"
	"html/template"
	"io"
	"path"
	"slices"
	"strings"

	"transferlab/metrics"
)

// Names of the overview files under results/.
const (
	IndexPageName = "index.html"
	MarkdownName  = "results.md"
)

// runEntry is one run folder as Build found it.
type runEntry struct {
	dir   string       // folder name under results/
	run   *metrics.Run // nil when the folder has evaluations only
	evals []evalEntry  // sorted by file name
	page  template.URL // the run's page, relative to results/
}

type evalEntry struct {
	file string // eval-*.html, inside the run folder
	ef   *metrics.EvalFile
}

// accuracyNote says what the run table's accuracy columns are: train
// accuracy is the running mean the training loop kept over the last epoch
// (as the seed reported it), while the network changed under it; only
// validation and test are evaluations of the final network.
const accuracyNote = "Train accuracy is each run's running mean over its last epoch (as the seed reported it), not an evaluation; validation and test accuracies are evaluations of the final network (— until the run has made them). Runs marked \"smoke test\" or \"not the seed's recipe\" ran a smaller or changed setup: their numbers are not the recipe's."

type indexView struct {
	Rows     []indexRow
	Evals    []indexEval
	Transfer bool
	Skipped  []string
	// OtherTargets are the datasets fine-tuning runs used instead of the
	// seed's EMNIST letters.
	OtherTargets []string
	// Studies are the depth-sweep, recipe-study and range-test pages,
	// Features the feature-space pages, at the top of the results folder.
	Studies, Features []link
}

// OtherTargetNote says what runs on another target than EMNIST letters
// are, for the page and results.md ("" when there are none).
func (v indexView) OtherTargetNote() string {
	if len(v.OtherTargets) == 0 {
		return ""
	}
	return fmt.Sprintf("The fine-tuning runs marked \"not EMNIST letters\" ran on %s, not on the seed's target (EMNIST letters, which was not used: not in the data folder, or not downloadable here). Their numbers are not comparable with the seed's, and a run whose source network was pretrained on its own target (such as mnist/last on mnist) is not a transfer at all.", strings.Join(v.OtherTargets, ", "))
}

// datasetLabel is a run's dataset as the index shows it: a fine-tuning
// run on another target than EMNIST letters says so (targetNote).
func datasetLabel(r *metrics.Run) string {
	d := orNone(r.Config.Dataset)
	if note := targetNote(r); note != "" {
		return d + " (" + note + ")"
	}
	return d
}

// targetNote says of a fine-tuning run on another target than EMNIST
// letters that it is not on EMNIST letters, and, when its source was
// pretrained on that same dataset, that it is no transfer; "" for other
// runs. Every page that names such a run's target says it (issue 26).
func targetNote(r *metrics.Run) string {
	if r.Kind != "finetune" || r.Config.Dataset == TransferTarget {
		return ""
	}
	if notTransfer(r) {
		return "not EMNIST letters; source pretrained on " + orNone(r.Config.Dataset) + ": not a transfer"
	}
	return "not EMNIST letters"
}

// notTransfer is true for a fine-tuning whose source network was
// pretrained on its own target.
func notTransfer(r *metrics.Run) bool {
	return r.Kind == "finetune" && r.Config.Source == r.Config.Dataset
}

// reusedBadge is "reused" for a run that took a saved network instead of
// training.
func reusedBadge(r *metrics.Run) string {
	if r.Reused != "" {
		return "reused, not trained here"
	}
	return ""
}

// joinNonEmpty joins the parts that are not empty.
func joinNonEmpty(sep string, parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), sep)
}

// AccuracyNote is accuracyNote, for the template.
func (indexView) AccuracyNote() string { return accuracyNote }

// indexRow is one line of the run table, on the HTML page and in
// results.md alike.
type indexRow struct {
	Href                                    template.URL
	Run, Kind, Status, Model, Dataset       string
	Epochs, TrainAcc, ValAcc, TestAcc, Wall string
	Started                                 string
	// Badge marks a run that is not its recipe (metrics.Run.NotRecipe).
	Badge string
	// Style is the run's colour and marker on the compare and transfer
	// pages' charts (runStyles), shown beside its name.
	Style runStyle
}

type indexEval struct {
	Href                   template.URL
	Run, Dataset, Split, N string
	Acc, Loss              string
}

var indexTemplate = newPageTemplate("index.html.tmpl")

// newIndexView gathers the overview shared by index.html and results.md.
func newIndexView(entries []runEntry, skipped []error) indexView {
	var v indexView
	var runs []*metrics.Run
	for _, en := range entries {
		if en.run != nil {
			runs = append(runs, en.run)
		}
	}
	styles := runStyles(runs)
	for _, en := range entries {
		if r := en.run; r != nil {
			v.Rows = append(v.Rows, indexRow{
				Href: en.page, Run: en.dir, Kind: orNone(r.Kind), Status: orNone(r.Status),
				Model: orNone(r.Config.Model), Dataset: datasetLabel(r),
				Epochs:   fmt.Sprintf("%d/%d", len(r.History), r.Config.Epochs),
				TrainAcc: evalPct(r.Final.Train), ValAcc: evalPct(r.Final.Val), TestAcc: evalPct(r.Final.Test),
				Wall: duration(r.WallSeconds), Started: when(r.Started),
				Badge: joinNonEmpty("; ", reusedBadge(r), r.NotRecipe().Label()),
				Style: styles[r.Name],
			})
			if r.Kind == "finetune" {
				v.Transfer = true
				if d := r.Config.Dataset; d != "emnist-letters" && !slices.Contains(v.OtherTargets, d) {
					v.OtherTargets = append(v.OtherTargets, d)
				}
			}
		}
		for _, e := range en.evals {
			v.Evals = append(v.Evals, indexEval{
				Href: template.URL(path.Join(en.dir, e.file)), Run: en.dir,
				Dataset: orNone(e.ef.Eval.Dataset), Split: orNone(e.ef.Eval.Split), N: fmt.Sprint(e.ef.Eval.N),
				Acc: pct(e.ef.Eval.Accuracy), Loss: loss(e.ef.Eval.Loss),
			})
		}
	}
	for _, err := range skipped {
		v.Skipped = append(v.Skipped, err.Error())
	}
	return v
}

// newIndexPage builds results/index.html. It has no chart.
func newIndexPage(v indexView) *htmlPage {
	return &htmlPage{t: indexTemplate, p: page{Title: "transferlab results", Body: v}}
}

// writeMarkdown writes the run table (and the evaluations) as Markdown,
// results/results.md.
func writeMarkdown(w io.Writer, v indexView) error {
	var b strings.Builder
	b.WriteString("# transferlab results\n\n")
	if len(v.Rows) == 0 {
		b.WriteString("No run yet.\n")
	} else {
		b.WriteString("| run | kind | status | model | dataset | epochs | train acc. | val. acc. | test acc. | wall time |\n")
		b.WriteString("|---|---|---|---|---|---:|---:|---:|---:|---:|\n")
		for _, r := range v.Rows {
			badge := ""
			if r.Badge != "" {
				badge = " (" + md(r.Badge) + ")"
			}
			fmt.Fprintf(&b, "| [%s](%s)%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				md(r.Run), mdURL(string(r.Href)), badge, md(r.Kind), md(r.Status), md(r.Model), md(r.Dataset),
				r.Epochs, r.TrainAcc, r.ValAcc, r.TestAcc, r.Wall)
		}
		b.WriteString("\n" + accuracyNote + "\n")
	}
	if len(v.Rows) > 0 {
		b.WriteString("\nRuns compared, curves overlaid: [compare.html](compare.html).\n")
	}
	if note := v.OtherTargetNote(); note != "" {
		b.WriteString("\n" + note + "\n")
	}
	if v.Transfer {
		b.WriteString("\nFine-tuning runs compared: [transfer.html](transfer.html).\n")
	}
	if len(v.Studies) > 0 || len(v.Features) > 0 {
		b.WriteString("\n## Studies\n\n")
		for _, l := range append(append([]link{}, v.Studies...), v.Features...) {
			fmt.Fprintf(&b, "- [%s](%s)\n", md(l.Text), mdURL(string(l.Href)))
		}
	}
	if len(v.Evals) > 0 {
		b.WriteString("\n## Evaluations\n\n| run | dataset | split | images | accuracy | loss |\n|---|---|---|---:|---:|---:|\n")
		for _, e := range v.Evals {
			fmt.Fprintf(&b, "| [%s](%s) | %s | %s | %s | %s | %s |\n",
				md(e.Run), mdURL(string(e.Href)), md(e.Dataset), md(e.Split), e.N, e.Acc, e.Loss)
		}
	}
	if len(v.Skipped) > 0 {
		b.WriteString("\n## Skipped files\n\n")
		for _, s := range v.Skipped {
			fmt.Fprintf(&b, "- %s\n", md(s))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// md escapes text for a Markdown table cell.
func md(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	for _, c := range []string{"|", "[", "]", "*", "_", "`", "<"} {
		s = strings.ReplaceAll(s, c, `\`+c)
	}
	return strings.ReplaceAll(s, "\n", " ")
}

// mdURL escapes a relative link target for Markdown.
func mdURL(u string) string {
	r := strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "|", "%7C")
	return r.Replace(u)
}
