package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options say where datasets live and how they are read.
type Options struct {
	DataDir           string    // "" = DefaultDataDir()
	EMNISTOrientation string    // "upright" (default when "") or "raw"
	Download          bool      // allowed to download from the official source when not found locally
	Progress          io.Writer // progress output for downloads; nil = silent

	// URLs replace a dataset's official download locations, by dataset
	// name (tests and mirrors): base URLs the file names are appended to,
	// or for emnist-letters the URLs of gzip.zip itself.
	URLs map[string][]string
	// LocalDirs replace a dataset's known local installs, by dataset name;
	// a name present with no folders searches none.
	LocalDirs map[string][]string
	// Client makes the downloads; nil = a client with no overall timeout
	// (the context ends a download).
	Client *http.Client
	// RetryWait is the pause before re-requesting a download that broke
	// off (it grows with each try); 0 = one second.
	RetryWait time.Duration

	FolderOptions // folder:DIR datasets (folder.go)
}

// Orientations are the values of Options.EMNISTOrientation.
const (
	OrientationUpright = "upright"
	OrientationRaw     = "raw"
)

// CheckOrientation validates an EMNIST orientation ("" = upright).
func CheckOrientation(o string) error {
	switch o {
	case "", OrientationUpright, OrientationRaw:
		return nil
	}
	return fmt.Errorf("unknown EMNIST orientation %q: choose upright or raw", o)
}

func (o Options) dataDir() string {
	if o.DataDir != "" {
		return o.DataDir
	}
	return DefaultDataDir()
}

// dir is the folder of d's files in the data dir (an idx:DIR dataset's own
// folder).
func (o Options) dir(d Dataset) string {
	if d.Dir != "" {
		return d.Dir
	}
	return filepath.Join(o.dataDir(), d.Name)
}

func (o Options) urls(d Dataset) []string {
	if u, ok := o.URLs[d.Name]; ok {
		return u
	}
	return d.URLs
}

// place is a folder that may hold a dataset's files.
type place struct {
	Dir    string
	Source string // "data dir" or a local install's description
}

// places are the folders searched for d's files, in order: the data dir,
// then the known local installs.
func (o Options) places(d Dataset) []place {
	out := []place{{o.dir(d), "data dir"}}
	if d.Dir != "" {
		return out[:1]
	}
	if dirs, ok := o.LocalDirs[d.Name]; ok {
		for _, dir := range dirs {
			out = append(out, place{dir, "local folder"})
		}
		return out
	}
	for _, l := range d.Local {
		for _, dir := range l.Dirs() {
			out = append(out, place{dir, l.What})
		}
	}
	return out
}

// locate finds file f of d: the first place holding a regular file of
// that name. Whatever the data dir holds under that name is the file,
// even when it is no file (a folder, a link to a device): reading it then
// fails, naming it, where another copy would be used without a word.
func (o Options) locate(d Dataset, f File) (string, place, bool) {
	for i, p := range o.places(d) {
		path := filepath.Join(p.Dir, f.Name)
		if _, err := os.Lstat(path); err == nil && i == 0 {
			return path, p, true
		}
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			return path, p, true
		}
	}
	return "", place{}, false
}

// checkDataDir fails when the data dir given is there but is not a folder.
func (o Options) checkDataDir() error {
	if st, err := os.Stat(o.dataDir()); err == nil && !st.IsDir() {
		return fmt.Errorf("the data folder %s is not a folder (--data-dir, or TRANSFERLAB_DATA)", o.dataDir())
	}
	return nil
}

// MissingError is a dataset (split) whose files are not found; its message
// says how to get them.
type MissingError struct {
	Dataset  Dataset
	Split    string   // "" = the whole dataset
	Files    []string // the missing file names
	Searched []string // the folders searched
	URLs     []string // where 'data fetch' would download from
}

