package data

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"transferlab/internal/console"
	"transferlab/metrics"
)

// FolderOptions are the options of folder:DIR datasets (torchvision's
// ImageFolder layout); Options embeds them.
type FolderOptions struct {
	// TestFraction is the share of each class held out for testing when
	// DIR has no test/ folder; 0 = DefaultTestFraction.
	TestFraction float64
	// Seed seeds that holdout: the same seed and files give the same split,
	// so an evaluation after training tests on the images training left out.
	Seed int64
	// Invert and Fit prepare the images (see Prep): auto|yes|no and
	// pad|mnist; "" = auto and pad.
	Invert string
	Fit    string
	// Colour prepares the images for an ImageNet backbone (Prep.Colour).
	Colour bool
	// SkipBad skips files that cannot be read as images (and counts them)
	// instead of failing on the first.
	SkipBad bool
}

// DefaultTestFraction is the holdout share without a test/ folder.
const DefaultTestFraction = 0.2

// imageExts are the file name extensions read as images (lower case), as
// torchvision's ImageFolder reads them (less its rarer formats).
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true}

// Folder is a loaded folder:DIR dataset: both splits and what loading
// decided.
type Folder struct {
	Train, Test *Split
	Info        FolderInfo
}

// FolderInfo says what loading a folder dataset found and decided.
type FolderInfo struct {
	Images   int      // images read (both splits)
	Inverted int      // images inverted (dark ink on light made light on dark)
	Kept     int      // images left in their polarity
	Skipped  []string // files skipped (SkipBad), each with why
	Holdout  bool     // the test split was held out of train/ (no test/ folder)
	Cached   bool     // the pixels came from the cache
	Cache    string   // the cache file ("" = none could be written)
}

// folderFile is one file found under a split's class folder.
type folderFile struct {
	Rel   string // path relative to the dataset folder, slash-separated
	Split string // SplitTrain or SplitTest: the folder it is in
	Class string
	Size  int64
	MTime int64  // nanoseconds
	Bad   string // why it is not read ("" = read it)
}

type folderScan struct {
	dir     string
	hasTest bool
	classes map[string][]string // split -> its class folders, sorted
	files   []folderFile
}

// loadFolderSplit is Load for a folder:DIR dataset.
func loadFolderSplit(ctx context.Context, d Dataset, split string, opts Options) (*Split, error) {
	if split != SplitTrain && split != SplitTest {
		return nil, fmt.Errorf("unknown split %q: choose train or test", split)
	}
	f, err := loadFolder(ctx, d, opts)
	if err != nil {
		return nil, err
	}
	if split == SplitTrain {
		return f.Train, nil
	}
	return f.Test, nil
}

func (o FolderOptions) prep() Prep { return Prep{Invert: o.Invert, Fit: o.Fit, Colour: o.Colour} }

func (o FolderOptions) check() error {
	if err := o.prep().Check(); err != nil {
		return err
	}
	if math.IsNaN(o.TestFraction) || o.TestFraction < 0 || o.TestFraction >= 1 {
		return fmt.Errorf("test fraction %v: give a fraction between 0 and 1, such as 0.2", o.TestFraction)
	}
	return nil
}

