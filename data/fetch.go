package data

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"transferlab/metrics"
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
			return fmt.Errorf("fetch %s: idx:DIR and folder:DIR datasets are read where they are, not fetched", name)
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
		rf, rec, err := withRecorded(path, f)
		if err == nil {
			err = rec.note(checkFile(path, rf))
		}
		if err != nil {
			fmt.Fprintf(w, "%s: %s is bad (%v): fetching it again\n", d.Name, path, err)
			if err := os.Remove(path); err != nil {
				return err
			}
			continue
		}
		what := checkedWhat(f)
		if rec.manifest != "" {
			what = "sha256 ok, as recorded when extracted"
		}
		fmt.Fprintf(w, "%s: %s already in %s (%s)\n", d.Name, f.Name, dir, what)
	}
	if err := fetchMissing(ctx, d, []SplitFiles{d.Train, d.Test}, o, w); err != nil {
		return err
	}
	// The splits as a whole: structure, counts, labels.
	var counts []string
	for _, split := range []string{SplitTrain, SplitTest} {
		sf, _ := d.Split(split)
		img, lbl := filepath.Join(dir, sf.Images.Name), filepath.Join(dir, sf.Labels.Name)
		sf, rec, err := withRecordedSplit(sf, img, lbl)
		if err != nil {
			return err
		}
		s, err := readSplit(ctx, d, split, sf, img, lbl)
		if err != nil {
			return rec.note(err)
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
func fetchMissing(ctx context.Context, d Dataset, splits []SplitFiles, o Options, w io.Writer) (err error) {
	// Warnings reach the user even when the caller wants no report (Load
	// passes none): through the progress output then.
	warn := w
	if warn == nil {
		warn = o.Progress
	}
	if warn == nil {
		warn = io.Discard
	}
	if w == nil {
		w = io.Discard
	}
	dir := o.dir(d)
	if _, statErr := os.Stat(dir); os.IsNotExist(statErr) {
		// A fetch that fails before any byte arrives leaves no empty
		// dataset folder behind (a partial download stays, to resume).
		defer func() {
			if err != nil {
				_ = os.Remove(dir) // fails, as it should, unless empty
			}
		}()
	}
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
		return fetchArchive(ctx, d, o, urls, dir, need, w, warn)
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

// copyVerified copies src to dst atomically (metrics.WriteAtomicVerified),
// checking the complete copy's size and SHA-256 (or, with no known sum,
// its IDX structure) before it replaces dst: a bad source never
// replaces a file.
func copyVerified(src, dst string, want File) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	h := sha256.New()
	var n int64
	copyTo := func(w io.Writer) error {
		if n, err = io.Copy(io.MultiWriter(w, h), in); err != nil {
			return fmt.Errorf("copy %s: %w", src, err)
		}
		return nil
	}
	check := func(tmp string) error {
		if want.Size > 0 && n != want.Size {
			return fmt.Errorf("%s: %d bytes, want %d", src, n, want.Size)
		}
		if want.SHA256 == "" {
			return checkFile(tmp, want)
		}
		if sum := hex.EncodeToString(h.Sum(nil)); sum != want.SHA256 {
			return &ChecksumError{Path: src, Got: sum, Want: want.SHA256}
		}
		return nil
	}
	return metrics.WriteAtomicVerified(dst, copyTo, check)
}

// checkFile checks one file against the registry: its size and SHA-256
// (or its prefix) where known; with no known sum, its IDX
// structure.
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
	sum := hex.EncodeToString(h.Sum(nil))
	if len(want.SHA256) < len(sum) && !strings.HasPrefix(sum, want.SHA256) {
		return &ChecksumError{Path: path, Got: sum, Want: want.SHA256 + "…"}
	}
	if len(want.SHA256) == len(sum) && sum != want.SHA256 {
		return &ChecksumError{Path: path, Got: sum, Want: want.SHA256}
	}
	return nil
}

// fetchArchive gets the files need from the dataset's zip archive: it
// streams the archive, extracts each file to NAME.part checking its
// CRC-32 and capping its size (maxExtracted), checks the archive's MD5
// when one is published, checks the splits (sums, IDX structure, image
// and label counts), records the extracted files' SHA-256 in SumsFile,
// and only then renames the files into place. On failure it leaves
// nothing. w hears what was done; warn, what the user must hear even when
// w is silent (an archive that is not the published one).
func fetchArchive(ctx context.Context, d Dataset, o Options, urls []string, dir string, need []File, w, warn io.Writer) error {
	if len(urls) == 0 {
		return fmt.Errorf("download %s: no URL known", d.Archive.Name)
	}
	var errs []string
	var first error
	for _, url := range urls {
		ex, err := extractArchive(ctx, d, o, url, dir, need)
		var md5Note string
		if err == nil {
			// Said before the files are taken on the strength of their
			// CRC-32s, which the same server supplied.
			md5Note = reportArchiveMD5(w, warn, d, url, ex)
			err = checkExtracted(ctx, d, dir, ex.parts)
		}
		if err == nil {
			err = recordSums(dir, d, url, ex, need, warn)
		}
		if err == nil {
			for name, part := range ex.parts {
				if err = os.Rename(part, filepath.Join(dir, name)); err != nil {
					break
				}
			}
		}
		if ex != nil {
			for _, part := range ex.parts {
				os.Remove(part) // after a rename, a no-op
			}
		}
		if err == nil {
			for _, f := range need {
				fmt.Fprintf(w, "%s: %s extracted from %s (zip CRC-32 ok%s, %s)\n", d.Name, f.Name, url, md5Note, extractedWhat(f))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		errs = append(errs, err.Error())
		if first == nil {
			first = err
		}
		var se *StatusError
		if !errors.As(err, &se) {
			break // the archive itself is bad: another URL would not help
		}
	}
	return &FetchError{Dataset: d.Name, Err: first, msg: fmt.Sprintf("fetch %s from %s: %s", d.Name, d.Archive.Name, strings.Join(errs, "; "))}
}

// extractedWhat says how an extracted file was checked beyond its CRC-32.
func extractedWhat(f File) string {
	if f.SHA256 != "" {
		return "sha256 ok"
	}
	return "IDX structure ok; no published sum: sha256 recorded in " + SumsFile
}

// extraction is what extractArchive got out of an archive.
type extraction struct {
	parts  map[string]string // NAME.part paths by file name
	sums   map[string]string // their SHA-256, by file name
	sizes  map[string]int64
	md5    string // the whole archive's MD5 as read; "" = not computed
	md5Err error  // why it could not be computed, if it was to be
}

// reportArchiveMD5 says whether the archive read was the one whose MD5 is
// published: a match to w, a mismatch or a failure to compute it to warn.
// It returns a note for the extraction lines.
func reportArchiveMD5(w, warn io.Writer, d Dataset, url string, ex *extraction) string {
	want := d.Archive.MD5
	switch {
	case want == "":
		return ""
	case ex.md5Err != nil:
		fmt.Fprintf(warn, "%s: WARNING: the MD5 of %s from %s was not checked (%v): its files are checked only by their zip CRC-32s\n",
			d.Name, d.Archive.Name, url, ex.md5Err)
		return ", archive MD5 not checked"
	case ex.md5 != want:
		fmt.Fprintf(warn, "%s: WARNING: %s from %s has MD5 %s, but the published MD5 is %s: it is not the archive torchvision checks; its files are checked only by their zip CRC-32s (and the sums the registry knows)\n",
			d.Name, d.Archive.Name, url, ex.md5, want)
		return ", archive MD5 MISMATCH"
	}
	fmt.Fprintf(w, "%s: %s MD5 %s ok (the published one)\n", d.Name, d.Archive.Name, ex.md5)
	return ", archive MD5 ok"
}

// maxExtracted is the most bytes file f of d may take extracted from the
// archive: its size when the registry knows it, else a bound from the
// split's count and image size (see gzipBound). A hostile or broken
// server cannot fill the disk beyond it.
func maxExtracted(d Dataset, f File) int64 {
	if f.Size > 0 {
		return f.Size
	}
	for _, sf := range []SplitFiles{d.Train, d.Test} {
		if sf.Count <= 0 {
			continue
		}
		switch {
		case f.Name == sf.Images.Name && d.Rows > 0 && d.Cols > 0:
			return gzipBound(16 + int64(sf.Count)*int64(d.Rows)*int64(d.Cols)) // 16: magic and 3 dimensions
		case f.Name == sf.Labels.Name:
			return gzipBound(8 + int64(sf.Count)) // 8: magic and 1 dimension
		}
	}
	return gzipBound(4 + 4*idxMaxDims + idxMaxBytes) // the largest IDX file readIDX accepts
}

// gzipBound is the most bytes a gzip file of an n-byte IDX file can take
// from an ordinary encoder: deflate at its worst stores the data as it
// is, 5 bytes per stored block (zlib's deflateBound is n + n/4096 +
// n/16384 + 13; n/1024 leaves room for other encoders), and the gzip
// header and trailer take 18 bytes plus an optional extra field (up to
// 64 KiB), name and comment (Go reads at most 512 bytes of each). This is
// loose: the real EMNIST letters images compress to well under half their
// raw size. A tight cap would need their real sizes, which no one has
// measured for the registry (see registry.go), and a wrong guess would
// reject the genuine files; the loose one still bounds what an entry can
// write, 98 MB for the training images, where before there was no bound.
func gzipBound(n int64) int64 { return n + n/1024 + 128<<10 }

// extractArchive streams the archive at url and extracts the files need
// to NAME.part files in dir, each capped at maxExtracted bytes and
// hashed. When the archive's MD5 is published, it reads the archive
// whole, to its end and without Range skips, computing the MD5 as the
// bytes arrive. It returns what it extracted, or removes it and returns
// an error.
func extractArchive(ctx context.Context, d Dataset, o Options, url, dir string, need []File) (ex *extraction, err error) {
	ex = &extraction{parts: map[string]string{}, sums: map[string]string{}, sizes: map[string]int64{}}
	defer func() {
		if err != nil {
			for _, p := range ex.parts {
				os.Remove(p)
			}
			ex = nil
		}
	}()
	want := map[string]File{}
	for _, f := range need {
		want[d.Archive.Prefix+f.Name] = f
	}
	rr := newRangeReader(ctx, o.client(), url, 0, o.RetryWait)
	defer rr.Close()
	if d.Archive.MD5 != "" {
		rr.sum = md5.New()
	}
	bar := newProgressBar(o.Progress, d.Name+"/"+d.Archive.Name, -1, 0)
	rr.onSkip = bar.Set
	z := newZipStream(skipReader{progressReader{rr, bar}, rr})
	for len(ex.parts) < len(need) {
		e, err := z.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bar.Finish("failed")
			return ex, fmt.Errorf("%s: %w", url, err)
		}
		f, ok := want[e.Name]
		if !ok {
			if err := z.Skip(e); err != nil {
				bar.Finish("failed")
				return ex, fmt.Errorf("%s: %w", url, err)
			}
			continue
		}
		part := filepath.Join(dir, f.Name+".part")
		out, err := os.Create(part)
		if err != nil {
			return ex, err
		}
		ex.parts[f.Name] = part
		h := sha256.New()
		cw := &countWriter{w: io.MultiWriter(out, h)}
		err = z.Extract(e, cw, maxExtracted(d, f))
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			bar.Finish("failed")
			return ex, fmt.Errorf("%s: %w", url, err)
		}
		ex.sums[f.Name], ex.sizes[f.Name] = hex.EncodeToString(h.Sum(nil)), cw.n
	}
	if len(ex.parts) < len(need) {
		bar.Finish("failed")
		var missing []string
		for name, f := range want {
			if _, ok := ex.parts[f.Name]; !ok {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		return ex, fmt.Errorf("%s: the archive holds no %s", url, strings.Join(missing, ", "))
	}
	if rr.sum != nil {
		// The rest of the archive, for its MD5. A transfer that breaks
		// off for good here costs the check, not the files.
		if _, err := z.Discard(); err != nil {
			if ctx.Err() != nil {
				bar.Finish("failed")
				return ex, ctx.Err()
			}
			ex.md5Err = err
		} else {
			ex.md5 = hex.EncodeToString(rr.sum.Sum(nil))
		}
	}
	bar.Finish("")
	return ex, nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// recordSums records the SHA-256 of the files extracted in dir's SumsFile,
// keeping the entries of other files. A file whose sum differs from the
// one recorded when it was last extracted is reported to warn: the
// archive served now differs from the one served then. An unreadable
// manifest is replaced, with a warning.
func recordSums(dir string, d Dataset, url string, ex *extraction, need []File, warn io.Writer) error {
	m, err := readSums(dir)
	if err != nil {
		fmt.Fprintf(warn, "%s: WARNING: %v: writing a new one\n", d.Name, err)
		m = &sumsManifest{Files: map[string]recordedFile{}}
	}
	for _, f := range need {
		sum := ex.sums[f.Name]
		if old, ok := m.Files[f.Name]; ok && old.SHA256 != sum {
			fmt.Fprintf(warn, "%s: WARNING: %s extracted now has sha256 %s, but %s was recorded when it was extracted from %s before: the archive differs\n",
				d.Name, f.Name, sum, old.SHA256, old.From)
		}
		m.Files[f.Name] = recordedFile{SHA256: sum, Size: ex.sizes[f.Name], From: url,
			ArchiveMD5: ex.md5, ArchiveMD5OK: ex.md5 != "" && ex.md5 == d.Archive.MD5}
	}
	if err := writeSums(dir, m); err != nil {
		return fmt.Errorf("record the sums of the extracted files: %w", err)
	}
	return nil
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

// FetchError is a download that failed from every source; it wraps the
// first source's error, so that a caller can say in a few words why (no
// network, a refused connection, an HTTP status) without the chain of
// URLs and archive readers it went through.
type FetchError struct {
	Dataset string // the registry name
	Err     error  // the first source's error
	msg     string // every source's error
}

func (e *FetchError) Error() string { return e.msg }
func (e *FetchError) Unwrap() error { return e.Err }

// Reason says in a few words why the download failed.
func (e *FetchError) Reason() string {
	var dns *net.DNSError
	var op *net.OpError
	var st *StatusError
	switch {
	case errors.As(e.Err, &dns):
		return "no network: cannot resolve " + dns.Name
	case errors.As(e.Err, &op):
		return fmt.Sprintf("cannot connect to %v: %v", op.Addr, op.Err)
	case errors.As(e.Err, &st):
		return st.Status + " from " + st.URL
	}
	inner := e.Err
	for u := errors.Unwrap(inner); u != nil; u = errors.Unwrap(inner) {
		inner = u
	}
	if inner == nil {
		return e.msg
	}
	return inner.Error()
}
