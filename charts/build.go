package charts

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"transferlab/metrics"
)

// BuildResult says what Build did.
type BuildResult struct {
	// Pages are the files written, relative to the results folder.
	Pages []string
	// Skipped are the metrics files that could not be read, one error each
	// naming the file; their pages were not rebuilt.
	Skipped []error
	// Warning is set when the pages could not be made to work offline
	// (echarts.min.js missing); it says how to fix it.
	Warning string
}

// Build rebuilds every page under resultsDir from the metrics files: each
// run's page (results/<run>/index.html) and evaluation pages
// (results/<run>/eval-*.html) with each run's metrics.csv and metrics.js,
// the transfer comparison (results/transfer.html), the comparison of every
// run (results/compare.html), the overview (results/index.html) and its
// Markdown twin (results/results.md), and copies echarts.min.js into
// results/assets/. An unreadable file is skipped, the rest is built, and
// the error returned at the end names every skipped file.
func Build(resultsDir string) error {
	res, err := BuildAll(resultsDir)
	if err != nil {
		return err
	}
	return skippedError(res.Skipped)
}

// Report is 'transferlab report': Build, telling w what it wrote and any
// warning.
func Report(w io.Writer, resultsDir string) error {
	res, err := BuildAll(resultsDir)
	if err != nil {
		return err
	}
	if res.Warning != "" {
		fmt.Fprintln(w, "warning:", res.Warning)
	}
	fmt.Fprintf(w, "wrote %d pages in %s; open %s\n", len(res.Pages), resultsDir, filepath.Join(resultsDir, IndexPageName))
	return skippedError(res.Skipped)
}

func skippedError(skipped []error) error {
	if len(skipped) == 0 {
		return nil
	}
	// One line: each skipped file and why, after the count.
	format := "skipped %d unreadable file(s), the other pages were rebuilt: " + strings.TrimSuffix(strings.Repeat("%w; ", len(skipped)), "; ")
	args := []any{len(skipped)}
	for _, e := range skipped {
		args = append(args, e)
	}
	return fmt.Errorf(format, args...)
}

// BuildAll is Build returning what it did. Its error is for failures that
// stopped it (no results folder, a page that could not be written).
func BuildAll(resultsDir string) (BuildResult, error) {
	var res BuildResult
	fi, err := os.Stat(resultsDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("results folder %s does not exist: train a run first, or pass --results-dir with the folder your runs were written to", resultsDir)
		}
		return res, fmt.Errorf("results folder: %w", err)
	}
	if !fi.IsDir() {
		return res, fmt.Errorf("results folder %s is not a folder", resultsDir)
	}
	a, err := installAssets(resultsDir)
	if err != nil {
		return res, err
	}
	res.Warning = a.warning

	entries, skipped, err := readResults(resultsDir)
	if err != nil {
		return res, err
	}
	res.Skipped = skipped

	write := func(rel string, p interface{ Render(io.Writer) error }) error {
		if err := metrics.WriteAtomic(filepath.Join(resultsDir, filepath.FromSlash(rel)), p.Render); err != nil {
			return err
		}
		res.Pages = append(res.Pages, rel)
		return nil
	}
	var all []*metrics.Run
	for _, en := range entries {
		if en.run != nil {
			all = append(all, en.run)
		}
	}
	var runs []*metrics.Run
	for _, en := range entries {
		for _, e := range en.evals {
			p, err := newEvalPage(en.dir, e.ef, en.run != nil, a)
			if err != nil {
				return res, fmt.Errorf("%s: %w", path.Join(en.dir, e.file), err)
			}
			if err := write(path.Join(en.dir, e.file), p); err != nil {
				return res, err
			}
		}
		if en.run == nil {
			continue
		}
		runs = append(runs, en.run)
		p, err := newRunPage(en.run, evalLinks(filepath.Join(resultsDir, en.dir)), featureLinks(resultsDir, en.run), sidecarCommand(filepath.Join(resultsDir, en.dir), en.run), relate(en.run, all), a)
		if err != nil {
			return res, fmt.Errorf("run %s: %w", en.dir, err)
		}
		if err := writeRunFiles(filepath.Join(resultsDir, en.dir), en.run, p); err != nil {
			return res, err
		}
		res.Pages = append(res.Pages, path.Join(en.dir, RunPageName))
	}
	tp, err := newTransferPage(resultsDir, runs, a)
	if err != nil {
		return res, fmt.Errorf("transfer page: %w", err)
	}
	if err := write(TransferPageName, tp); err != nil {
		return res, err
	}
	cp, err := newComparePage(runs, a)
	if err != nil {
		return res, fmt.Errorf("compare page: %w", err)
	}
	if err := write(ComparePageName, cp); err != nil {
		return res, err
	}
	studies, features, err := rebuildStudies(resultsDir, a, &res)
	if err != nil {
		return res, err
	}
	v := newIndexView(entries, skipped)
	v.Studies, v.Features = studies, features
	if err := write(IndexPageName, newIndexPage(v)); err != nil {
		return res, err
	}
	md := renderFunc(func(w io.Writer) error { return writeMarkdown(w, v) })
	if err := write(MarkdownName, md); err != nil {
		return res, err
	}
	return res, nil
}

