package data

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testImages = "emnist-letters-test-images-idx3-ubyte.gz"
	testLabels = "emnist-letters-test-labels-idx1-ubyte.gz"
)

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// Each file extracted from the archive is capped: the label files at
// their registry sizes, the image files (no size known) at a bound from
// their count and image size. An entry past its cap fails the fetch and
// leaves nothing, whether its header declares its size or not (a deflate
// bomb of 8 MB of zeros takes 8 KB in the zip).
func TestFetchEMNISTCapsEachExtractedFile(t *testing.T) {
	d, content := fakeEMNIST(t)
	imgCap, lblCap := maxExtracted(d, d.Test.Images), maxExtracted(d, d.Test.Labels)
	if lblCap != d.Test.Labels.Size || imgCap != gzipBound(16+52*6*5) {
		t.Fatalf("caps %d and %d, want the label file's size %d and gzipBound of the images' IDX size", lblCap, imgCap, d.Test.Labels.Size)
	}
	longLabels := append(append([]byte(nil), content[testLabels]...), make([]byte, 100)...)
	for _, c := range []struct {
		name string
		mode zipMode
		file string
		data []byte
		want string
	}{
		{"images, size in the header", zipDeflateSizes, testImages, make([]byte, 8<<20),
			fmt.Sprintf("declares %d bytes, more than the %d", 8<<20, imgCap)},
		{"images, size after the data", zipDeflateDescr, testImages, make([]byte, 8<<20),
			fmt.Sprintf("holds more than the %d bytes", imgCap)},
		{"labels longer than their size", zipStoredSizes, testLabels, longLabels,
			fmt.Sprintf("declares %d bytes, more than the %d", len(longLabels), lblCap)},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := map[string][]byte{}
			for k, v := range content {
				bad[k] = v
			}
			bad[c.file] = c.data
			srv := &testServer{files: map[string][]byte{"/gzip.zip": emnistZip(t, c.mode, bad, "")}}
			opts := Options{DataDir: t.TempDir(), URLs: map[string][]string{d.Name: {startServer(t, srv) + "/gzip.zip"}}}
			err := fetchDataset(context.Background(), io.Discard, d, opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, c.file, c.want)
			}
			assertFiles(t, filepath.Join(opts.DataDir, d.Name))
		})
	}
}

// With a published MD5 the archive is read whole, its MD5 computed as it
// arrives (across a resumed transfer too) and compared: a mismatch is a
// warning line naming both MD5s, said before the files are taken on their
// CRC-32s; a match is said too.
func TestFetchEMNISTChecksTheArchiveMD5(t *testing.T) {
	t.Run("mismatch", func(t *testing.T) {
		d, _, srv, opts := zipSetup(t, zipStoredSizes, "")
		var out bytes.Buffer
		if err := fetchDataset(context.Background(), &out, d, opts); err != nil {
			t.Fatal(err)
		}
		got, want := md5hex(srv.files["/EMNIST/gzip.zip"]), "58c8d27c78d21e728a6bc7b3cc06412e"
		report := out.String()
		warning := strings.Index(report, "WARNING: gzip.zip from ")
		if warning < 0 || !strings.Contains(report[warning:], "has MD5 "+got+", but the published MD5 is "+want) {
			t.Fatalf("no warning naming MD5 %s and the published %s:\n%s", got, want, report)
		}
		if extracted := strings.Index(report, "extracted from"); extracted < warning {
			t.Errorf("the warning comes after the files were taken:\n%s", report)
		}
		if skippedFiller(srv.log()) {
			t.Errorf("parts of the archive were skipped, so its MD5 cannot have been computed: %v", srv.log())
		}
		assertFiles(t, filepath.Join(opts.DataDir, d.Name), append(letterFiles, SumsFile)...)
	})
	t.Run("match, across a resumed transfer", func(t *testing.T) {
		d, _, srv, opts := zipSetup(t, zipStoredSizes, "")
		got := md5hex(srv.files["/EMNIST/gzip.zip"])
		d.Archive.MD5 = got
		srv.breakAfter, srv.breaks = 200<<10, 1
		var out bytes.Buffer
		if err := fetchDataset(context.Background(), &out, d, opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "gzip.zip MD5 "+got+" ok") || strings.Contains(out.String(), "WARNING") {
			t.Fatalf("report:\n%s", out.String())
		}
		if log := strings.Join(srv.log(), "\n"); !strings.Contains(log, "bytes=204800-") {
			t.Fatalf("no resume at byte 204800:\n%s", log)
		}
	})
	t.Run("the warning reaches a load that downloads", func(t *testing.T) {
		d, _, _, opts := zipSetup(t, zipStoredSizes, "")
		var progress bytes.Buffer
		opts.Download, opts.Progress = true, &progress
		if _, err := loadRegistered(context.Background(), d, SplitTest, opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(progress.String(), "WARNING: gzip.zip from ") {
			t.Fatalf("progress output lacks the MD5 warning:\n%s", progress.String())
		}
	})
}

// The extracted files' SHA-256 are recorded beside them; verify, load
// and fetch check the files against them: a file whose content changed
// is reported (and re-fetched), even though it is still a well-formed
// IDX file of the right count and the registry knows no sum for it.
func TestFetchEMNISTRecordsTheExtractedSums(t *testing.T) {
	d, content, _, opts := zipSetup(t, zipStoredSizes, "")
	ctx := context.Background()
	if err := fetchDataset(ctx, io.Discard, d, opts); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(opts.DataDir, d.Name)
	m, err := readSums(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range letterFiles {
		if r := m.Files[f]; r.SHA256 != sha(content[f]) || r.Size != int64(len(content[f])) {
			t.Errorf("%s recorded as %+v, want sha256 %s, %d bytes", f, r, sha(content[f]), len(content[f]))
		}
	}
	var out bytes.Buffer
	if !verifyDataset(ctx, &out, d, true, opts) {
		t.Fatalf("verify failed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), testImages+" sha256 ok (recorded when extracted)") {
		t.Errorf("verify did not check the recorded sum:\n%s", out.String())
	}

	// Another well-formed file of the same count and size (so that only
	// its sum tells) replaces the test images: one pixel differs.
	var changed []byte
	px := synth{n: 52, rows: 6, cols: 5, classes: 26, base: 1}.pixels()
	for i := 0; i < len(px) && changed == nil; i++ {
		px[i]++
		if b := gzipped(t, idxBytes(t, []int{52, 6, 5}, px)); len(b) == len(content[testImages]) {
			changed = b
		}
		px[i]--
	}
	if changed == nil {
		t.Fatal("no one-pixel change keeps the file's size")
	}
	path := filepath.Join(dir, testImages)
	writeFile(t, path, changed)
	out.Reset()
	if verifyDataset(ctx, &out, d, true, opts) {
		t.Fatalf("verify passed a changed file:\n%s", out.String())
	}
	if !strings.Contains(out.String(), path+" SHA256 MISMATCH") || !strings.Contains(out.String(), "recorded in "+filepath.Join(dir, SumsFile)) {
		t.Errorf("verify does not name the changed file and the recorded sum:\n%s", out.String())
	}
	_, err = loadRegistered(ctx, d, SplitTest, opts)
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Path != path || ce.Recorded == "" {
		t.Fatalf("load of a changed file: %v", err)
	}
	out.Reset()
	if err := fetchDataset(ctx, &out, d, opts); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content[testImages]) || !strings.Contains(out.String(), path+" is bad") {
		t.Fatalf("fetch did not replace the changed file:\n%s", out.String())
	}
}
