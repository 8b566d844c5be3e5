package data

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// writeSplit writes one split of an idx:DIR dataset, gzipped: n images of
// rows x cols and the labels given.
func writeSplit(t *testing.T, dir, prefix string, rows, cols int, labels []byte) (imgPath, lblPath string) {
	t.Helper()
	n := len(labels)
	imgPath = filepath.Join(dir, prefix+"-images-idx3-ubyte.gz")
	lblPath = filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz")
	writeFile(t, imgPath, gzipped(t, idxBytes(t, []int{n, rows, cols}, synth{n: n, rows: rows, cols: cols, classes: 1}.pixels())))
	writeFile(t, lblPath, gzipped(t, idxBytes(t, []int{n}, labels)))
	return imgPath, lblPath
}

// cycle is n labels 0, 1, ..., k-1, 0, 1, ...
func cycle(n, k int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % k)
	}
	return l
}

// An idx:DIR dataset is checked as a whole when either split is loaded:
// what would otherwise train an epoch and then fail in libtorch (images
// not 28x28, splits of different sizes) or quietly add classes (a test
// label the training split lacks, labels with gaps) is an error naming
// the file.
func TestLoadIDXDirChecksTheWholeDataset(t *testing.T) {
	type paths struct{ trainImg, trainLbl, testImg, testLbl string }
	for _, c := range []struct {
		name  string
		write func(t *testing.T, dir string) paths
		want  func(p paths) []string
	}{
		{"images not 28x28", func(t *testing.T, dir string) (p paths) {
			p.trainImg, p.trainLbl = writeSplit(t, dir, "train", 32, 32, cycle(20, 10))
			p.testImg, p.testLbl = writeSplit(t, dir, "t10k", 32, 32, cycle(10, 10))
			return p
		}, func(p paths) []string { return []string{p.trainImg, "32x32", "28x28"} }},
		{"test images of another size", func(t *testing.T, dir string) (p paths) {
			p.trainImg, p.trainLbl = writeSplit(t, dir, "train", 28, 28, cycle(20, 10))
			p.testImg, p.testLbl = writeSplit(t, dir, "t10k", 20, 20, cycle(10, 10))
			return p
		}, func(p paths) []string { return []string{p.testImg, "20x20", "28x28"} }},
		{"test label outside the training classes", func(t *testing.T, dir string) (p paths) {
			p.trainImg, p.trainLbl = writeSplit(t, dir, "train", 28, 28, cycle(20, 10))
			labels := cycle(10, 10)
			labels[3] = 200
			p.testImg, p.testLbl = writeSplit(t, dir, "t10k", 28, 28, labels)
			return p
		}, func(p paths) []string { return []string{p.testLbl, "label 200 of item 3", "0..9"} }},
		{"training labels with a gap", func(t *testing.T, dir string) (p paths) {
			labels := cycle(21, 3)
			for i := range labels {
				if labels[i] == 2 {
					labels[i] = 200
				}
			}
			p.trainImg, p.trainLbl = writeSplit(t, dir, "train", 28, 28, labels)
			p.testImg, p.testLbl = writeSplit(t, dir, "t10k", 28, 28, cycle(10, 2))
			return p
		}, func(p paths) []string { return []string{p.trainLbl, "200", "2..199"} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			want := c.want(c.write(t, dir))
			for _, split := range []string{SplitTrain, SplitTest} {
				_, err := Load(context.Background(), "idx:"+dir, split, Options{})
				if err == nil {
					t.Fatalf("%s split loaded", split)
				}
				t.Logf("%s: %v", split, err)
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s split: error %q lacks %q", split, err, w)
					}
				}
			}
		})
	}
}

// A folder with only a test split (to evaluate a network on) loads; its
// own labels give the classes.
func TestLoadIDXDirWithOnlyATestSplit(t *testing.T) {
	dir := t.TempDir()
	writeSplit(t, dir, "t10k", 28, 28, cycle(10, 5))
	s, err := Load(context.Background(), "idx:"+dir, SplitTest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10 || len(s.Classes) != 5 {
		t.Fatalf("%d images, %d classes; want 10 and 5", s.Len(), len(s.Classes))
	}
	if _, err := Load(context.Background(), "idx:"+dir, SplitTrain, Options{}); err == nil || !strings.Contains(err.Error(), "no train image file") {
		t.Fatalf("train split of a test-only folder: %v", err)
	}
}
