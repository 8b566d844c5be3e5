package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ParseNames expands a command line's dataset names: "all" is every
// registry dataset; each other name must be a registry name or idx:DIR.
// No names gives every registry dataset.
func ParseNames(args []string) ([]string, error) {
	if len(args) == 0 {
		return Names(), nil
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		names := []string{a}
		if a == "all" {
			names = Names()
		} else if _, err := Lookup(a); err != nil {
			return nil, fmt.Errorf("unknown dataset %q: choose %s, or all", a, choices())
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// Fetch puts each named dataset's files into the data dir, verified, and
// reports to w what it did. A file already there is kept if it checks out
// and replaced if not; a missing one is copied from a known local install
// when one holds a good copy (no network), else downloaded from the
// official source (Fetch downloads whatever opts.Download says). idx:DIR
// datasets are read in place and not fetched.
func Fetch(ctx context.Context, w io.Writer, names []string, opts Options) error {
	var failed []string
	for _, name := range names {
		d, err := Lookup(name)
		if err != nil {
			return err
		}
		if d.Dir != "" {
			return fmt.Errorf("fetch %s: an idx:DIR dataset is read where it is, not fetched", name)
		}
		if err := fetchDataset(ctx, w, d, opts); err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(w, "%s: FAILED: %v\n", name, err)
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("fetch failed for %s (see above)", strings.Join(failed, ", "))
	}
	return nil
}

func fetchDataset(ctx context.Context, w io.Writer, d Dataset, o Options) error {
	dir := o.dir(d)
	for _, f := range d.Files() {
		path := filepath.Join(dir, f.Name)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		if err := checkFile(path, f); err != nil {
			fmt.Fprintf(w, "%s: %s is bad (%v): fetching it again\n", d.Name, path, err)
			if err := os.Remove(path); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(w, "%s: %s already in %s (%s)\n", d.Name, f.Name, dir, checkedWhat(f))
	}
	if err := fetchMissing(ctx, d, []SplitFiles{d.Train, d.Test}, o, w); err != nil {
		return err
	}
	// The splits as a whole: structure, counts, labels.
	var counts []string
	for _, split := range []string{SplitTrain, SplitTest} {
		sf, _ := d.Split(split)
		s, err := readSplit(ctx, d, split, sf, filepath.Join(dir, sf.Images.Name), filepath.Join(dir, sf.Labels.Name))
		if err != nil {
			return err
		}
		counts = append(counts, fmt.Sprintf("%d %s", s.Len(), split))
	}
	fmt.Fprintf(w, "%s: ready in %s (%s images)\n", d.Name, dir, strings.Join(counts, ", "))
	return nil
}

func checkedWhat(f File) string {
	if f.SHA256 != "" {
		return "sha256 ok"
	}
	return "IDX structure ok; no published sum"
}

// fetchMissing gets the files of splits that are not in the data dir:
// from a local install, else from the official source. w (may be nil)
// hears what happened.
func fetchMissing(ctx context.Context, d Dataset, splits []SplitFiles, o Options, w io.Writer) error {
	if w == nil {
		w = io.Discard
	}
	dir := o.dir(d)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var need []File
	for _, sf := range splits {
		for _, f := range []File{sf.Images, sf.Labels} {
			if _, err := os.Stat(filepath.Join(dir, f.Name)); err == nil {
				continue
			}
			if copied, err := copyFromLocal(o, d, f, dir, w); err != nil {
				return err
			} else if !copied {
				need = append(need, f)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	urls := o.urls(d)
	if d.Archive != nil {
		return fetchArchive(ctx, d, o, urls, dir, need, w)
	}
	for _, f := range need {
		url, err := downloadFile(ctx, o, d.Name+"/"+f.Name, urls, dir, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %s downloaded from %s (%s, %s)\n", d.Name, f.Name, url, humanSize(f.Size), checkedWhat(f))
	}
	return nil
}

// copyFromLocal copies f from the first local install holding a good copy
// into dir. It reports false if none does.
func copyFromLocal(o Options, d Dataset, f File, dir string, w io.Writer) (bool, error) {
	for _, p := range o.places(d)[1:] {
		src := filepath.Join(p.Dir, f.Name)
		if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
			continue
		}
		if err := copyVerified(src, filepath.Join(dir, f.Name), f); err != nil {
			fmt.Fprintf(w, "%s: not using %s: %v\n", d.Name, src, err)
			continue
		}
		fmt.Fprintf(w, "%s: %s copied from %s (%s; %s, %s)\n", d.Name, f.Name, p.Dir, p.Source, humanSize(f.Size), checkedWhat(f))
		return true, nil
	}
	return false, nil
}

// copyVerified copies src to dst through a temporary file in dst's folder,
// checking size and SHA-256 (or IDX structure) before renaming it into
// place; on any failure nothing is left at dst.
func copyVerified(src, dst string, want File) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), in)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if want.Size > 0 && n != want.Size {
		return fmt.Errorf("%s: %d bytes, want %d", src, n, want.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); want.SHA256 != "" && sum != want.SHA256 {
		return &ChecksumError{Path: src, Got: sum, Want: want.SHA256}
	}
	if want.SHA256 == "" {
		if err := checkFile(tmp.Name(), want); err != nil {
			return err
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// checkFile checks one file against the registry: its size and SHA-256
// where known; with no known sum, its IDX structure.
func checkFile(path string, want File) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if want.Size > 0 && st.Size() != want.Size {
		return fmt.Errorf("%s: %d bytes, want %d", path, st.Size(), want.Size)
	}
	if want.SHA256 == "" {
		if _, err := ReadIDX(f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != want.SHA256 {
		return &ChecksumError{Path: path, Got: sum, Want: want.SHA256}
	}
	return nil
}

// fetchArchive gets the files need from the dataset's zip archive: it
// streams the archive (skipping what it does not need when the server
// honours Range), extracts each file to NAME.part checking its CRC-32,
// checks the splits (sums, IDX structure, image and label counts), and
// only then renames the files into place. On failure it leaves nothing.
func fetchArchive(ctx context.Context, d Dataset, o Options, urls []string, dir string, need []File, w io.Writer) error {
	if len(urls) == 0 {
		return fmt.Errorf("download %s: no URL known", d.Archive.Name)
	}
	var errs []string
	for _, url := range urls {
		parts, err := extractArchive(ctx, d, o, url, dir, need)
		if err == nil {
			err = checkExtracted(ctx, d, dir, parts)
		}
		if err == nil {
			for name, part := range parts {
				if err = os.Rename(part, filepath.Join(dir, name)); err != nil {
					break
				}
			}
		}
		for _, part := range parts {
			os.Remove(part) // after a rename, a no-op
		}
		if err == nil {
			for _, f := range need {
				fmt.Fprintf(w, "%s: %s extracted from %s (zip CRC-32 ok, %s)\n", d.Name, f.Name, url, checkedWhat(f))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		errs = append(errs, err.Error())
		var se *StatusError
		if !errors.As(err, &se) {
			break // the archive itself is bad: another URL would not help
		}
	}
	return fmt.Errorf("fetch %s from %s: %s", d.Name, d.Archive.Name, strings.Join(errs, "; "))
}

// extractArchive streams the archive at url and extracts the files need
// to NAME.part files in dir; it returns them by file name, or removes
// them and returns an error.
func extractArchive(ctx context.Context, d Dataset, o Options, url, dir string, need []File) (parts map[string]string, err error) {
	parts = map[string]string{}
	defer func() {
		if err != nil {
			for _, p := range parts {
				os.Remove(p)
			}
			parts = nil
		}
	}()
	want := map[string]File{}
	for _, f := range need {
		want[d.Archive.Prefix+f.Name] = f
	}
	rr := newRangeReader(ctx, o.client(), url, 0, o.RetryWait)
	defer rr.Close()
	bar := newProgressBar(o.Progress, d.Name+"/"+d.Archive.Name, -1, 0)
	rr.onSkip = bar.Set
	z := newZipStream(skipReader{progressReader{rr, bar}, rr})
	for len(parts) < len(need) {
		e, err := z.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bar.Finish("failed")
			return parts, fmt.Errorf("%s: %w", url, err)
		}
		f, ok := want[e.Name]
		if !ok {
			if err := z.Skip(e); err != nil {
				bar.Finish("failed")
				return parts, fmt.Errorf("%s: %w", url, err)
			}
			continue
		}
		part := filepath.Join(dir, f.Name+".part")
		out, err := os.Create(part)
		if err != nil {
			return parts, err
		}
		parts[f.Name] = part
		err = z.Extract(e, out)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			bar.Finish("failed")
			return parts, fmt.Errorf("%s: %w", url, err)
		}
	}
	bar.Finish("")
	if len(parts) < len(need) {
		var missing []string
		for name, f := range want {
			if _, ok := parts[f.Name]; !ok {
				missing = append(missing, name)
			}
		}
		return parts, fmt.Errorf("%s: the archive holds no %s", url, strings.Join(missing, ", "))
	}
	return parts, nil
}

// skipReader reads through a progress reporter and skips on the
// rangeReader underneath.
type skipReader struct {
	io.Reader
	rr *rangeReader
}

func (s skipReader) Skip(n int64) error { return s.rr.Skip(n) }

// checkExtracted checks each split that has a freshly extracted file:
// labels against their sums, both files' structure, counts and labels.
func checkExtracted(ctx context.Context, d Dataset, dir string, parts map[string]string) error {
	for _, split := range []string{SplitTrain, SplitTest} {
		sf, _ := d.Split(split)
		img, okImg := parts[sf.Images.Name]
		lbl, okLbl := parts[sf.Labels.Name]
		if !okImg && !okLbl {
			continue
		}
		if !okImg {
			img = filepath.Join(dir, sf.Images.Name)
		}
		if !okLbl {
			lbl = filepath.Join(dir, sf.Labels.Name)
		}
		if _, err := readSplit(ctx, d, split, sf, img, lbl); err != nil {
			return err
		}
	}
	return nil
}
