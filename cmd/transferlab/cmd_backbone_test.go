package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/model"
)

// colourDigitsFolder writes a small ImageFolder of colour photos made
// from data we have: MNIST digits 0, 1 and 2 drawn in a random colour on
// a striped, noisy colour background at 64x64, n per class, PNG and JPEG.
func colourDigitsFolder(t *testing.T, n int) string {
	t.Helper()
	mnist, err := data.Load(context.Background(), "mnist", "test", data.Options{DataDir: os.Getenv("TRANSFERLAB_DATA")})
	if err != nil {
		t.Skipf("no MNIST here: %v", err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(1))
	count := map[int64]int{}
	for i := 0; i < mnist.Len() && (count[0] < n || count[1] < n || count[2] < n); i++ {
		l := mnist.Labels[i]
		if l > 2 || count[l] >= n {
			continue
		}
		class := filepath.Join(dir, "train", fmt.Sprint(l))
		if err := os.MkdirAll(class, 0o755); err != nil {
			t.Fatal(err)
		}
		img := colourDigit(mnist.Image(i), rng)
		path := filepath.Join(class, fmt.Sprintf("%d.png", i))
		if count[l]%2 == 1 {
			path = strings.TrimSuffix(path, ".png") + ".jpg"
		}
		writeImage(t, path, img)
		count[l]++
	}
	return dir
}

func colourDigit(px []byte, rng *rand.Rand) *image.NRGBA {
	const side, scale = 64, 2
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	bg := [3]int{rng.Intn(200), rng.Intn(200), rng.Intn(200)}
	ink := color.NRGBA{uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), 255}
	period := 3 + rng.Intn(6)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			stripe := 40 * ((x + y) / period % 2)
			c := color.NRGBA{A: 255}
			c.R = uint8(min(255, bg[0]+stripe+rng.Intn(30)))
			c.G = uint8(min(255, bg[1]+stripe+rng.Intn(30)))
			c.B = uint8(min(255, bg[2]+stripe+rng.Intn(30)))
			img.SetNRGBA(x, y, c)
		}
	}
	for y := 0; y < 28*scale; y++ {
		for x := 0; x < 28*scale; x++ {
			if px[(y/scale)*28+x/scale] > 128 {
				img.SetNRGBA(x+4, y+4, ink)
			}
		}
	}
	return img
}

func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jpg") {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(f, img)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// randomBackbone saves a seeded random ResNet-18 with batch norm running
// statistics away from their defaults, as a plain checkpoint (no sidecar:
// the network is recognised from its names, as a torchvision .pth is).
func randomBackbone(t *testing.T) (string, map[string]*ts.Tensor) {
	return randomNet(t, "resnet18")
}

