package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// How a synthetic gzip.zip stores its entries.
type zipMode int

const (
	zipStoredSizes  zipMode = iota // stored, sizes in the local header (Info-ZIP's way for .gz files)
	zipDeflateSizes                // deflated, sizes in the local header
	zipDeflateDescr                // deflated, sizes in a data descriptor after the data (streaming writers)
)

type zipFile struct {
	name string
	data []byte
}

func buildZip(t testing.TB, mode zipMode, files []zipFile) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	if _, err := zw.Create("gzip/"); err != nil { // a folder entry, as zip -r writes
		t.Fatal(err)
	}
	for _, f := range files {
		var w io.Writer
		var err error
		switch mode {
		case zipStoredSizes:
			w, err = zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(f.data),
				CompressedSize64: uint64(len(f.data)), UncompressedSize64: uint64(len(f.data))})
			if err == nil {
				_, err = w.Write(f.data)
			}
		case zipDeflateSizes:
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestSpeed)
			fw.Write(f.data)
			fw.Close()
			w, err = zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(f.data),
				CompressedSize64: uint64(c.Len()), UncompressedSize64: uint64(len(f.data))})
			if err == nil {
				_, err = w.Write(c.Bytes())
			}
		case zipDeflateDescr:
			w, err = zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
			if err == nil {
				_, err = w.Write(f.data)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeEMNIST is the emnist-letters registry entry with small synthetic
// files: like the real entry, label sums known, image sums not.
func fakeEMNIST(t testing.TB) (Dataset, map[string][]byte) {
	d, _ := Lookup("emnist-letters")
	content := map[string][]byte{}
	mk := func(sf SplitFiles, s synth) SplitFiles {
		img, lbl := s.files(t)
		content[sf.Images.Name], content[sf.Labels.Name] = img, lbl
		sf.Count = s.n
		sf.Images.Size, sf.Images.SHA256 = 0, ""
		sf.Labels.Size, sf.Labels.SHA256 = int64(len(lbl)), sha(lbl)
		return sf
	}
	d.Rows, d.Cols = 6, 5
	d.Train = mk(d.Train, synth{n: 260, rows: 6, cols: 5, classes: 26, base: 1})
	d.Test = mk(d.Test, synth{n: 52, rows: 6, cols: 5, classes: 26, base: 1})
	return d, content
}

// emnistZip is a gzip.zip holding the letters files among others: 3 MB
// of incompressible filler first, so that skipping it is worth a Range
// request.
func emnistZip(t testing.TB, mode zipMode, content map[string][]byte, drop string) []byte {
	filler := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range filler {
		filler[i] = byte(rng.Uint32())
	}
	files := []zipFile{{"gzip/emnist-balanced-train-images-idx3-ubyte.gz", filler}}
	for _, name := range []string{
		"emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz",
		"emnist-letters-train-images-idx3-ubyte.gz", "emnist-letters-train-labels-idx1-ubyte.gz",
	} {
		if name != drop {
			files = append(files, zipFile{"gzip/" + name, content[name]})
		}
	}
	files = append(files, zipFile{"gzip/emnist-mnist-test-labels-idx1-ubyte.gz", []byte("tail")})
	return buildZip(t, mode, files)
}

func zipSetup(t *testing.T, mode zipMode, drop string) (Dataset, map[string][]byte, *testServer, Options) {
	d, content := fakeEMNIST(t)
	srv := &testServer{files: map[string][]byte{"/EMNIST/gzip.zip": emnistZip(t, mode, content, drop)}}
	url := startServer(t, srv)
	opts := Options{DataDir: t.TempDir(), RetryWait: time.Millisecond,
		URLs: map[string][]string{d.Name: {url + "/EMNIST/gzip.zip"}}}
	return d, content, srv, opts
}

var letterFiles = []string{
	"emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz",
	"emnist-letters-train-images-idx3-ubyte.gz", "emnist-letters-train-labels-idx1-ubyte.gz",
}

func TestFetchEMNISTStreamsTheLettersFilesOutOfTheZip(t *testing.T) {
	for name, mode := range map[string]zipMode{"stored": zipStoredSizes, "deflate": zipDeflateSizes, "deflate+descriptor": zipDeflateDescr} {
		t.Run(name, func(t *testing.T) {
			d, content, srv, opts := zipSetup(t, mode, "")
			d.Archive.MD5 = "" // none published: what is not needed is skipped (with one, see TestFetchEMNISTChecksTheArchiveMD5)
			var out, progress bytes.Buffer
			opts.Progress = &progress
			if err := fetchDataset(context.Background(), &out, d, opts); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(opts.DataDir, d.Name)
			assertFiles(t, dir, append(letterFiles, SumsFile)...)
			for _, f := range letterFiles {
				got, _ := os.ReadFile(filepath.Join(dir, f))
				if !bytes.Equal(got, content[f]) {
					t.Errorf("%s differs from the zip's entry", f)
				}
			}
			if !strings.Contains(out.String(), "zip CRC-32 ok") || !strings.Contains(out.String(), "ready in") {
				t.Errorf("report %q", out.String())
			}
			if mode != zipDeflateDescr && !skippedFiller(srv.log()) {
				t.Errorf("the 3 MB filler entry was downloaded, not skipped with a Range request: %v", srv.log())
			}
			s, err := loadRegistered(context.Background(), d, "test", opts)
			if err != nil || s.Len() != 52 || s.Labels[51] != 25 || s.Rows != 5 || s.Cols != 6 {
				t.Fatalf("load after fetch: %v", err)
			}
			// A second fetch finds everything in place and downloads nothing.
			srv.mu.Lock()
			srv.requests = nil
			srv.mu.Unlock()
			if err := fetchDataset(context.Background(), io.Discard, d, opts); err != nil || len(srv.log()) != 0 {
				t.Fatalf("second fetch: %v, requests %v", err, srv.log())
			}
		})
	}
}

// skippedFiller: a request asked for the zip from past the filler entry.
func skippedFiller(log []string) bool {
	for _, l := range log {
		_, rng, _ := strings.Cut(l, " bytes=")
		if n, err := strconv.Atoi(strings.TrimSuffix(rng, "-")); err == nil && n > 3<<20 {
			return true
		}
	}
	return false
}

// A connection reset while streaming the zip is resumed with Range.
func TestFetchEMNISTResumesTheZipAfterAReset(t *testing.T) {
	d, _, srv, opts := zipSetup(t, zipDeflateDescr, "")
	srv.breakAfter, srv.breaks = 200<<10, 1
	if err := fetchDataset(context.Background(), io.Discard, d, opts); err != nil {
		t.Fatal(err)
	}
	if log := strings.Join(srv.log(), "\n"); !strings.Contains(log, "bytes=204800-") {
		t.Fatalf("no resume at byte 204800:\n%s", log)
	}
	assertFiles(t, filepath.Join(opts.DataDir, d.Name), append(letterFiles, SumsFile)...)
}

func TestFetchEMNISTBadArchives(t *testing.T) {
	t.Run("corrupt entry", func(t *testing.T) {
		d, content, srv, opts := zipSetup(t, zipStoredSizes, "")
		z := srv.files["/EMNIST/gzip.zip"]
		img := content["emnist-letters-train-images-idx3-ubyte.gz"]
		at := bytes.Index(z, img)
		z[at+len(img)/2] ^= 0x55
		err := fetchDataset(context.Background(), io.Discard, d, opts)
		if err == nil || !strings.Contains(err.Error(), "CRC-32") {
			t.Fatalf("error %v, want a CRC-32 mismatch", err)
		}
		assertFiles(t, filepath.Join(opts.DataDir, d.Name))
	})
	t.Run("entry missing", func(t *testing.T) {
		d, _, _, opts := zipSetup(t, zipStoredSizes, "emnist-letters-test-labels-idx1-ubyte.gz")
		err := fetchDataset(context.Background(), io.Discard, d, opts)
		if err == nil || !strings.Contains(err.Error(), "holds no gzip/emnist-letters-test-labels-idx1-ubyte.gz") {
			t.Fatalf("error %v", err)
		}
		assertFiles(t, filepath.Join(opts.DataDir, d.Name))
	})
	t.Run("images and labels disagree", func(t *testing.T) {
		d, content := fakeEMNIST(t)
		content["emnist-letters-test-images-idx3-ubyte.gz"], _ = synth{n: 51, rows: 6, cols: 5, classes: 26, base: 1}.files(t)
		srv := &testServer{files: map[string][]byte{"/gzip.zip": emnistZip(t, zipStoredSizes, content, "")}}
		opts := Options{DataDir: t.TempDir(), URLs: map[string][]string{d.Name: {startServer(t, srv) + "/gzip.zip"}}}
		err := fetchDataset(context.Background(), io.Discard, d, opts)
		if err == nil || !strings.Contains(err.Error(), "holds 51 images but") {
			t.Fatalf("error %v", err)
		}
		assertFiles(t, filepath.Join(opts.DataDir, d.Name))
	})
	t.Run("not found", func(t *testing.T) {
		d, _, _, opts := zipSetup(t, zipStoredSizes, "")
		opts.URLs[d.Name] = []string{opts.URLs[d.Name][0] + ".missing"}
		err := fetchDataset(context.Background(), io.Discard, d, opts)
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("error %v", err)
		}
		assertFiles(t, filepath.Join(opts.DataDir, d.Name))
	})
	t.Run("not a zip", func(t *testing.T) {
		d, _, srv, opts := zipSetup(t, zipStoredSizes, "")
		srv.files["/EMNIST/gzip.zip"] = []byte("<html>maintenance</html>")
		err := fetchDataset(context.Background(), io.Discard, d, opts)
		if err == nil || !strings.Contains(err.Error(), "not a zip archive") {
			t.Fatalf("error %v", err)
		}
	})
}

