package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// idxBytes encodes an IDX file of unsigned bytes, raw.
func idxBytes(t testing.TB, dims []int, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeIDX(&b, &IDX{Dims: dims, Data: data}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawIDX encodes an IDX header by hand (any magic, any dims) followed by data.
func rawIDX(magic uint32, dims []uint32, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// synth is a synthetic split in the official formats: n images of
// rows x cols whose pixels encode the item and position, labels
// base + i%classes.
type synth struct {
	n, rows, cols, classes, base int
}

func (s synth) labels() []byte {
	l := make([]byte, s.n)
	for i := range l {
		l[i] = byte(s.base + i%s.classes)
	}
	return l
}

func (s synth) pixels() []byte {
	p := make([]byte, s.n*s.rows*s.cols)
	for i := range p {
		p[i] = byte(i*7 + i/(s.rows*s.cols))
	}
	return p
}

// files returns the gzipped image and label files.
func (s synth) files(t testing.TB) (images, labels []byte) {
	return gzipped(t, idxBytes(t, []int{s.n, s.rows, s.cols}, s.pixels())),
		gzipped(t, idxBytes(t, []int{s.n}, s.labels()))
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeDataset is a registry-like dataset whose four files are synthetic,
// with their real sizes and sums; content maps file names to bytes.
func fakeDataset(t testing.TB, name string, train, test synth) (Dataset, map[string][]byte) {
	t.Helper()
	d := Dataset{Name: name, Title: "test", Rows: train.rows, Cols: train.cols, LabelBase: train.base,
		URLs: []string{"http://invalid.example/"}}
	for i := 0; i < train.classes; i++ {
		d.Classes = append(d.Classes, string(rune('a'+i)))
	}
	content := map[string][]byte{}
	mk := func(s synth, prefix string) SplitFiles {
		img, lbl := s.files(t)
		sf := SplitFiles{Count: s.n,
			Images: File{prefix + "-images-idx3-ubyte.gz", int64(len(img)), sha(img)},
			Labels: File{prefix + "-labels-idx1-ubyte.gz", int64(len(lbl)), sha(lbl)},
		}
		content[sf.Images.Name], content[sf.Labels.Name] = img, lbl
		return sf
	}
	d.Train, d.Test = mk(train, "train"), mk(test, "t10k")
	return d, content
}

// realLabelFile is one of the real EMNIST letters label files kept in
// testdata/emnist-letters (its README gives their source and SHA-256).
func realLabelFile(name string) string {
	return filepath.Join("testdata", "emnist-letters", name)
}

// noLocal makes Options search no local installs for the registry datasets.
func noLocal() map[string][]string {
	m := map[string][]string{}
	for _, n := range Names() {
		m[n] = nil
	}
	return m
}