func (e *MissingError) Error() string {
	what := e.Dataset.Name
	if e.Split != "" {
		what += " (" + e.Split + " split)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "dataset %s not found: no %s in %s; ", what, strings.Join(e.Files, " or "), strings.Join(e.Searched, ", "))
	fmt.Fprintf(&b, "run 'transferlab data fetch %s'", e.Dataset.Name)
	switch {
	case e.Dataset.Archive != nil:
		fmt.Fprintf(&b, " (it downloads %s, %s, from %s: it needs internet)", e.Dataset.Archive.Name, e.Dataset.Archive.About, hostList(e.URLs))
	case len(e.Dataset.Local) > 0:
		var inst []string
		for _, l := range e.Dataset.Local {
			inst = append(inst, "'"+l.Install+"'")
		}
		fmt.Fprintf(&b, " (it copies the files from a local install if there is one, as %s makes, else downloads them from %s: that needs internet)",
			strings.Join(inst, " or "), hostList(e.URLs))
	case len(e.URLs) > 0:
		fmt.Fprintf(&b, " (it downloads from %s: it needs internet)", hostList(e.URLs))
	}
	return b.String()
}

func hostList(urls []string) string {
	if len(urls) == 0 {
		return "nowhere (no URL known)"
	}
	return strings.Join(urls, " or ")
}

// Load reads one split of a dataset into memory. name is a registry name
// (Names) or idx:DIR; split is train or test. The files are looked for in
// the data dir, then in known local installs, then, if opts.Download,
// downloaded from the official source into the data dir. Registry files
// are checked against their sizes and SHA-256 sums as they are read; every
// file is checked for its IDX structure, and the images against the labels.
func Load(ctx context.Context, name, split string, opts Options) (*Split, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if err := CheckOrientation(opts.EMNISTOrientation); err != nil {
		return nil, err
	}
	if d.Folder {
		return loadFolderSplit(ctx, d, split, opts)
	}
	if d.Dir != "" {
		return loadIDXDir(ctx, d, split)
	}
	return loadRegistered(ctx, d, split, opts)
}

func loadRegistered(ctx context.Context, d Dataset, split string, opts Options) (*Split, error) {
	sf, err := d.Split(split)
	if err != nil {
		return nil, err
	}
	if err := opts.checkDataDir(); err != nil {
		return nil, err
	}
	imgPath, _, okImg := opts.locate(d, sf.Images)
	lblPath, _, okLbl := opts.locate(d, sf.Labels)
	if !okImg || !okLbl {
		miss := opts.missing(d, split, sf, okImg, okLbl)
		if !opts.Download || len(opts.urls(d)) == 0 {
			return nil, miss
		}
		if err := fetchMissing(ctx, d, []SplitFiles{sf}, opts, nil); err != nil {
			return nil, fmt.Errorf("load %s/%s: %w", d.Name, split, err)
		}
		dir := opts.dir(d)
		imgPath, lblPath = filepath.Join(dir, sf.Images.Name), filepath.Join(dir, sf.Labels.Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sf, rec, err := withRecordedSplit(sf, imgPath, lblPath)
	if err != nil {
		return nil, fmt.Errorf("load %s/%s: %w", d.Name, split, err)
	}
	s, err := readSplit(ctx, d, split, sf, imgPath, lblPath)
	if err != nil {
		err = rec.note(err)
		var ce *ChecksumError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("load %s/%s: %w (re-fetch it: remove the file and run 'transferlab data fetch %s')", d.Name, split, err, d.Name)
		}
		return nil, fmt.Errorf("load %s/%s: %w", d.Name, split, err)
	}
	if d.Transposed && opts.EMNISTOrientation != OrientationRaw {
		s.transpose()
	}
	return s, nil
}

func (o Options) missing(d Dataset, split string, sf SplitFiles, haveImages, haveLabels bool) *MissingError {
	e := &MissingError{Dataset: d, Split: split, URLs: o.urls(d)}
	if !haveImages {
		e.Files = append(e.Files, sf.Images.Name)
	}
	if !haveLabels {
		e.Files = append(e.Files, sf.Labels.Name)
	}
	for _, p := range o.places(d) {
		e.Searched = append(e.Searched, p.Dir)
	}
	return e
}

// readSplit reads and cross-checks a split's two files. It compares the
// two headers (kinds, counts, image size) before it reads either body: a
// small gzip file can claim, and decompress to, a gigabyte of images, and
// a count that disagrees with the labels' must not cost that to find.
func readSplit(ctx context.Context, d Dataset, split string, sf SplitFiles, imgPath, lblPath string) (*Split, error) {
	lh, ih, err := splitHeaders(d, sf, imgPath, lblPath)
	if err != nil {
		return nil, err
	}
	lbl, _, err := readIDXFile(lblPath, sf.Labels)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, _, err := readIDXFile(imgPath, sf.Images)
	if err != nil {
		return nil, err
	}
	// The bodies were read by a second open: a file replaced in between
	// must still agree with the header that was checked.
	if !slices.Equal(lbl.Dims, lh.Dims) || !slices.Equal(img.Dims, ih.Dims) {
		return nil, fmt.Errorf("%s or %s changed while being read", imgPath, lblPath)
	}
	rows, cols := img.Dims[1], img.Dims[2]
	labels := make([]int64, len(lbl.Data))
	for i, v := range lbl.Data {
		l := int64(v) - int64(d.LabelBase)
		if l < 0 || l >= int64(len(d.Classes)) {
			return nil, fmt.Errorf("%s: label %d of item %d is outside %d..%d", lblPath, v, i, d.LabelBase, d.LabelBase+len(d.Classes)-1)
		}
		labels[i] = l
	}
	return &Split{Dataset: d.Name, Name: split, Rows: rows, Cols: cols, Pixels: img.Data, Labels: labels,
		Classes: append([]string(nil), d.Classes...)}, nil
}

// splitHeaders reads the headers of a split's label and image files and
// checks them against each other and against d and sf: the kinds of file,
// the same number of items in both (one error naming both files and both
// counts), the registry's count, and the image size.
func splitHeaders(d Dataset, sf SplitFiles, imgPath, lblPath string) (lh, ih *IDX, err error) {
	if lh, err = readIDXFileHeader(lblPath, sf.Labels); err != nil {
		return nil, nil, err
	}
	if lh.Magic() != MagicLabels {
		return nil, nil, fmt.Errorf("%s: IDX magic 0x%08x, want 0x%08x (a label file)", lblPath, lh.Magic(), MagicLabels)
	}
	if ih, err = readIDXFileHeader(imgPath, sf.Images); err != nil {
		return nil, nil, err
	}
	if ih.Magic() != MagicImages {
		return nil, nil, fmt.Errorf("%s: IDX magic 0x%08x, want 0x%08x (an image file)", imgPath, ih.Magic(), MagicImages)
	}
	if ih.Items() != lh.Items() {
		return nil, nil, fmt.Errorf("%s holds %d images but %s holds %d labels (by their IDX headers)", imgPath, ih.Items(), lblPath, lh.Items())
	}
	if sf.Count > 0 && ih.Items() != sf.Count {
		return nil, nil, fmt.Errorf("%s holds %d images, want %d", imgPath, ih.Items(), sf.Count)
	}
	if rows, cols := ih.Dims[1], ih.Dims[2]; d.Rows > 0 && (rows != d.Rows || cols != d.Cols) {
		return nil, nil, fmt.Errorf("%s: images of %dx%d pixels, want %dx%d", imgPath, rows, cols, d.Rows, d.Cols)
	}
	return lh, ih, nil
}

// transpose turns each image of a split stored column-major (EMNIST) upright.
func (s *Split) transpose() {
	r, c := s.Rows, s.Cols
	n := r * c
	out := make([]byte, len(s.Pixels))
	for k := 0; k < s.Len(); k++ {
		src, dst := s.Pixels[k*n:(k+1)*n], out[k*n:(k+1)*n]
		// src is r x c; dst is c x r with dst[j][i] = src[i][j].
		for i := 0; i < r; i++ {
			row := src[i*c : (i+1)*c]
			for j, v := range row {
				dst[j*r+i] = v
			}
		}
	}
	s.Pixels, s.Rows, s.Cols = out, c, r
}

// idxNames are the file names an idx:DIR split may use, in order of
// preference.
func idxNames(split, kind string) ([]string, error) {
	var prefixes []string
	switch split {
	case SplitTrain:
		prefixes = []string{"train"}
	case SplitTest:
		prefixes = []string{"t10k", "test"}
	default:
		return nil, fmt.Errorf("unknown split %q: choose train or test", split)
	}
	var out []string
	for _, p := range prefixes {
		for _, ext := range []string{".gz", ""} {
			out = append(out, p+"-"+kind+"-ubyte"+ext)
		}
	}
	return out, nil
}

func findIDX(dir, split, kind string) (string, error) {
	names, err := idxNames(split, kind)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("idx:%s: %w", dir, err)
	}
	return "", fmt.Errorf("idx:%s: no %s %s file: want one of %s", dir, split, strings.TrimSuffix(strings.SplitN(kind, "-", 2)[0], "s"), strings.Join(names, ", "))
}

// idxSide is the height and width of the images an idx:DIR dataset must
// hold: the networks' input (MNIST's size). Nothing resizes images, and a
// network fed another size fails in libtorch only after a whole epoch.
const idxSide = 28

// loadIDXDir reads a split of an idx:DIR dataset. Before it reads the
// split, it checks the dataset as a whole as far as its files are there
// (checkIDXDir): loading either split fails on a bad file of the other, so
// that a training run stops before its first epoch, not at the test after
// it.
func loadIDXDir(ctx context.Context, d Dataset, split string) (*Split, error) {
	imgPath, err := findIDX(d.Dir, split, "images-idx3")
	if err != nil {
		return nil, err
	}
	lblPath, err := findIDX(d.Dir, split, "labels-idx1")
	if err != nil {
		return nil, err
	}
	// The other split's files are optional: a folder may hold only a test
	// split (to evaluate on) or only a training split.
	var f idxDirFiles
	for _, s := range []string{SplitTrain, SplitTest} {
		img, lbl := imgPath, lblPath
		if s != split {
			img, _ = findIDX(d.Dir, s, "images-idx3")
			lbl, _ = findIDX(d.Dir, s, "labels-idx1")
		}
		if s == SplitTrain {
			f.trainImages, f.trainLabels = img, lbl
		} else {
			f.testImages, f.testLabels = img, lbl
		}
	}
	classes, err := checkIDXDir(f)
	if err != nil {
		return nil, fmt.Errorf("load %s/%s: %w", d.Name, split, err)
	}
	d.Classes = classes
	s, err := readSplit(ctx, d, split, SplitFiles{}, imgPath, lblPath)
	if err != nil {
		return nil, fmt.Errorf("load %s/%s: %w", d.Name, split, err)
	}
	return s, nil
}

// idxDirFiles are the paths of an idx:DIR dataset's files; "" = absent.
type idxDirFiles struct {
	trainImages, trainLabels, testImages, testLabels string
}

// checkIDXDir checks an idx:DIR dataset's files against each other and
// returns its classes, "0".."K-1". First the headers, which cost a few
// bytes each: the kinds of file, image and label counts per split, and
// images of 28x28 pixels in both splits. Then the labels. The training
// labels define the classes: they must be 0..K-1 with every value present
// (K <= 256, the labels being bytes), since a class no training image has
// can never be learnt and a gap is far more often labels that are not
// 0-based (EMNIST's 1..26) or a stray value than a wanted empty class. The
// test labels must lie in 0..K-1: a test label the training split lacks
// would quietly add a class the network cannot predict. Without training
// labels (a folder to evaluate on), the test labels define the classes,
// 0 to their largest value.
func checkIDXDir(f idxDirFiles) ([]string, error) {
	type split struct {
		name, images, labels string
		rows, cols           int
	}
	splits := []*split{{name: SplitTrain, images: f.trainImages, labels: f.trainLabels},
		{name: SplitTest, images: f.testImages, labels: f.testLabels}}
	for _, s := range splits {
		if s.images != "" {
			h, err := readIDXFileHeader(s.images, File{})
			if err != nil {
				return nil, err
			}
			if h.Magic() != MagicImages {
				return nil, fmt.Errorf("%s: IDX magic 0x%08x, want 0x%08x (an image file)", s.images, h.Magic(), MagicImages)
			}
			s.rows, s.cols = h.Dims[1], h.Dims[2]
			if s.labels != "" {
				lh, err := readIDXFileHeader(s.labels, File{})
				if err != nil {
					return nil, err
				}
				if lh.Magic() != MagicLabels {
					return nil, fmt.Errorf("%s: IDX magic 0x%08x, want 0x%08x (a label file)", s.labels, lh.Magic(), MagicLabels)
				}
				if h.Items() != lh.Items() {
					return nil, fmt.Errorf("%s holds %d images but %s holds %d labels (by their IDX headers)", s.images, h.Items(), s.labels, lh.Items())
				}
			}
		}
	}
	for i, s := range splits {
		if s.images == "" || (s.rows == idxSide && s.cols == idxSide) {
			continue
		}
		o := splits[1-i]
		if o.images != "" && o.rows == idxSide && o.cols == idxSide {
			return nil, fmt.Errorf("%s: images of %dx%d pixels, but %s holds %dx%d: both splits must hold %dx%d images, the networks' input",
				s.images, s.rows, s.cols, o.images, o.rows, o.cols, idxSide, idxSide)
		}
		return nil, fmt.Errorf("%s: images of %dx%d pixels: the networks take %dx%d images (MNIST's size); resize them",
			s.images, s.rows, s.cols, idxSide, idxSide)
	}

	k := 0
	if f.trainLabels != "" {
		x, _, err := readIDXFile(f.trainLabels, File{})
		if err != nil {
			return nil, err
		}
		var seen [256]bool
		for _, v := range x.Data {
			seen[v] = true
			k = max(k, int(v)+1)
		}
		if gaps := missingRanges(seen[:k]); gaps != "" {
			return nil, fmt.Errorf("%s: labels up to %d but none is %s: the classes of an idx:DIR dataset are 0..K-1 (K <= 256), each with training images",
				f.trainLabels, k-1, gaps)
		}
	}
	if f.testLabels != "" {
		x, _, err := readIDXFile(f.testLabels, File{})
		if err != nil {
			return nil, err
		}
		if f.trainLabels == "" {
			for _, v := range x.Data {
				k = max(k, int(v)+1)
			}
		}
		for i, v := range x.Data {
			if int(v) >= k {
				return nil, fmt.Errorf("%s: label %d of item %d is outside 0..%d, the classes of the training labels %s",
					f.testLabels, v, i, k-1, f.trainLabels)
			}
		}
	}
	classes := make([]string, k)
	for i := range classes {
		classes[i] = fmt.Sprint(i)
	}
	return classes, nil
}

// missingRanges lists the indexes where seen is false as ranges ("2..199,
// 201"), at most five of them; "" when there are none.
func missingRanges(seen []bool) string {
	var out []string
	for i := 0; i < len(seen); i++ {
		if seen[i] {
			continue
		}
		j := i
		for j+1 < len(seen) && !seen[j+1] {
			j++
		}
		if len(out) == 5 {
			out = append(out, "...")
			break
		}
		if j == i {
			out = append(out, fmt.Sprint(i))
		} else {
			out = append(out, fmt.Sprintf("%d..%d", i, j))
		}
		i = j
	}
	return strings.Join(out, ", ")
}
