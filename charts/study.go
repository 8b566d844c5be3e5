package charts

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/internal/names"
	"transferlab/metrics"
)

// RecipeStudy is a study of two recipes over the transfer configurations
// on one target: each configuration's runs under each, paired by seed.
type RecipeStudy struct {
	Target                   string
	BaseName, BaseFlags      string // the seed's recipe
	ImprovedName, ImproveHow string // the recipe set against it, and its flags
	Configs                  []StudyConfig
}

// StudyConfig is one configuration's runs under each recipe, in seed
// order.
type StudyConfig struct {
	Label          string
	SameData       bool // the source was pretrained on the target: not a transfer
	Base, Improved []*metrics.Run
}

// StudyPageName is the page of the recipe study on target.
func StudyPageName(target string) string { return "study-recipe-" + names.Slug(target) + ".html" }

const idStudy = "chart_study"

// StudyChart draws each configuration's mean test accuracy under each
// recipe, side by side.
func StudyChart(s RecipeStudy) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(commonOpts(idStudy, "Test accuracy by recipe", "accuracy (%)")...)
	c.SetGlobalOptions(charts.WithYAxisOpts(percentAxis()), charts.WithXAxisOpts(opts.XAxis{Name: "configuration", Type: "category"}),
		withAxisTooltip("configuration", "pct", ""))
	var x []string
	base := make([]opts.BarData, len(s.Configs))
	improved := make([]opts.BarData, len(s.Configs))
	for i, cf := range s.Configs {
		x = append(x, cf.Label)
		base[i] = opts.BarData{Value: summaryMean(metrics.Summarize(metrics.TestAccuracies(cf.Base)))}
		improved[i] = opts.BarData{Value: summaryMean(metrics.Summarize(metrics.TestAccuracies(cf.Improved)))}
	}
	c.SetXAxis(x)
	c.AddSeries(s.BaseName, base)
	c.AddSeries(s.ImprovedName, improved)
	return c
}

func summaryMean(s metrics.Summary) any {
	if s.N == 0 {
		return gap
	}
	return num(s.Mean)
}

// studyRow is one configuration in the study's table.
type studyRow struct {
	Label, N, Base, Improved, Diff, Interval, Above string
	Runs                                            []link
}

type studyView struct {
	S        RecipeStudy
	Rows     []studyRow
	SameData bool // a row is marked (same data), so the page says what that means
}

var studyTemplate = newPageTemplate("study.html.tmpl")

func newStudyPage(s RecipeStudy, a assets) (*htmlPage, error) {
	v := studyView{S: s}
	for _, c := range s.Configs {
		d := metrics.PairedDifference(metrics.TestAccuracies(c.Base), metrics.TestAccuracies(c.Improved))
		label := c.Label
		if c.SameData {
			label += " (same data)"
			v.SameData = true
		}
		row := studyRow{Label: label, N: fmt.Sprint(d.N), Base: meanSD(metrics.Summarize(metrics.TestAccuracies(c.Base))),
			Improved: meanSD(metrics.Summarize(metrics.TestAccuracies(c.Improved))), Diff: none, Interval: none, Above: none}
		if d.N > 0 {
			row.Diff = fmt.Sprintf("%+.2f", d.Mean)
		}
		if d.N >= 2 {
			row.Interval = fmt.Sprintf("%+.2f to %+.2f", d.Lo, d.Hi)
			row.Above = map[bool]string{true: "yes", false: "no"}[d.Lo > 0]
		}
		for _, r := range append(append([]*metrics.Run(nil), c.Base...), c.Improved...) {
			row.Runs = append(row.Runs, link{Href: template.URL(filepath.ToSlash(filepath.Join(r.Name, RunPageName))), Text: r.Name})
		}
		v.Rows = append(v.Rows, row)
	}
	p := page{
		Title:   "Recipe study on " + s.Target,
		Echarts: a.src(0),
		Warning: a.warning,
		Nav:     []link{{Href: "index.html", Text: "← all runs"}},
		Body:    v,
	}
	var err error
	if p.Charts, err = renderCharts(namedChart{idStudy, StudyChart(s)}); err != nil {
		return nil, err
	}
	return &htmlPage{p: p, t: studyTemplate}, nil
}

// WriteRecipeStudy writes the study's page into resultsDir and returns
// its path.
func WriteRecipeStudy(resultsDir string, s RecipeStudy) (string, error) {
	a, err := installAssets(resultsDir)
	if err != nil {
		return "", err
	}
	p, err := newStudyPage(s, a)
	if err != nil {
		return "", fmt.Errorf("study page: %w", err)
	}
	path := filepath.Join(resultsDir, StudyPageName(s.Target))
	return path, metrics.WriteAtomic(path, func(w io.Writer) error { return p.Render(w) })
}