// randomNet is randomBackbone for the backbone arch. MobileNetV2's
// statistics are instead those of 30 training-mode passes over random
// images: its freshly initialised depthwise convolutions shrink their
// input's variance by about 2/channels, so with statistics near 0 and 1
// its eval-mode features come out the same for every image.
func randomNet(t *testing.T, arch string) (string, map[string]*ts.Tensor) {
	t.Helper()
	vs := nn.NewVarStore(gotch.CPU)
	net, err := model.Build(vs.Root(), model.Arch{Model: arch, Classes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	calibrated := arch == "mobilenet_v2"
	if calibrated {
		x := ts.MustRand([]int64{4, 3, 64, 64}, gotch.Float, gotch.CPU)
		for range 30 {
			ts.NoGrad(func() { net.ForwardT(x, true).MustDrop() })
		}
		x.MustDrop()
	}
	var named []ts.NamedTensor
	for _, p := range model.Params(vs) {
		if !calibrated && (strings.HasSuffix(p.Name, ".running_var") || strings.HasSuffix(p.Name, ".running_mean")) {
			r := ts.MustRand(p.Tensor.MustSize(), gotch.Float, gotch.CPU)
			// Means in [0, 0.1), variances in [1, 1.1): not the defaults
			// (0 and 1), which a reset would give back.
			if strings.HasSuffix(p.Name, ".running_var") {
				r = r.MustMulScalar(ts.FloatScalar(0.1), true).MustAddScalar(ts.FloatScalar(1), true)
			} else {
				r = r.MustMulScalar(ts.FloatScalar(0.1), true)
			}
			ts.NoGrad(func() { p.Tensor.Copy_(r) })
			r.MustDrop()
		}
		named = append(named, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
	}
	path := filepath.Join(t.TempDir(), arch+"-random.pt")
	if _, err := model.SaveTensors(named, path); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(vs) // named holds views of vs's tensors, which its finalizers would free
	runtime.KeepAlive(net)
	src, err := model.ReadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, src
}

// The whole backbone path, cheaply: a random ResNet-18 and MobileNetV2
// transferred with --layers last to a small colour folder (one backbone
// pass, a new head), then evaluated and used to predict and embed.
// Frozen means frozen: every backbone tensor of the result, batch norm
// statistics included, is the source's bit for bit.
func TestBackboneLastEndToEnd(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	folder := colourDigitsFolder(t, 5)
	for _, c := range []struct {
		arch, head string
		width      int64
	}{{"resnet18", "fc.", 512}, {"mobilenet_v2", "classifier.1.", 1280}} {
		t.Run(c.arch, func(t *testing.T) {
			// A subtest runs on a goroutine of its own: libtorch's grad
			// mode is per OS thread.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			backboneLastEndToEnd(t, folder, c.arch, c.head, c.width)
		})
	}
}

func backboneLastEndToEnd(t *testing.T, folder, arch, head string, width int64) {
	src, want := randomNet(t, arch)
	results, dataDir := t.TempDir(), t.TempDir()
	target := "folder:" + folder
	args := []string{"finetune", "--from", src, "--layers", "last", "--target", target, "--epochs", "2", "--batch-size", "4",
		"--name", "bb", "--results-dir", results, "--data-dir", dataDir}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	ckpt := filepath.Join(results, "bb", "model.pt")
	got, err := model.ReadTensors(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		if strings.HasPrefix(name, head) {
			continue
		}
		g, ok := got[name]
		if !ok {
			t.Fatalf("the result lacks %s", name)
		}
		if !g.MustEqual(w, false) {
			t.Errorf("%s changed in a --layers last run", name)
		}
	}
	if s := got[head+"weight"].MustSize(); s[0] != 3 || s[1] != width {
		t.Errorf("%sweight is %v, want a new 3-class head [3 %d]", head, s, width)
	}
	if len(got) != len(want) {
		t.Errorf("the result holds %d tensors, the source %d", len(got), len(want))
	}

	photos, _ := filepath.Glob(filepath.Join(folder, "train", "1", "*"))
	for _, args := range [][]string{
		{"eval", "--checkpoint", ckpt, "--dataset", target, "--results-dir", results, "--data-dir", dataDir},
		{"predict", "--checkpoint", ckpt, "--top", "2", photos[0], photos[1]},
		{"embed", "--checkpoint", ckpt, "--n", "6", "--results-dir", results, "--data-dir", dataDir},
	} {
		out, code := captureStdout(t, func() int { return run(args) })
		if code != 0 {
			t.Fatalf("transferlab %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		t.Logf("%s: %s", args[0], out)
		if args[0] == "predict" {
			// One line per photo: its top 2 of the folder's classes.
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 || strings.Count(out, "%") != 4 || !strings.HasPrefix(lines[0], photos[0]+": ") {
				t.Errorf("predict --top 2 on 2 photos printed %q", out)
			}
		}
	}
}

// from:layer4 trains layer4 and fc only: the stem and layer1..layer3,
// batch norm statistics included, stay the source's bit for bit. With
// --bn frozen layer4's statistics stay too while its weights train; with
// --bn train they move. MobileNetV2's from:features.14 likewise, run
// without the feature cache: the frozen stages then see every training
// step, in inference mode.
func TestBackboneFromLayer4BatchNormModes(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	folder := colourDigitsFolder(t, 3)
	for _, c := range []struct {
		arch, layers string
		trained      []string // name prefixes of the stages that train
		weight, bn   string   // a trained weight and batch norm
		extra        []string
	}{
		{"resnet18", "from:layer4", []string{"layer4.", "fc."}, "layer4.1.conv2.weight", "layer4.1.bn2", nil},
		{"mobilenet_v2", "from:features.14", []string{"features.14.", "features.15.", "features.16.", "features.17.", "features.18.", "classifier."},
			"features.16.conv.1.0.weight", "features.16.conv.1.1", []string{"--no-feature-cache"}},
	} {
		t.Run(c.arch, func(t *testing.T) {
			runtime.LockOSThread() // libtorch's grad mode is per OS thread
			defer runtime.UnlockOSThread()
			src, want := randomNet(t, c.arch)
			results, dataDir := t.TempDir(), t.TempDir()
			for _, bn := range []string{"frozen", "train"} {
				args := append([]string{"finetune", "--from", src, "--layers", c.layers, "--bn", bn, "--target", "folder:" + folder,
					"--epochs", "1", "--batch-size", "3", "--lr", "0.01", "--name", "bn-" + bn, "--results-dir", results, "--data-dir", dataDir}, c.extra...)
				if code := run(args); code != 0 {
					t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
				}
				got, err := model.ReadTensors(filepath.Join(results, "bn-"+bn, "model.pt"))
				if err != nil {
					t.Fatal(err)
				}
				same := func(name string) bool { return got[name].MustEqual(want[name], false) }
				for name := range want {
					if !slices.ContainsFunc(c.trained, func(p string) bool { return strings.HasPrefix(name, p) }) && !same(name) {
						t.Errorf("--bn %s: %s, below %s, changed", bn, name, c.layers)
					}
				}
				if same(c.weight) {
					t.Errorf("--bn %s: %s did not train", bn, c.weight)
				}
				stats := same(c.bn+".running_mean") && same(c.bn+".running_var") && same(c.bn+".num_batches_tracked")
				if bn == "frozen" && !stats {
					t.Errorf("--bn frozen: %s's running statistics changed", c.bn)
				}
				if bn == "train" && stats {
					t.Errorf("--bn train: %s's running statistics did not move", c.bn)
				}
			}
		})
	}
}

// --layers all trains every backbone tensor on augmented batches (the
// images reach the network every epoch) and records that it did.
func TestBackboneAllAugments(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	folder := colourDigitsFolder(t, 3)
	src, want := randomBackbone(t)
	results, dataDir := t.TempDir(), t.TempDir()
	args := []string{"finetune", "--from", src, "--layers", "all", "--target", "folder:" + folder,
		"--epochs", "1", "--batch-size", "3", "--lr", "0.001", "--name", "all", "--results-dir", results, "--data-dir", dataDir}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	got, err := model.ReadTensors(filepath.Join(results, "all", "model.pt"))
	if err != nil {
		t.Fatal(err)
	}
	if got["conv1.weight"].MustEqual(want["conv1.weight"], false) {
		t.Error("--layers all left conv1.weight as it was")
	}
	r, err := metrics.ReadRun(filepath.Join(results, "all", metrics.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.Augment != "crop" || r.Config.BN != "train" || r.Config.FeatureCache {
		t.Errorf("recorded augment %v, bn %q, feature cache %v; want crop, train, false", r.Config.Augment, r.Config.BN, r.Config.FeatureCache)
	}
}

// A state_dict whose names do not fit the backbone they point to is one
// clear error naming the tensor: a resnet18 one with a stray MobileNetV2
// tensor, a mobilenet_v2 one that lacks a batch norm's statistics.
func TestBackboneMismatchedStateDictIsOneClearError(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	folder := colourDigitsFolder(t, 2)
	for _, c := range []struct {
		arch, add, drop, want string
	}{
		{"resnet18", "features.18.0.weight", "", "holds tensor features.18.0.weight, which this network does not have: is it a checkpoint of another architecture?"},
		{"mobilenet_v2", "", "features.5.conv.1.1.running_var", "lacks tensor features.5.conv.1.1.running_var: is it a checkpoint of another architecture?"},
	} {
		_, tensors := randomNet(t, c.arch)
		var named []ts.NamedTensor
		for name, x := range tensors {
			if name != c.drop {
				named = append(named, ts.NamedTensor{Name: name, Tensor: x})
			}
		}
		if c.add != "" {
			named = append(named, ts.NamedTensor{Name: c.add, Tensor: ts.MustZeros([]int64{1280, 320, 1, 1}, gotch.Float, gotch.CPU)})
		}
		bad := filepath.Join(t.TempDir(), c.arch+"-bad.pth")
		if _, err := model.SaveTensors(named, bad); err != nil {
			t.Fatal(err)
		}
		args := []string{"finetune", "--from", bad, "--layers", "last", "--target", "folder:" + folder,
			"--epochs", "1", "--name", "bad", "--results-dir", t.TempDir(), "--data-dir", t.TempDir()}
		stderr, code := captureStderr(t, func() int { return run(args) })
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		t.Logf("%s: %s", c.arch, lines[len(lines)-1])
		if code == 0 || !strings.Contains(lines[len(lines)-1], c.want) || strings.Count(stderr, "transferlab:") != 1 {
			t.Errorf("%s with %s added, %s dropped: exit %d, stderr ends %q; want one error saying %q", c.arch, c.add, c.drop, code, lines[len(lines)-1], c.want)
		}
	}
}

// captureStderr runs f with os.Stderr going to a buffer.
func captureStderr(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	out := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		out <- string(b)
	}()
	code := f()
	os.Stderr = saved
	w.Close()
	return <-out, code
}