// rebuildStudies redraws every feature-space page that has its data
// beside it (embed-*.json, see WriteEmbedding), so that its links follow
// the pages that exist now, and lists the pages of studies at the top of
// the results folder for the index: depth sweeps (sweep-depth-*.html),
// recipe studies (study-recipe-*.html), learning-rate range tests
// (lr-find-*.html) and feature spaces (embed-*.html), each named by the run it draws where
// known. A data file that cannot be read is skipped, its page kept.
func rebuildStudies(resultsDir string, a assets, res *BuildResult) (studies, features []link, err error) {
	for _, kind := range []struct{ prefix, text string }{
		{"sweep-depth-", "depth sweep on "},
		{"study-recipe-", "recipe study on "},
		{"lr-find-", "learning-rate range test for "},
	} {
		found, _ := filepath.Glob(filepath.Join(resultsDir, kind.prefix+"*.html"))
		sort.Strings(found)
		for _, s := range found {
			name := filepath.Base(s)
			studies = append(studies, link{Href: template.URL(name), Text: kind.text + strings.TrimSuffix(strings.TrimPrefix(name, kind.prefix), ".html")})
		}
	}
	pages, _ := filepath.Glob(filepath.Join(resultsDir, "embed-*.html"))
	sort.Strings(pages)
	for _, pg := range pages {
		name := filepath.Base(pg)
		if strings.HasPrefix(name, "probe-") {
			continue
		}
		text := name
		e, rerr := readEmbedding(filepath.Join(resultsDir, embedDataName(name)))
		switch {
		case rerr == nil:
			if _, err := writeEmbedPage(resultsDir, name, *e, a); err != nil {
				return nil, nil, err
			}
			res.Pages = append(res.Pages, name)
		case errors.Is(rerr, fs.ErrNotExist):
			// A page drawn before its data was kept: named from its file
			// name where that is a run's pair page.
			e = &Embedding{}
		default:
			res.Skipped = append(res.Skipped, fileError(filepath.Join(resultsDir, embedDataName(name)), rerr))
			e = &Embedding{}
		}
		ctx := embedContextOf(resultsDir, name, *e)
		where := ""
		if e.Layer != "" {
			where = ", " + e.Layer + " on " + e.Dataset
		}
		switch {
		case ctx.Role != "":
			text = ctx.Run + ": " + ctx.Role + " fine-tuning" + where
		case ctx.Run != "":
			text = ctx.Run + strings.Replace(where, ", ", ": ", 1)
		case e.Checkpoint != "":
			text = filepath.Base(e.Checkpoint) + strings.Replace(where, ", ", ": ", 1)
		}
		features = append(features, link{Href: template.URL(name), Text: text})
	}
	return studies, features, nil
}

type renderFunc func(io.Writer) error

func (f renderFunc) Render(w io.Writer) error { return f(w) }

// readResults reads every run folder under resultsDir (sorted by name):
// its metrics.json and eval-*.json files. Files that cannot be read are
// returned as errors, one per file, and left out.
func readResults(resultsDir string) ([]runEntry, []error, error) {
	dirs, err := os.ReadDir(resultsDir)
	if err != nil {
		return nil, nil, fmt.Errorf("read results folder: %w", err)
	}
	var entries []runEntry
	var skipped []error
	for _, d := range dirs {
		name := d.Name()
		if !d.IsDir() || checkRunName(name) != nil {
			continue
		}
		dir := filepath.Join(resultsDir, name)
		en := runEntry{dir: name, page: template.URL(path.Join(name, RunPageName))}
		mp := filepath.Join(dir, metrics.FileName)
		if _, err := os.Stat(mp); err == nil {
			run, err := metrics.ReadRun(mp)
			if err != nil {
				skipped = append(skipped, fileError(mp, err))
			} else {
				run.Name = name // the folder is what links and files use
				en.run = run
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			skipped = append(skipped, fileError(mp, err))
		}
		evals, _ := filepath.Glob(filepath.Join(dir, "eval-*.json"))
		sort.Strings(evals)
		for _, ep := range evals {
			ef, err := metrics.ReadEval(ep)
			if err != nil {
				skipped = append(skipped, fileError(ep, err))
				continue
			}
			en.evals = append(en.evals, evalEntry{file: strings.TrimSuffix(filepath.Base(ep), ".json") + ".html", ef: ef})
		}
		if en.run != nil || len(en.evals) > 0 {
			entries = append(entries, en)
		}
	}
	return entries, skipped, nil
}

// fileError names the file an error is about, once.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
