package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// FileStatus is where one file of a dataset was found and how it checked.
type FileStatus struct {
	File   File
	Path   string // "" = not found
	Source string // "data dir" or the local install's description
	Size   int64
	Check  string // "sha256 ok", "size ok", "not checked", or what is wrong
	Err    error  // the check's failure, if any
}

// Status is what 'data list' shows of one dataset.
type Status struct {
	Dataset Dataset
	Files   []FileStatus
}

// Found counts the files found.
func (s Status) Found() int {
	n := 0
	for _, f := range s.Files {
		if f.Path != "" {
			n++
		}
	}
	return n
}

// Inspect looks for each file of a registry dataset in the data dir and
// the known local installs. With hash, it checks sizes and SHA-256 sums;
// without, only sizes (fast enough for 'doctor').
func Inspect(name string, opts Options, hash bool) (Status, error) {
	d, err := Lookup(name)
	if err != nil {
		return Status{}, err
	}
	return inspect(d, opts, hash), nil
}

func inspect(d Dataset, opts Options, hash bool) Status {
	st := Status{Dataset: d}
	if d.Dir != "" {
		for _, split := range []string{SplitTrain, SplitTest} {
			for _, kind := range []string{"images-idx3", "labels-idx1"} {
				fs := FileStatus{Source: "idx folder", Check: "not checked"}
				if p, err := findIDX(d.Dir, split, kind); err == nil {
					fs.Path, fs.File.Name = p, filepath.Base(p)
					if info, err := os.Stat(p); err == nil {
						fs.Size = info.Size()
					}
				}
				st.Files = append(st.Files, fs)
			}
		}
		return st
	}
	for _, f := range d.Files() {
		fs := FileStatus{File: f}
		path, p, ok := opts.locate(d, f)
		if ok {
			fs.Path, fs.Source = path, p.Source
			fs.Check, fs.Err = checkStatus(path, f, hash)
			if info, err := os.Stat(path); err == nil {
				fs.Size = info.Size()
			}
		}
		st.Files = append(st.Files, fs)
	}
	return st
}

func checkStatus(path string, f File, hash bool) (string, error) {
	f, rec, err := withRecorded(path, f)
	if err != nil {
		return "BAD", err
	}
	if f.Size > 0 {
		info, err := os.Stat(path)
		if err != nil {
			return "unreadable", err
		}
		if info.Size() != f.Size {
			return "SIZE MISMATCH", fmt.Errorf("%s: %d bytes, want %d", path, info.Size(), f.Size)
		}
	}
	switch {
	case !hash && f.Size > 0:
		return "size ok", nil
	case !hash:
		return "not checked", nil
	}
	if err := rec.note(checkFile(path, f)); err != nil {
		var ce *ChecksumError
		if errors.As(err, &ce) {
			return "SHA256 MISMATCH", err
		}
		return "BAD", err
	}
	switch {
	case f.SHA256 == "":
		return "structure ok (no sum)", nil
	case rec.manifest != "":
		return "sha256 ok (recorded when extracted)", nil
	}
	return "sha256 ok", nil
}

// List inspects every registry dataset.
func List(opts Options, hash bool) []Status {
	var out []Status
	for _, n := range Names() {
		st, err := Inspect(n, opts, hash)
		if err == nil {
			out = append(out, st)
		}
	}
	return out
}