// loadFolder loads a folder:DIR dataset whole: its classes are the class
// folders of DIR/train, sorted; its test split is DIR/test, or a seeded
// stratified holdout of DIR/train when there is no DIR/test. Images are
// decoded on all CPUs and prepared as opts says (Prep); the prepared
// pixels are cached in the data dir, keyed by the files' paths, sizes and
// modification times and the preparation, so a second load (the test split
// after the training split, a later eval) decodes nothing.
func loadFolder(ctx context.Context, d Dataset, opts Options) (*Folder, error) {
	if err := opts.FolderOptions.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	scan, err := scanFolder(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	prep := opts.FolderOptions.prep()
	key := scan.key(prep)
	cachePath := opts.folderCachePath(d.Dir, prep)
	info := FolderInfo{Holdout: !scan.hasTest}
	px, inv, bad, ok := readFolderCache(cachePath, key, len(scan.files), prep.imageBytes())
	if ok {
		info.Cached = true
		info.Cache = cachePath
	} else {
		var cacheable bool
		px, inv, bad, cacheable, err = decodeFolder(ctx, d.Name, scan, prep, opts.Progress)
		if err != nil {
			return nil, err
		}
		if cacheable {
			if err := writeFolderCache(cachePath, key, px, inv, bad); err != nil {
				if opts.Progress != nil {
					fmt.Fprintf(opts.Progress, "%s: the prepared images could not be cached (they will be decoded again next time): %v\n", d.Name, err)
				}
			} else {
				info.Cache = cachePath
			}
		}
	}
	for i, f := range scan.files {
		if f.Bad == "" && bad[i] != "" {
			scan.files[i].Bad = bad[i]
		}
	}
	var badFiles []string
	for _, f := range scan.files {
		if f.Bad != "" {
			badFiles = append(badFiles, f.Bad)
		}
	}
	if len(badFiles) > 0 && !opts.SkipBad {
		more := ""
		if len(badFiles) > 1 {
			more = fmt.Sprintf(" (and %d more bad files)", len(badFiles)-1)
		}
		return nil, fmt.Errorf("%s: %s%s; remove it, or skip such files with --skip-bad", d.Name, badFiles[0], more)
	}
	info.Skipped = badFiles
	f, err := scan.splits(d.Name, px, prep, opts.FolderOptions)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	for i, fl := range scan.files {
		if fl.Bad != "" {
			continue
		}
		info.Images++
		if inv[i] {
			info.Inverted++
		} else {
			info.Kept++
		}
	}
	f.Info = info
	if opts.Progress != nil {
		fmt.Fprintln(opts.Progress, info.summary(d.Name, f, prep))
	}
	return f, nil
}

// summary is the line loading prints: sizes, the split, what the
// polarity decision was, skipped files and the cache.
func (i FolderInfo) summary(name string, f *Folder, p Prep) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d images in %d classes: train %d, test %d", name, i.Images, len(f.Train.Classes), f.Train.Len(), f.Test.Len())
	if i.Holdout {
		b.WriteString(" (held out of train/: no test/ folder)")
	}
	if p.Colour {
		fmt.Fprintf(&b, "; colour, resized to %d and centre-cropped to %dx%d as torchvision's evaluation transform", ColourResize, ColourSide, ColourSide)
	} else {
		fmt.Fprintf(&b, "; invert %s: %d inverted, %d kept; fit %s", p.invert(), i.Inverted, i.Kept, p.fit())
	}
	if len(i.Skipped) > 0 {
		fmt.Fprintf(&b, "; skipped %d unreadable files (first: %s)", len(i.Skipped), i.Skipped[0])
	}
	if i.Cached {
		b.WriteString("; from the cache")
	}
	return b.String()
}

// scanFolder lists the class folders and files of DIR/train and DIR/test.
// Hidden files and folders (".name") are ignored. Symbolic links are
// followed, but a folder reached twice (a link loop, or two links to one
// folder) is an error naming the link: following a loop would never end,
// and images counted twice would skew the classes.
func scanFolder(dir string) (*folderScan, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	s := &folderScan{dir: dir, classes: map[string][]string{}}
	seen := map[[2]uint64]string{}
	if err := markSeen(seen, dir, st); err != nil {
		return nil, err
	}
	for _, split := range []string{SplitTrain, SplitTest} {
		sp := filepath.Join(dir, split)
		st, err := os.Stat(sp)
		if errors.Is(err, os.ErrNotExist) {
			if split == SplitTrain {
				return nil, fmt.Errorf("no %s folder: a folder dataset holds train/<class>/<images> (and optionally test/<class>/<images>)", sp)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s is not a folder", sp)
		}
		if split == SplitTest {
			s.hasTest = true
		}
		if err := markSeen(seen, sp, st); err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(sp)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(sp, e.Name())
			est, err := os.Stat(p) // follows a link
			if err != nil {
				s.files = append(s.files, folderFile{Rel: split + "/" + e.Name(), Split: split, Bad: fmt.Sprintf("%s: %v", p, err)})
				continue
			}
			if !est.IsDir() {
				s.files = append(s.files, folderFile{Rel: split + "/" + e.Name(), Split: split,
					Bad: fmt.Sprintf("%s is not in a class folder: images go in %s", p, filepath.Join(sp, "<class>", e.Name()))})
				continue
			}
			s.classes[split] = append(s.classes[split], e.Name())
			if err := s.walkClass(seen, p, split+"/"+e.Name(), split, e.Name(), est); err != nil {
				return nil, err
			}
		}
		sort.Strings(s.classes[split])
	}
	return s, nil
}

