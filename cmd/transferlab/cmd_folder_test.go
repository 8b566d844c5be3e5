package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"transferlab/metrics"
)

// shapeImage draws one of three shapes, dark on white, at w x h with a
// small offset: the three classes of the end-to-end folder.
func shapeImage(class string, w, h, shift int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 250
	}
	cx, cy, r := w/2+shift, h/2, min(w, h)/3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := x-cx, y-cy
			var ink bool
			switch class {
			case "bar":
				ink = abs(dx) <= 1 && abs(dy) <= r
			case "cross":
				ink = (abs(dx) <= 1 || abs(dy) <= 1) && abs(dx) <= r && abs(dy) <= r
			case "ring":
				d := math.Hypot(float64(dx), float64(dy))
				ink = d <= float64(r) && d >= float64(r)-2
			}
			if ink {
				g.SetGray(x, y, color.Gray{Y: 5})
			}
		}
	}
	return g
}

func abs(x int) int { return max(x, -x) }

// shapesFolder writes an ImageFolder tree without test/: uneven classes,
// PNG and JPEG, odd sizes.
func shapesFolder(t *testing.T) string {
	dir := t.TempDir()
	sizes := [][2]int{{28, 28}, {40, 17}, {33, 45}, {64, 64}}
	for class, n := range map[string]int{"bar": 12, "cross": 9, "ring": 6} {
		for i := 0; i < n; i++ {
			sz := sizes[i%len(sizes)]
			img := shapeImage(class, sz[0], sz[1], i%3-1)
			name := filepath.Join(dir, "train", class, "img"+string(rune('a'+i)))
			var b bytes.Buffer
			if i%2 == 0 {
				name += ".png"
				png.Encode(&b, img)
			} else {
				name += ".jpg"
				jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
			}
			os.MkdirAll(filepath.Dir(name), 0o755)
			if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// captureStdout runs f with os.Stdout going to a buffer.
func captureStdout(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	out := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		out <- string(b)
	}()
	code := f()
	os.Stdout = saved
	w.Close()
	return <-out, code
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Your own data end to end: finetune the committed MNIST network on an
// ImageFolder tree, evaluate the result on the same held-out split and
// classify files with it; and your own PyTorch weights: a checkpoint
// without a sidecar is evaluated and used to predict.
func TestFolderFinetuneEvalPredict(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	folder := shapesFolder(t)
	target := "folder:" + folder
	results, pretrained, dataDir := t.TempDir(), t.TempDir(), t.TempDir()
	for _, f := range []string{"mnist-cnn.pt", "mnist-cnn.json"} {
		copyFile(t, filepath.Join("..", "..", "pretrained", f), filepath.Join(pretrained, f))
	}
	common := []string{"--results-dir", results, "--pretrained-dir", pretrained, "--data-dir", dataDir}
	// A seed and holdout share of its own: eval, given neither, must take
	// them from the checkpoint to test on the images training left out.
	args := append([]string{"finetune", "--from", "mnist", "--target", target, "--epochs", "1", "--limit", "100", "--seed", "7", "--test-fraction", "0.4", "--name", "shapes"}, common...)
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	model := filepath.Join(results, "shapes", "model.pt")

	args = []string{"eval", "--checkpoint", model, "--dataset", target, "--results-dir", results, "--data-dir", dataDir}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	evals, _ := filepath.Glob(filepath.Join(results, "shapes", "eval-folder*-test.json"))
	if len(evals) != 1 {
		t.Fatalf("eval wrote %v, want one eval-folder_...-test.json", evals)
	}
	ev, err := metrics.ReadEval(evals[0])
	if err != nil {
		t.Fatal(err)
	}
	// The held-out split: round(0.4 n) of 12, 9 and 6 images.
	if !slices.Equal(ev.Classes, []string{"bar", "cross", "ring"}) || ev.Eval.N != 5+4+2 {
		t.Errorf("eval: classes %v on %d images, want bar, cross, ring on 11", ev.Classes, ev.Eval.N)
	}

	// The same seed gives the same holdout: eval tests on the images the
	// run tested on, with the same result.
	runFile, err := metrics.ReadRun(filepath.Join(results, "shapes", metrics.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if rt := runFile.Final.Test; rt == nil || rt.N != ev.Eval.N || math.Abs(rt.Loss-ev.Eval.Loss) > 1e-5 {
		t.Errorf("the run's final test %+v and eval's (n %d, loss %v) differ", rt, ev.Eval.N, ev.Eval.Loss)
	}

	imgs := []string{filepath.Join(folder, "train", "ring", "imga.png"), filepath.Join(folder, "train", "bar", "imgb.jpg")}
	out, code := captureStdout(t, func() int { return run(append([]string{"predict", "--checkpoint", model, "--json"}, imgs...)) })
	if code != 0 {
		t.Fatalf("predict --json: exit %d", code)
	}
	var got struct {
		Predictions []struct {
			Image    string
			Inverted bool
			Top      []struct {
				Class string
				P     float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("predict --json printed %q: %v", out, err)
	}
	if len(got.Predictions) != 2 {
		t.Fatalf("predict: %d predictions for 2 images", len(got.Predictions))
	}
	for i, p := range got.Predictions {
		if p.Image != imgs[i] || !p.Inverted || len(p.Top) != 3 {
			t.Errorf("prediction %d: %+v, want %s, inverted, 3 classes", i, p, imgs[i])
			continue
		}
		sum := 0.0
		for j, c := range p.Top {
			sum += c.P
			if !slices.Contains(ev.Classes, c.Class) || (j > 0 && c.P > p.Top[j-1].P) {
				t.Errorf("prediction %d: %+v: classes not the folder's or not in order", i, p.Top)
			}
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Errorf("prediction %d: the 3 probabilities of 3 classes sum to %v", i, sum)
		}
	}
	text, code := captureStdout(t, func() int { return run([]string{"predict", "--checkpoint", model, imgs[0]}) })
	if code != 0 || !strings.HasPrefix(text, imgs[0]+": ") || !strings.Contains(text, "%") {
		t.Errorf("predict: exit %d, printed %q", code, text)
	}
	broken := filepath.Join(t.TempDir(), "broken.png")
	os.WriteFile(broken, []byte("not a png"), 0o644)
	if code := run([]string{"predict", "--checkpoint", model, imgs[0], broken}); code != 1 {
		t.Errorf("predict with an unreadable image: exit %d, want 1", code)
	}
	if code := run([]string{"predict", "--checkpoint", model}); code != 2 {
		t.Errorf("predict without images: exit %d, want 2", code)
	}

	// A checkpoint without a sidecar, as torch.save(model.state_dict())
	// leaves it: its architecture comes from its tensors, its classes from
	// --dataset.
	plain := filepath.Join(t.TempDir(), "weights.pt")
	copyFile(t, filepath.Join(pretrained, "mnist-cnn.pt"), plain)
	idx := "idx:" + idxFolder(t)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"eval", "--checkpoint", plain, "--dataset", idx, "--results-dir", results}, 0},
		{[]string{"eval", "--checkpoint", plain, "--results-dir", results}, 1},                                             // no classes
		{[]string{"eval", "--checkpoint", plain, "--dataset", target, "--results-dir", results, "--data-dir", dataDir}, 1}, // 3 classes, not 10
	} {
		if got := run(c.args); got != c.code {
			t.Errorf("transferlab %s: exit %d, want %d", strings.Join(c.args, " "), got, c.code)
		}
	}
	out, code = captureStdout(t, func() int { return run([]string{"predict", "--checkpoint", plain, "--json", imgs[0]}) })
	if code != 0 || !strings.Contains(out, `"class": "`) {
		t.Errorf("predict with a plain state_dict: exit %d, printed %q", code, out)
	}
	notANet := filepath.Join(t.TempDir(), "other.pt")
	copyFile(t, filepath.Join(results, "shapes", "model.pt"), notANet) // a 3-class CNN: fine
	if code := run([]string{"eval", "--checkpoint", notANet, "--dataset", target, "--results-dir", results, "--data-dir", dataDir, "--seed", "7", "--test-fraction", "0.4"}); code != 0 {
		t.Errorf("eval of the finetuned network without its sidecar: exit %d, want 0", code)
	}
	// Its weights were loaded, not guessed: the same loss as with its sidecar.
	plainEvals, _ := filepath.Glob(filepath.Join(results, "eval-other-*", "eval-folder*-test.json"))
	if len(plainEvals) != 1 {
		t.Fatalf("eval of other.pt wrote %v", plainEvals)
	}
	pe, err := metrics.ReadEval(plainEvals[0])
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(pe.Eval.Loss-ev.Eval.Loss) > 1e-5 || !slices.Equal(pe.Classes, ev.Classes) {
		t.Errorf("without its sidecar: loss %v classes %v; with it: loss %v classes %v", pe.Eval.Loss, pe.Classes, ev.Eval.Loss, ev.Classes)
	}
}