// The real registry entry end to end: NIST's layout with the real label
// files (checked against the registry's sums) and synthetic images of the
// real counts, fetched from a test server; then loaded both ways.
func TestFetchEMNISTLettersWithTheRealLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 117 MB of synthetic images")
	}
	content := map[string][]byte{}
	for _, f := range []string{"emnist-letters-train-labels-idx1-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(realLabelFile(f))
		if err != nil {
			t.Fatalf("the real EMNIST label files are kept in data/testdata/emnist-letters: %v", err)
		}
		content[f] = b
	}
	// Every image is blank but for its top row, which is lit from the left
	// for as many pixels as the image's index mod 28 (as stored, that is
	// the left column once turned upright).
	mkImages := func(n int) []byte {
		px := make([]byte, n*28*28)
		for i := 0; i < n; i++ {
			for j := 0; j < i%28; j++ {
				px[i*784+j] = 255
			}
		}
		return gzipped(t, idxBytes(t, []int{n, 28, 28}, px))
	}
	content["emnist-letters-train-images-idx3-ubyte.gz"] = mkImages(124800)
	content["emnist-letters-test-images-idx3-ubyte.gz"] = mkImages(20800)
	srv := &testServer{files: map[string][]byte{"/gzip.zip": emnistZip(t, zipStoredSizes, content, "")}}
	opts := Options{DataDir: t.TempDir(), URLs: map[string][]string{EMNISTLetters: {startServer(t, srv) + "/gzip.zip"}}}
	var out bytes.Buffer
	if err := Fetch(context.Background(), &out, []string{"emnist-letters"}, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "emnist-letters: ready in") || !strings.Contains(out.String(), "124800 train, 20800 test") {
		t.Fatalf("report %q", out.String())
	}
	for _, orientation := range []string{"upright", "raw"} {
		opts.EMNISTOrientation = orientation
		s, err := Load(context.Background(), "emnist-letters", "test", opts)
		if err != nil {
			t.Fatal(err)
		}
		img := s.Image(5) // 5 pixels lit
		lit := func(r, c int) bool { return img[r*28+c] == 255 }
		if orientation == "upright" && !(lit(4, 0) && !lit(5, 0) && !lit(0, 1)) ||
			orientation == "raw" && !(lit(0, 4) && !lit(0, 5) && !lit(1, 0)) {
			t.Errorf("%s: image 5 is not oriented as it should be", orientation)
		}
		if s.Len() != 20800 || s.Labels[0] != 0 || s.Labels[20799] != 25 || len(s.Classes) != 26 {
			t.Errorf("%s: %d labels, first %d, last %d", orientation, s.Len(), s.Labels[0], s.Labels[s.Len()-1])
		}
	}
}
