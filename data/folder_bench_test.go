package data

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkFolderLoad measures loading a folder:DIR dataset of 3000 small
// PNGs (10 classes, 32x32 to 47x40, dark ink on white) the first time
// (decode and prepare on all CPUs, write the cache) and from the cache. It
// reports images/s; bench/RESULTS.md has the numbers measured.
func BenchmarkFolderLoad(b *testing.B) {
	const classes, perClass = 10, 300
	dir := b.TempDir()
	for c := 0; c < classes; c++ {
		for i := 0; i < perClass; i++ {
			w, h := 32+i%16, 32+i%9
			x0, y0 := 4+i%7, 3+c%5
			putImage(b, dir, fmt.Sprintf("train/class%02d/%04d.png", c, i), grayImage(w, h, 255, 0, image.Rect(x0, y0, x0+10+c, y0+14)))
		}
	}
	n := classes * perClass
	name := "folder:" + dir
	load := func(b *testing.B, o Options) *Folder {
		f, err := loadFolderByName(context.Background(), name, o)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	b.Run("first", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			o := Options{DataDir: b.TempDir()} // no cache yet
			b.StartTimer()
			start := time.Now()
			f := load(b, o)
			elapsed += time.Since(start)
			if f.Info.Cached || f.Info.Images != n {
				b.Fatalf("first load: cached %v, %d images", f.Info.Cached, f.Info.Images)
			}
			b.StopTimer()
			os.RemoveAll(filepath.Dir(f.Info.Cache))
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "images/s")
	})
	b.Run("cached", func(b *testing.B) {
		o := Options{DataDir: b.TempDir()}
		load(b, o)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := load(b, o); !f.Info.Cached {
				b.Fatal("not from the cache")
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
	})
}
