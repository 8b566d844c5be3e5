package data

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A small gzip image file whose header claims 1,300,000 images of 28x28
// (1 GB) with labels that disagree on the count fails on the two headers,
// before any of the image data is read or its buffer allocated. The body
// is 1 MB of incompressible bytes, so the file is large enough (deflate
// expands at most 1032:1) that reading it would size its buffer from the
// header at once.
func TestLoadComparesTheHeadersBeforeReadingTheData(t *testing.T) {
	const claimed = 1_300_000
	body := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	img := gzipped(t, rawIDX(MagicImages, []uint32{claimed, 28, 28}, body))
	lbl := gzipped(t, idxBytes(t, []int{10}, make([]byte, 10)))

	check := func(t *testing.T, load func() error, imgPath, lblPath string) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := load()
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatal("loaded a split whose images and labels disagree")
		}
		for _, want := range []string{imgPath, lblPath, "1300000 images", "10 labels"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
			t.Errorf("allocated %d MB before failing: the data was read, not just the headers", grew>>20)
		}
	}

	t.Run("registry dataset", func(t *testing.T) {
		d := Dataset{Name: "fake", Classes: []string{"a", "b"}, Rows: 28, Cols: 28,
			Train: SplitFiles{Images: File{Name: "train-images-idx3-ubyte.gz"}, Labels: File{Name: "train-labels-idx1-ubyte.gz"}}}
		opts := Options{DataDir: t.TempDir(), LocalDirs: map[string][]string{"fake": nil}}
		dir := filepath.Join(opts.DataDir, "fake")
		writeFile(t, filepath.Join(dir, d.Train.Images.Name), img)
		writeFile(t, filepath.Join(dir, d.Train.Labels.Name), lbl)
		check(t, func() error {
			_, err := loadRegistered(context.Background(), d, SplitTrain, opts)
			return err
		}, filepath.Join(dir, d.Train.Images.Name), filepath.Join(dir, d.Train.Labels.Name))
	})
	t.Run("idx folder", func(t *testing.T) {
		dir := t.TempDir()
		imgPath, lblPath := filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
		writeFile(t, imgPath, img)
		writeFile(t, lblPath, lbl)
		check(t, func() error {
			_, err := Load(context.Background(), "idx:"+dir, SplitTest, Options{})
			return err
		}, imgPath, lblPath)
	})
}