// WriteList prints statuses as a table: dataset, state, size, check, where.
func WriteList(w io.Writer, sts []Status, opts Options) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tSTATE\tSIZE\tCHECK\tWHERE")
	for _, st := range sts {
		found := st.Found()
		var size int64
		checks := map[string]bool{}
		var check, where []string
		for _, f := range st.Files {
			if f.Path == "" {
				continue
			}
			size += f.Size
			if !checks[f.Check] {
				checks[f.Check] = true
				check = append(check, f.Check)
			}
			loc := filepath.Dir(f.Path) + " (" + f.Source + ")"
			if !contains(where, loc) {
				where = append(where, loc)
			}
		}
		state := "present"
		switch {
		case found == 0:
			state = "missing"
			where = []string{fmt.Sprintf("run 'transferlab data fetch %s'%s", st.Dataset.Name, needsInternet(st.Dataset, opts))}
		case found < len(st.Files):
			state = fmt.Sprintf("partial (%d of %d files)", found, len(st.Files))
		}
		sizeText, checkText := "-", "-"
		if found > 0 {
			sizeText, checkText = humanSize(size), strings.Join(check, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.Dataset.Name, state, sizeText, checkText, strings.Join(where, "; "))
	}
	return tw.Flush()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// needsInternet says, for a missing dataset, whether fetching it needs
// the network.
func needsInternet(d Dataset, o Options) string {
	for _, p := range o.places(d)[1:] {
		for _, f := range d.Files() {
			if _, err := os.Stat(filepath.Join(p.Dir, f.Name)); err == nil {
				return ""
			}
		}
	}
	if len(d.Local) > 0 {
		return fmt.Sprintf(" (needs internet, or first '%s')", d.Local[0].Install)
	}
	return " (needs internet)"
}

// Verify re-checks the named datasets where they are found: every file's
// size and SHA-256 (IDX structure where no sum is known), and each split
// as a whole (image and label counts, label range), reporting to w. A
// dataset named that is not found at all is an error; with names from
// ParseNames(nil), missing datasets are only reported.
func Verify(ctx context.Context, w io.Writer, names []string, explicit bool, opts Options) error {
	if err := opts.checkDataDir(); err != nil {
		return err
	}
	var bad []string
	for _, name := range names {
		d, err := Lookup(name)
		if err != nil {
			return err
		}
		if !verifyDataset(ctx, w, d, explicit, opts) {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("verify failed for %s (see above)", strings.Join(bad, ", "))
	}
	return nil
}

// verifyDataset is Verify for one dataset; it reports whether the dataset
// checked out.
func verifyDataset(ctx context.Context, w io.Writer, d Dataset, explicit bool, opts Options) bool {
	name := d.Name
	if d.Dir != "" {
		ok := true
		for _, split := range []string{SplitTrain, SplitTest} {
			var s *Split
			var err error
			if d.Folder {
				s, err = Load(ctx, name, split, opts) // decodes every image (or reads the cache)
			} else {
				s, err = loadIDXDir(ctx, d, split)
			}
			if err != nil {
				fmt.Fprintf(w, "%s %s: BAD: %v\n", name, split, err)
				ok = false
				continue
			}
			fmt.Fprintf(w, "%s %s: ok (%d images of %dx%d, %d classes)\n", name, split, s.Len(), s.Rows, s.Cols, len(s.Classes))
		}
		return ok
	}
	st := inspect(d, opts, false)
	if st.Found() == 0 {
		if explicit {
			fmt.Fprintf(w, "%s: missing\n", name)
			return false
		}
		fmt.Fprintf(w, "%s: missing (run 'transferlab data fetch %s')\n", name, name)
		return true
	}
	ok := true
	for _, fs := range st.Files {
		if fs.Path == "" {
			fmt.Fprintf(w, "%s: %s missing\n", name, fs.File.Name)
			ok = false
			continue
		}
		check, err := checkStatus(fs.Path, fs.File, true)
		if err != nil {
			fmt.Fprintf(w, "%s: %s %s: %v\n", name, fs.Path, check, err)
			ok = false
			continue
		}
		fmt.Fprintf(w, "%s: %s %s\n", name, fs.Path, check)
	}
	if !ok {
		return false
	}
	for _, split := range []string{SplitTrain, SplitTest} {
		sf, _ := d.Split(split)
		img, _, _ := opts.locate(d, sf.Images)
		lbl, _, _ := opts.locate(d, sf.Labels)
		sf, rec, err := withRecordedSplit(sf, img, lbl)
		var s *Split
		if err == nil {
			s, err = readSplit(ctx, d, split, sf, img, lbl)
		}
		if err != nil {
			fmt.Fprintf(w, "%s %s: BAD: %v\n", name, split, rec.note(err))
			ok = false
			continue
		}
		fmt.Fprintf(w, "%s %s: ok (%d images of %dx%d, labels in %d classes)\n", name, split, s.Len(), s.Rows, s.Cols, len(s.Classes))
	}
	return ok
}