// walkClass adds the files under a class folder, recursively (as
// ImageFolder does), in name order.
func (s *folderScan) walkClass(seen map[[2]uint64]string, path, rel, split, class string, st os.FileInfo) error {
	if err := markSeen(seen, path, st); err != nil {
		return err
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p, r := filepath.Join(path, e.Name()), rel+"/"+e.Name()
		est, err := os.Stat(p)
		f := folderFile{Rel: r, Split: split, Class: class}
		switch {
		case err != nil:
			f.Bad = fmt.Sprintf("%s: %v", p, err)
		case est.IsDir():
			if err := s.walkClass(seen, p, r, split, class, est); err != nil {
				return err
			}
			continue
		case !est.Mode().IsRegular():
			f.Bad = fmt.Sprintf("%s is not a regular file", p)
		case !imageExts[strings.ToLower(filepath.Ext(e.Name()))]:
			f.Bad = fmt.Sprintf("%s is not an image file by its name (transferlab reads .png, .jpg, .jpeg, .gif and .bmp)", p)
		default:
			f.Size, f.MTime = est.Size(), est.ModTime().UnixNano()
		}
		s.files = append(s.files, f)
	}
	return nil
}

// markSeen records a folder by device and inode, failing if it was seen
// before.
func markSeen(seen map[[2]uint64]string, path string, st os.FileInfo) error {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	id := [2]uint64{uint64(sys.Dev), uint64(sys.Ino)}
	if first, dup := seen[id]; dup {
		return fmt.Errorf("%s leads to a folder already read (%s): a symbolic link loop, or two links to one folder", path, first)
	}
	seen[id] = path
	return nil
}

// folderCacheVersion changes whenever the preparation's output or the
// cache's layout changes, so that no cache of an older version is used.
const folderCacheVersion = 2 // 2: with the content's SHA-256

