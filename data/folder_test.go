package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
)

// grayImage is a w x h image of background bg with the rectangle r (in
// image coordinates) filled with ink.
func grayImage(w, h int, bg, ink uint8, r image.Rectangle) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := bg
			if image.Pt(x, y).In(r) {
				v = ink
			}
			g.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return g
}

// putImage writes img under dir at rel, as PNG or JPEG by its extension.
func putImage(t testing.TB, dir, rel string, img image.Image) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(rel)) {
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	default:
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func putFile(t testing.TB, dir, rel string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func folderOpts(t testing.TB) Options {
	return Options{DataDir: t.TempDir()}
}

func loadFolderT(t *testing.T, dir string, o Options) *Folder {
	t.Helper()
	f, err := loadFolderByName(context.Background(), "folder:"+dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A 28x28 image is used as it is, apart from polarity: dark ink on white
// becomes the same shape bright on black, and white on black is kept.
func TestFolderPolarityOf28x28(t *testing.T) {
	dir := t.TempDir()
	square := image.Rect(5, 7, 11, 13)
	putImage(t, dir, "train/a/dark-on-white.png", grayImage(28, 28, 255, 0, square))
	putImage(t, dir, "train/a/light-on-dark.png", grayImage(28, 28, 0, 255, square))
	putImage(t, dir, "train/b/x.png", grayImage(28, 28, 0, 200, image.Rect(0, 0, 3, 3)))
	putImage(t, dir, "test/a/x.png", grayImage(28, 28, 0, 255, square))
	putImage(t, dir, "test/b/x.png", grayImage(28, 28, 0, 255, square))
	f := loadFolderT(t, dir, folderOpts(t))

	want := make([]byte, 28*28)
	for y := 7; y < 13; y++ {
		for x := 5; x < 11; x++ {
			want[y*28+x] = 255
		}
	}
	if got := f.Train.Image(0); !bytes.Equal(got, want) {
		t.Errorf("dark square on white: got\n%s\nwant the square bright on black", asciiArt(got))
	}
	if got := f.Train.Image(1); !bytes.Equal(got, want) {
		t.Errorf("bright square on black changed:\n%s", asciiArt(got))
	}
	if f.Info.Inverted != 1 || f.Info.Kept != 4 || f.Info.Images != 5 || f.Info.Holdout {
		t.Errorf("info %+v, want 1 inverted, 4 kept of 5, no holdout", f.Info)
	}
	if !slices.Equal(f.Train.Labels, []int64{0, 0, 1}) || !slices.Equal(f.Test.Labels, []int64{0, 1}) {
		t.Errorf("labels train %v test %v", f.Train.Labels, f.Test.Labels)
	}

	// Invert yes and no apply to every image.
	o := folderOpts(t)
	o.Invert = InvertNo
	if f := loadFolderT(t, dir, o); f.Info.Inverted != 0 || f.Train.Image(0)[0] != 255 {
		t.Errorf("invert no: %d inverted, first pixel %d", f.Info.Inverted, f.Train.Image(0)[0])
	}
	o.Invert = InvertYes
	if f := loadFolderT(t, dir, o); f.Info.Inverted != 5 || f.Train.Image(1)[0] != 255 {
		t.Errorf("invert yes: %d inverted, first pixel of the bright-on-black image %d", f.Info.Inverted, f.Train.Image(1)[0])
	}
}

// Other sizes are padded to a square and scaled: a 56x28 image of a
// full-width band becomes a 28x14 band in the middle rows, the padding
// black; a 40x17 JPEG keeps its ink in the middle rows too.
func TestFolderPadFit(t *testing.T) {
	dir := t.TempDir()
	// 56x28, dark on white, a band over rows 4..23 (all columns).
	putImage(t, dir, "train/wide/a.png", grayImage(56, 28, 255, 0, image.Rect(0, 4, 56, 24)))
	putImage(t, dir, "train/wide/b.png", grayImage(56, 28, 255, 0, image.Rect(0, 4, 56, 24)))
	putImage(t, dir, "train/odd/a.jpg", grayImage(40, 17, 250, 10, image.Rect(8, 3, 32, 14)))
	putImage(t, dir, "train/odd/b.jpg", grayImage(40, 17, 250, 10, image.Rect(8, 3, 32, 14)))
	f := loadFolderT(t, dir, folderOpts(t))
	if f.Info.Inverted != 4 {
		t.Errorf("%d of 4 dark-on-light images inverted", f.Info.Inverted)
	}
	var wide, odd []byte
	for i, l := range append(slices.Clone(f.Train.Labels), f.Test.Labels...) {
		img := f.Train
		j := i
		if i >= f.Train.Len() {
			img, j = f.Test, i-f.Train.Len()
		}
		if f.Train.Classes[l] == "wide" {
			wide = img.Image(j)
		} else {
			odd = img.Image(j)
		}
	}
	// The 56x56 square holds the image in rows 14..41 and its band in rows
	// 18..37, so 28x28 has it in rows 9..18. Far from its edges (more than
	// Catmull-Rom's reach of two output pixels) the values are exact.
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			v := wide[y*28+x]
			switch {
			case y <= 6 || y >= 21:
				if v != 0 {
					t.Fatalf("wide: pixel (%d,%d) = %d in the padding, want 0\n%s", x, y, v, asciiArt(wide))
				}
			case y >= 11 && y <= 16:
				if v != 255 {
					t.Fatalf("wide: pixel (%d,%d) = %d inside the band, want 255\n%s", x, y, v, asciiArt(wide))
				}
			}
		}
	}
	// 40x17 in a 40x40 square: rows 11..27 of it, ink 14..24, so 28x28
	// rows about 9.8..17.5 (JPEG: compare loosely).
	var top, mid int
	for x := 0; x < 28; x++ {
		top += int(odd[3*28+x]) + int(odd[24*28+x])
		mid += int(odd[13*28+x])
	}
	if top > 28*10 || mid < 28*100 {
		t.Errorf("40x17 JPEG: rows 3 and 24 sum %d (want near 0), row 13 sums %d (want ink):\n%s", top, mid, asciiArt(odd))
	}
}

// The mnist fit puts the ink's bounding box into 20x20, keeping its aspect
// ratio, with its centre of mass at the centre: a 10x5 block anywhere in a
// 100x100 image becomes a 20x10 block at columns 4..23, rows 9..18.
func TestFolderMNISTFit(t *testing.T) {
	dir := t.TempDir()
	putImage(t, dir, "train/a/1.png", grayImage(100, 100, 0, 255, image.Rect(70, 12, 80, 17)))
	putImage(t, dir, "train/a/2.png", grayImage(100, 60, 255, 0, image.Rect(3, 40, 13, 45)))
	putImage(t, dir, "test/a/1.png", grayImage(100, 100, 0, 255, image.Rect(70, 12, 80, 17)))
	o := folderOpts(t)
	o.Fit = FitMNIST
	f := loadFolderT(t, dir, o)
	want := make([]byte, 28*28)
	for y := 9; y < 19; y++ {
		for x := 4; x < 24; x++ {
			want[y*28+x] = 255
		}
	}
	for i := 0; i < 2; i++ {
		if got := f.Train.Image(i); !bytes.Equal(got, want) {
			t.Errorf("image %d: got\n%s\nwant\n%s", i, asciiArt(got), asciiArt(want))
		}
	}
	// A blank image has no ink to fit: it stays background.
	if got := fitMNIST(image.NewGray(image.Rect(0, 0, 30, 30))); slices.Max(got) != 0 {
		t.Errorf("blank image: max %d", slices.Max(got))
	}
}

// Without test/, each class is split by a seeded, stratified holdout: the
// same seed gives the same split, another seed another; every image is in
// exactly one split; classes are the sorted folder names.
func TestFolderHoldout(t *testing.T) {
	dir := t.TempDir()
	counts := map[string]int{"zebra": 5, "Ant": 12, "bee": 3, "ant": 7}
	id := 0
	for class, n := range counts {
		for i := 0; i < n; i++ {
			g := grayImage(28, 28, 0, 0, image.Rectangle{})
			id++
			g.Pix[0], g.Pix[1] = byte(id), 1 // a unique image
			putImage(t, dir, "train/"+class+"/"+string(rune('a'+i))+".png", g)
		}
	}
	o := folderOpts(t)
	o.Seed = 7
	f := loadFolderT(t, dir, o)
	if want := []string{"Ant", "ant", "bee", "zebra"}; !slices.Equal(f.Train.Classes, want) || !slices.Equal(f.Test.Classes, want) {
		t.Fatalf("classes %v, want %v", f.Train.Classes, want)
	}
	if !f.Info.Holdout {
		t.Errorf("no holdout reported")
	}
	perClass := func(s *Split) map[string]int {
		m := map[string]int{}
		for _, l := range s.Labels {
			m[s.Classes[l]]++
		}
		return m
	}
	// round(0.2 n), at least 1: 12 -> 2, 7 -> 1, 5 -> 1, 3 -> 1.
	wantTest := map[string]int{"Ant": 2, "ant": 1, "zebra": 1, "bee": 1}
	if got := perClass(f.Test); !mapsEqual(got, wantTest) {
		t.Errorf("test per class %v, want %v", got, wantTest)
	}
	ids := func(s *Split) []int {
		var out []int
		for i := 0; i < s.Len(); i++ {
			out = append(out, int(s.Image(i)[0]))
		}
		return out
	}
	all := append(ids(f.Train), ids(f.Test)...)
	slices.Sort(all)
	for i, v := range all {
		if v != i+1 {
			t.Fatalf("train and test together hold images %v, want each of 1..%d once", all, id)
		}
	}
	again := loadFolderT(t, dir, o)
	if !slices.Equal(ids(again.Test), ids(f.Test)) || !slices.Equal(ids(again.Train), ids(f.Train)) {
		t.Errorf("the same seed gave another split")
	}
	differs := false
	for seed := int64(1); seed < 6 && !differs; seed++ {
		o.Seed = seed
		differs = !slices.Equal(ids(loadFolderT(t, dir, o).Test), ids(f.Test))
	}
	if !differs {
		t.Errorf("five other seeds all gave seed 7's test split")
	}
	o.TestFraction = 0.5 // 12 -> 6, 7 -> 3.5 -> 4, 5 -> 2.5 -> 3, 3 -> 1.5 -> 2
	if got, want := perClass(loadFolderT(t, dir, o).Test), map[string]int{"Ant": 6, "ant": 4, "zebra": 3, "bee": 2}; !mapsEqual(got, want) {
		t.Errorf("fraction 0.5: test per class %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The second load comes from the cache with the same pixels; changing a
// file or the preparation makes it decode again.
func TestFolderCache(t *testing.T) {
	dir := t.TempDir()
	putImage(t, dir, "train/a/1.png", grayImage(30, 30, 255, 0, image.Rect(10, 10, 20, 20)))
	putImage(t, dir, "train/a/2.png", grayImage(30, 30, 255, 0, image.Rect(5, 5, 20, 20)))
	p := putImage(t, dir, "train/b/1.png", grayImage(30, 30, 255, 0, image.Rect(1, 1, 9, 9)))
	putImage(t, dir, "train/b/2.png", grayImage(30, 30, 255, 0, image.Rect(1, 1, 29, 9)))
	o := folderOpts(t)
	var progress bytes.Buffer
	o.Progress = &progress
	first := loadFolderT(t, dir, o)
	if first.Info.Cached || first.Info.Cache == "" {
		t.Fatalf("first load: cached %v, cache file %q", first.Info.Cached, first.Info.Cache)
	}
	if !strings.Contains(progress.String(), "4 inverted, 0 kept") {
		t.Errorf("progress does not report the polarity decision:\n%s", progress.String())
	}
	second := loadFolderT(t, dir, o)
	if !second.Info.Cached || !bytes.Equal(second.Train.Pixels, first.Train.Pixels) || !bytes.Equal(second.Test.Pixels, first.Test.Pixels) {
		t.Fatalf("second load: cached %v, same pixels %v", second.Info.Cached, bytes.Equal(second.Train.Pixels, first.Train.Pixels))
	}
	// Another preparation has its own cache.
	o2 := o
	o2.Fit = FitMNIST
	if f := loadFolderT(t, dir, o2); f.Info.Cached || f.Info.Cache == first.Info.Cache {
		t.Errorf("fit mnist used the pad cache")
	}
	// A changed file is decoded again.
	putImage(t, dir, "train/b/1.png", grayImage(30, 30, 0, 255, image.Rect(1, 1, 9, 9)))
	os.Chtimes(p, time.Now(), time.Now().Add(time.Minute))
	third := loadFolderT(t, dir, o)
	if third.Info.Cached || third.Info.Inverted != 3 {
		t.Errorf("after a file changed: cached %v, %d inverted (want 3)", third.Info.Cached, third.Info.Inverted)
	}
	// A damaged cache is a miss, and is replaced.
	os.WriteFile(third.Info.Cache, []byte("garbage"), 0o644)
	if f := loadFolderT(t, dir, o); f.Info.Cached || !bytes.Equal(f.Train.Pixels, third.Train.Pixels) {
		t.Errorf("damaged cache: cached %v", f.Info.Cached)
	}
	if f := loadFolderT(t, dir, o); !f.Info.Cached {
		t.Errorf("the damaged cache was not replaced")
	}
	// So is one whose pixels were flipped in place, its structure whole
	// (issue 27: it was used, and training went another way).
	b, err := os.ReadFile(third.Info.Cache)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, third.Train.Pixels[:64])
	if at < 0 {
		t.Fatal("the cache does not hold the pixels as stored bytes")
	}
	for i := at; i < at+64; i++ {
		b[i] ^= 0xff
	}
	os.WriteFile(third.Info.Cache, b, 0o644)
	if f := loadFolderT(t, dir, o); f.Info.Cached || !bytes.Equal(f.Train.Pixels, third.Train.Pixels) {
		t.Errorf("flipped pixels in the cache: cached %v, same pixels as decoded %v", f.Info.Cached, bytes.Equal(f.Train.Pixels, third.Train.Pixels))
	}
}

// pngHeader is a PNG signature and IHDR chunk claiming w x h pixels, and
// nothing else: DecodeConfig reads it, Decode would fail (or allocate).
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grayscale
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// Every bad input is one error naming the file or class; with SkipBad,
// unreadable files are skipped and counted.
func TestFolderBadInputs(t *testing.T) {
	good := func(t *testing.T, dir string, classes ...string) {
		for _, c := range classes {
			putImage(t, dir, "train/"+c+"/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
			putImage(t, dir, "train/"+c+"/2.png", grayImage(28, 28, 0, 255, image.Rect(4, 3, 9, 9)))
		}
	}
	for _, c := range []struct {
		name    string
		make    func(t *testing.T, dir string)
		want    string // in the error
		skipped int    // with SkipBad: files skipped; -1 = still an error
	}{
		{"not an image", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putFile(t, dir, "train/a/broken.png", []byte("this is text"))
		}, "train/a/broken.png", 1},
		{"not an image by its name", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putFile(t, dir, "train/b/notes.txt", []byte("notes"))
		}, "train/b/notes.txt", 1},
		{"truncated PNG", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			var b bytes.Buffer
			png.Encode(&b, grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
			putFile(t, dir, "train/b/cut.png", b.Bytes()[:b.Len()/2])
		}, "train/b/cut.png", 1},
		{"over 50 megapixels", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putFile(t, dir, "train/b/huge.png", pngHeader(10000, 8000))
		}, "huge.png: not a readable image: its png header says 10000x8000 pixels (80 megapixels)", 1},
		{"file outside a class folder", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putImage(t, dir, "train/stray.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		}, "train/stray.png is not in a class folder", 1},
		{"symlink loop", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			if err := os.Symlink("..", filepath.Join(dir, "train", "a", "loop")); err != nil {
				t.Fatal(err)
			}
		}, "train/a/loop leads to a folder already read", -1},
		{"empty class folder", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			os.MkdirAll(filepath.Join(dir, "train", "empty"), 0o755)
		}, `class "empty"`, -1},
		{"class of unreadable files only", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putFile(t, dir, "train/c/x.png", []byte("no"))
		}, "train/c/x.png", -1},
		{"class only in test", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putImage(t, dir, "test/a/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
			putImage(t, dir, "test/b/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
			putImage(t, dir, "test/c/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		}, `class "c" has a test folder`, -1},
		{"class without test images", func(t *testing.T, dir string) {
			good(t, dir, "a", "b")
			putImage(t, dir, "test/a/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		}, `class "b" has no test images`, -1},
		{"one image to hold out from", func(t *testing.T, dir string) {
			good(t, dir, "a")
			putImage(t, dir, "train/single/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		}, `class "single"`, -1},
		{"no train folder", func(t *testing.T, dir string) {
			putImage(t, dir, "test/a/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		}, "no " + "DIR/train folder", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.make(t, dir)
			want := strings.ReplaceAll(c.want, "DIR", dir)
			o := folderOpts(t)
			_, err := loadFolderByName(context.Background(), "folder:"+dir, o)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
			o.SkipBad = true
			f, err := loadFolderByName(context.Background(), "folder:"+dir, o)
			if c.skipped < 0 {
				if err == nil {
					t.Fatalf("SkipBad: no error, want one containing %q", want)
				}
				return
			}
			if err != nil {
				t.Fatalf("SkipBad: %v", err)
			}
			if len(f.Info.Skipped) != c.skipped || f.Info.Images != 4 {
				t.Errorf("SkipBad: skipped %v, %d images; want %d skipped, 4 images", f.Info.Skipped, f.Info.Images, c.skipped)
			}
		})
	}
}

func TestFolderOptionChecks(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []FolderOptions{{Invert: "maybe"}, {Fit: "stretch"}, {TestFraction: 1}, {TestFraction: -0.1}} {
		opts := folderOpts(t)
		opts.FolderOptions = o
		if _, err := loadFolderByName(context.Background(), "folder:"+dir, opts); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := Lookup("folder:"); err == nil {
		t.Errorf("folder: without a folder: no error")
	}
	if _, err := Load(context.Background(), "folder:"+dir, "val", folderOpts(t)); err == nil {
		t.Errorf("split val: no error")
	}
}

// asciiArt draws a 28x28 image for failure messages.
func asciiArt(px []byte) string {
	var b strings.Builder
	for y := 0; y < len(px)/28; y++ {
		for x := 0; x < 28; x++ {
			b.WriteByte(" .:-=+*#%@"[int(px[y*28+x])*9/255])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// GIF and BMP files are read like PNG: a 28x28 bright square on black comes
// through exactly.
func TestFolderGIFAndBMP(t *testing.T) {
	dir := t.TempDir()
	square := grayImage(28, 28, 0, 255, image.Rect(9, 4, 20, 15))
	for _, rel := range []string{"train/g/1.gif", "train/g/2.GIF", "train/b/1.bmp", "train/b/2.bmp"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		var b bytes.Buffer
		var err error
		if strings.HasSuffix(strings.ToLower(rel), ".gif") {
			err = gif.Encode(&b, square, nil)
		} else {
			err = bmp.Encode(&b, square)
		}
		if err != nil {
			t.Fatal(err)
		}
		putFile(t, dir, rel, b.Bytes())
	}
	f := loadFolderT(t, dir, folderOpts(t))
	if f.Info.Images != 4 || f.Info.Inverted != 0 {
		t.Fatalf("info %+v, want 4 images, none inverted", f.Info)
	}
	for _, s := range []*Split{f.Train, f.Test} {
		for i := 0; i < s.Len(); i++ {
			if !bytes.Equal(s.Image(i), square.Pix) {
				t.Errorf("%s image %d:\n%s", s.Name, i, asciiArt(s.Image(i)))
			}
		}
	}
}
