package data

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// realDir is the local install holding all of a registry dataset's real
// files (setup-libtorch.sh installs them); the test is skipped, saying
// so, when there is none.
func realDir(t testing.TB, name string) (Dataset, string) {
	t.Helper()
	d, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var tried []string
	for _, l := range d.Local {
		for _, dir := range l.Dirs() {
			complete := true
			for _, f := range d.Files() {
				if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
					complete = false
				}
			}
			if complete {
				return d, dir
			}
			tried = append(tried, dir)
		}
		tried = append(tried, l.What+" ("+l.Install+")")
	}
	t.Skipf("no local install of %s: tried %s", name, strings.Join(tried, ", "))
	return d, ""
}

// noNetwork is an HTTP client that fails every request.
var noNetwork = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
	return nil, errors.New("test: no network")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The real MNIST and Fashion-MNIST files: their SHA-256 sums, their
// content, and a fetch into the data dir that copies them with no network.
func TestRealMNISTAndFashion(t *testing.T) {
	for _, c := range []struct {
		name                 string
		trainCounts          []int
		testCounts           []int
		firstTrain, firstTst int64
		mean                 float64 // mean pixel of the training set, in [0,1]
	}{
		{"mnist", []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
			[]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 5, 7, 0.1307},
		{"fashion", []int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
			[]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 9, 9, 0.2860},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, dir := realDir(t, c.name)
			for _, f := range d.Files() {
				if err := checkFile(filepath.Join(dir, f.Name), f); err != nil {
					t.Fatalf("real file: %v", err)
				}
			}
			opts := Options{DataDir: t.TempDir(), Client: noNetwork}
			for _, split := range []string{"train", "test"} {
				s, err := Load(context.Background(), c.name, split, opts)
				if err != nil {
					t.Fatal(err)
				}
				counts := make([]int, len(s.Classes))
				for _, l := range s.Labels {
					counts[l]++
				}
				want, first := c.trainCounts, c.firstTrain
				if split == "test" {
					want, first = c.testCounts, c.firstTst
				}
				if !reflect.DeepEqual(counts, want) || s.Labels[0] != first || s.Rows != 28 || s.Cols != 28 {
					t.Fatalf("%s: counts %v first label %d, %dx%d", split, counts, s.Labels[0], s.Rows, s.Cols)
				}
				if split == "train" {
					var sum int64
					for _, p := range s.Pixels {
						sum += int64(p)
					}
					if mean := float64(sum) / float64(len(s.Pixels)) / 255; mean < c.mean-0.0005 || mean > c.mean+0.0005 {
						t.Fatalf("mean pixel %.4f, want %.4f", mean, c.mean)
					}
				}
			}
			var out bytes.Buffer
			if err := Fetch(context.Background(), &out, []string{c.name}, opts); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out.String(), "copied from "+dir); n != 4 {
				t.Fatalf("fetch copied %d files from %s:\n%s", n, dir, out.String())
			}
			out.Reset()
			if err := Verify(context.Background(), &out, []string{c.name}, true, opts); err != nil {
				t.Fatalf("verify: %v\n%s", err, out.String())
			}
			if n := strings.Count(out.String(), "sha256 ok"); n != 4 || !strings.Contains(out.String(), c.name+" test: ok (10000 images of 28x28") {
				t.Fatalf("verify:\n%s", out.String())
			}
			st, err := Inspect(c.name, opts, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range st.Files {
				if f.Source != "data dir" || f.Check != "sha256 ok" {
					t.Fatalf("after fetch: %+v", f)
				}
				if info, _ := os.Stat(f.Path); info.Mode().Perm() != 0o644 {
					t.Fatalf("%s: mode %v", f.Path, info.Mode())
				}
			}
		})
	}
}

// Downloading the real MNIST test files from a (test) official source.
func TestRealMNISTDownload(t *testing.T) {
	d, dir := realDir(t, "mnist")
	srv := &testServer{files: map[string][]byte{}}
	for _, f := range d.Files() {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		srv.files["/exdb/mnist/"+f.Name] = b
	}
	srv.breakAfter, srv.breaks = 500000, 1
	url := startServer(t, srv)
	opts := Options{DataDir: t.TempDir(), Download: true, LocalDirs: noLocal(), RetryWait: 1,
		URLs: map[string][]string{"mnist": {url + "/exdb/mnist/"}}}
	s, err := Load(context.Background(), "mnist", "test", opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10000 {
		t.Fatalf("%d images", s.Len())
	}
	assertFiles(t, filepath.Join(opts.DataDir, "mnist"), "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
}

// Parsing all 60,000 MNIST training images (gzip, SHA-256, IDX checks)
// into a Split.
func BenchmarkLoadMNISTTrain(b *testing.B) {
	realDir(b, "mnist")
	opts := Options{DataDir: b.TempDir(), Client: noNetwork}
	for b.Loop() {
		s, err := Load(context.Background(), "mnist", "train", opts)
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != 60000 {
			b.Fatal(s.Len())
		}
	}
}