// key fingerprints the listing and the preparation: every file's split,
// class, path, size and modification time.
func (s *folderScan) key(p Prep) string {
	h := sha256.New()
	fmt.Fprintf(h, "transferlab folder cache %d\x00%s\x00%s\x00%t\x00%d\x00", folderCacheVersion, p.invert(), p.fit(), p.Colour, len(s.files))
	var b [16]byte
	for _, f := range s.files {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", f.Split, f.Class, f.Rel, f.Bad)
		binary.LittleEndian.PutUint64(b[:8], uint64(f.Size))
		binary.LittleEndian.PutUint64(b[8:], uint64(f.MTime))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// folderCachePath is the cache file of a folder dataset: one per folder
// and preparation in <data dir>/folder-cache (the dataset's own folder may
// be read-only), replaced when the files change.
func (o Options) folderCachePath(dir string, p Prep) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	sum := sha256.Sum256([]byte(abs + "\x00" + p.invert() + "\x00" + p.fit() + "\x00" + fmt.Sprint(p.Colour)))
	return filepath.Join(o.dataDir(), "folder-cache", hex.EncodeToString(sum[:8])+".gob")
}

// folderCache is the cache file's content: per file of the listing, in
// order, its prepared pixels, whether it was inverted and why it could not
// be read ("" = it was).
type folderCache struct {
	Version  int
	Key      string
	Pixels   []byte
	Inverted []bool
	Bad      []string
	Sum      string // SHA-256 of the content: a damaged cache is a miss
}

// sum is the SHA-256 of a cache's content.
func (c folderCache) sum() string {
	h := sha256.New()
	h.Write(c.Pixels)
	for i, inv := range c.Inverted {
		fmt.Fprintf(h, "%d\x00%t\x00%s\x00", i, inv, c.Bad[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readFolderCache returns the cached preparation of n files when the cache
// holds the listing keyed key; any failure is a miss.
func readFolderCache(path, key string, n, imageBytes int) (px []byte, inv []bool, bad []string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, false
	}
	defer f.Close()
	// A cache holds imageBytes per file and a little more: a larger file
	// is not one of ours, and is not read.
	st, err := f.Stat()
	if err != nil || st.Size() > int64(n)*int64(imageBytes+512)+1<<20 {
		return nil, nil, nil, false
	}
	var c folderCache
	if err := gob.NewDecoder(f).Decode(&c); err != nil {
		return nil, nil, nil, false
	}
	if c.Version != folderCacheVersion || c.Key != key || len(c.Pixels) != n*imageBytes || len(c.Inverted) != n || len(c.Bad) != n || c.Sum != c.sum() {
		return nil, nil, nil, false
	}
	return c.Pixels, c.Inverted, c.Bad, true
}

func writeFolderCache(path, key string, px []byte, inv []bool, bad []string) error {
	return metrics.WriteAtomic(path, func(w io.Writer) error {
		c := folderCache{Version: folderCacheVersion, Key: key, Pixels: px, Inverted: inv, Bad: bad}
		c.Sum = c.sum()
		return gob.NewEncoder(w).Encode(c)
	})
}

// decodeFolder decodes and prepares every readable file of the listing on
// runtime.NumCPU() goroutines. A file that fails gets its reason in bad;
// cacheable is false when a failure may pass without the file changing
// (a permission, an I/O error), since the cache would keep it.
func decodeFolder(ctx context.Context, name string, s *folderScan, p Prep, progress io.Writer) (px []byte, inv []bool, bad []string, cacheable bool, err error) {
	n := len(s.files)
	size := p.imageBytes()
	px = make([]byte, n*size)
	inv = make([]bool, n)
	bad = make([]string, n)
	var transient atomic.Bool
	var done atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := s.files[i]
				if f.Bad == "" {
					prep, err := PrepareFile(filepath.Join(s.dir, filepath.FromSlash(f.Rel)), p)
					if err != nil {
						bad[i] = err.Error()
						if !errors.Is(err, ErrNotImage) {
							transient.Store(true)
						}
					} else {
						copy(px[i*size:], prep.Pixels)
						inv[i] = prep.Inverted
					}
				}
				done.Add(1)
			}
		}()
	}
	stop := make(chan struct{})
	var drawn sync.WaitGroup
	if progress != nil {
		drawn.Add(1)
		go func() {
			defer drawn.Done()
			start := time.Now()
			// Redrawn in place on a terminal; a plain line now and then
			// in a log.
			every, redraw, end := 100*time.Millisecond, "\r", ""
			if !console.IsTerminal(progress) {
				every, redraw, end = console.LineEvery, "", "\n"
			}
			t := time.NewTicker(every)
			defer t.Stop()
			draw := func() {
				d := int(done.Load())
				fmt.Fprintf(progress, "%s%s: preparing images %d/%d  %.0f images/s  %s%s", redraw, name, d, n, float64(d)/max(time.Since(start).Seconds(), 1e-3), console.ETA(start, d, n), end)
			}
			for {
				select {
				case <-t.C:
					draw()
				case <-stop:
					draw()
					if end == "" {
						fmt.Fprintln(progress)
					}
					return
				}
			}
		}()
	}
feed:
	for i := range s.files {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(stop)
	drawn.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, false, err
	}
	return px, inv, bad, !transient.Load(), nil
}

// splits builds the train and test splits from the listing and the
// prepared pixels, checking the classes: every class folder of train/ must
// hold images, test/ must not name a class train/ lacks, and every class
// must have test images.
func (s *folderScan) splits(name string, px []byte, p Prep, o FolderOptions) (*Folder, error) {
	classes := s.classes[SplitTrain]
	if len(classes) == 0 {
		return nil, fmt.Errorf("%s holds no class folders: images go in train/<class>/", filepath.Join(s.dir, SplitTrain))
	}
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	byClass := map[string][][]int{SplitTrain: make([][]int, len(classes)), SplitTest: make([][]int, len(classes))}
	for i, f := range s.files {
		if f.Bad != "" || f.Class == "" {
			continue
		}
		c, ok := index[f.Class]
		if !ok {
			continue // a class only test/ has: refused below
		}
		byClass[f.Split][c] = append(byClass[f.Split][c], i)
	}
	for _, split := range []string{SplitTrain, SplitTest} {
		for _, c := range s.classes[split] {
			if _, ok := index[c]; !ok {
				return nil, fmt.Errorf("class %q has a test folder (%s) but no training folder %s: the network could never predict it",
					c, filepath.Join(s.dir, SplitTest, c), filepath.Join(s.dir, SplitTrain, c))
			}
			if len(byClass[split][index[c]]) == 0 {
				return nil, fmt.Errorf("class %q: %s holds no images", c, filepath.Join(s.dir, split, c))
			}
		}
	}
	train, test := byClass[SplitTrain], byClass[SplitTest]
	if s.hasTest {
		for c, idx := range test {
			if len(idx) == 0 {
				return nil, fmt.Errorf("class %q has no test images: %s is missing; give every class a test folder, or remove test/ to hold out a share of train/",
					classes[c], filepath.Join(s.dir, SplitTest, classes[c]))
			}
		}
	} else {
		frac := o.TestFraction
		if frac == 0 {
			frac = DefaultTestFraction
		}
		train, test = make([][]int, len(classes)), make([][]int, len(classes))
		for c, idx := range byClass[SplitTrain] {
			tr, te, err := holdout(idx, frac, o.Seed, classes[c])
			if err != nil {
				return nil, fmt.Errorf("class %q (%s): %w", classes[c], filepath.Join(s.dir, SplitTrain, classes[c]), err)
			}
			train[c], test[c] = tr, te
		}
	}
	mk := func(split string, idx [][]int) *Split {
		ch, rows, cols := p.Shape()
		size := p.imageBytes()
		out := &Split{Dataset: name, Name: split, Channels: ch, Rows: rows, Cols: cols, Classes: append([]string(nil), classes...)}
		for c, items := range idx {
			for _, i := range items {
				out.Pixels = append(out.Pixels, px[i*size:(i+1)*size]...)
				out.Labels = append(out.Labels, int64(c))
			}
		}
		return out
	}
	return &Folder{Train: mk(SplitTrain, train), Test: mk(SplitTest, test)}, nil
}

// holdout splits one class's items (in file order) into train and test:
// round(frac*n) test items, at least one and leaving at least one, chosen
// by a generator seeded with the seed and the class name, so a class's
// split does not change when other classes are added or removed. Both
// parts keep file order.
func holdout(idx []int, frac float64, seed int64, class string) (train, test []int, err error) {
	n := len(idx)
	if n < 2 {
		return nil, nil, fmt.Errorf("%d image: holding out test images needs 2 or more per class (or give a test/ folder)", n)
	}
	k := min(max(int(math.Round(frac*float64(n))), 1), n-1)
	h := fnv.New64a()
	h.Write([]byte(class))
	r := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	isTest := make([]bool, n)
	for _, j := range r.Perm(n)[:k] {
		isTest[j] = true
	}
	for j, i := range idx {
		if isTest[j] {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test, nil
}
