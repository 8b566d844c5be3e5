package train

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/mainthread"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// The benchmarks bench/run.sh compares with bench/reference.py (PyTorch on
// the same libtorch): the same networks, batch sizes and thread count, on
// random images. Each reports images per second ("img/s"). They run on
// the CPU, or on the device TRANSFERLAB_BENCH_DEVICE names (bench/gpu.sh
// sets cuda), with the images resident there as a run's are.

// benchDevice is the device the benchmarks run on.
func benchDevice() gotch.Device {
	d, err := torchenv.ParseDevice(cmp.Or(os.Getenv("TRANSFERLAB_BENCH_DEVICE"), "cpu"))
	if err != nil {
		panic(fmt.Sprintf("TRANSFERLAB_BENCH_DEVICE: %v", err))
	}
	return d
}

func benchNet(b *testing.B, a model.Arch) (*nn.VarStore, model.Net) {
	// bench/run.sh passes the thread count the PyTorch side uses.
	threads, _ := strconv.Atoi(os.Getenv("TRANSFERLAB_THREADS"))
	if err := torchenv.SetThreads(threads); err != nil {
		b.Fatal(err)
	}
	torchenv.ManualSeed(0)
	vs := nn.NewVarStore(benchDevice())
	b.Cleanup(vs.Destroy)
	net, err := model.Build(vs.Root(), a)
	if err != nil {
		b.Fatal(err)
	}
	return vs, net
}

func randomImages(n, classes int) (*ts.Tensor, *ts.Tensor) {
	x := ts.MustRand([]int64{int64(n), 1, 28, 28}, gotch.Float, benchDevice())
	y := ts.MustRandint(int64(classes), []int64{int64(n)}, gotch.Int64, benchDevice())
	return x, y
}

// benchTrain times optimization steps of batch images drawn from a
// resident set by index_select, as the training loop does.
func benchTrain(b *testing.B, a model.Arch, batch int, bf16, channelsLast bool) {
	mainthread.Do(func() { benchTrainHere(b, a, batch, bf16, channelsLast) })
}

func benchTrainHere(b *testing.B, a model.Arch, batch int, bf16, channelsLast bool) {
	vs, net := benchNet(b, a)
	if channelsLast {
		if err := net.(*model.CNN).UseChannelsLast(); err != nil {
			b.Fatal(err)
		}
	}
	opt, err := model.NewAdam(model.Params(vs), 1e-3)
	if err != nil {
		b.Fatal(err)
	}
	defer opt.Drop()
	x, y := randomImages(4*batch, a.Classes)
	defer x.MustDrop()
	defer y.MustDrop()
	perm, err := onDeviceOf(x, permutation(4*batch, 1, 1))
	if err != nil {
		b.Fatal(err)
	}
	defer perm.MustDrop()
	step := func(i int) {
		if _, _, err := trainStep(net, opt, x, y, perm, (i%4)*batch, batch, bf16); err != nil {
			b.Fatal(err)
		}
	}
	step(0) // warm-up: Adam state, allocator
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "img/s")
	if a.Model == "cnn" {
		// bench/run.sh turns img/s into GFLOP/s against the machine's peak.
		b.ReportMetric(float64(model.CNNTrainFLOPs(a.Classes))/1e6, "MFLOP/img")
	}
}

var cnn10 = model.Arch{Model: "cnn", Classes: 10}

func BenchmarkCNNTrainBatch128(b *testing.B)       { benchTrain(b, cnn10, 128, false, false) }
func BenchmarkCNNTrainBatch128CL(b *testing.B)     { benchTrain(b, cnn10, 128, false, true) }
func BenchmarkCNNTrainBatch128BF16(b *testing.B)   { benchTrain(b, cnn10, 128, true, false) }
func BenchmarkCNNTrainBatch128BF16CL(b *testing.B) { benchTrain(b, cnn10, 128, true, true) }

var ffn4096 = model.Arch{Model: "ffn", Hidden: []int{4096}, Classes: 10}

func BenchmarkFFNTrainBatch2048(b *testing.B)     { benchTrain(b, ffn4096, 2048, false, false) }
func BenchmarkFFNTrainBatch2048BF16(b *testing.B) { benchTrain(b, ffn4096, 2048, true, false) }

func BenchmarkCNNEvalBatch1024(b *testing.B)       { benchEval(b, false, false) }
func BenchmarkCNNEvalBatch1024CL(b *testing.B)     { benchEval(b, false, true) }
func BenchmarkCNNEvalBatch1024BF16(b *testing.B)   { benchEval(b, true, false) }
func BenchmarkCNNEvalBatch1024BF16CL(b *testing.B) { benchEval(b, true, true) }

func benchEval(b *testing.B, bf16, channelsLast bool) {
	benchEvalPasses(b, cnn10, bf16, channelsLast, 1024, EvalBatch)
	b.ReportMetric(float64(model.CNNEvalFLOPs(10))/1e6, "MFLOP/img")
}

// BenchmarkEvalChunk evaluates in forward passes of 64 to 4096 images,
// to check on each machine the rule EvalBatch fixes: the CNN (fp32, the
// standard layout and channels_last) over 1024 images, the FFN over 4096.
// bench/run.sh prints each size's images per second beside EvalBatch's.
func BenchmarkEvalChunk(b *testing.B) {
	ffn := model.Arch{Model: "ffn", Hidden: []int{4096}, Classes: 10}
	for _, c := range []struct {
		name   string
		arch   model.Arch
		cl     bool
		images int
		chunks []int
	}{
		{"cnn", cnn10, false, 1024, []int{64, 128, 256, 512, 1024}},
		{"cnnCL", cnn10, true, 1024, []int{64, 128, 256, 512, 1024}},
		{"ffn", ffn, false, 4096, []int{64, 128, 256, 512, 1024, 2048, 4096}},
	} {
		for _, chunk := range c.chunks {
			b.Run(fmt.Sprintf("%s/%d", c.name, chunk), func(b *testing.B) {
				benchEvalPasses(b, c.arch, false, c.cl, c.images, chunk)
			})
		}
	}
}

// benchEvalPasses times no-grad evaluation of images random images in
// forward passes of chunk images and reports images per second. The
// warm-up is one pass: the same shapes, so the same oneDNN kernels, at a
// fraction of the cost, which counts where bf16 is emulated.
func benchEvalPasses(b *testing.B, arch model.Arch, bf16, channelsLast bool, images, chunk int) {
	mainthread.Do(func() { benchEvalPassesHere(b, arch, bf16, channelsLast, images, chunk) })
}

func benchEvalPassesHere(b *testing.B, arch model.Arch, bf16, channelsLast bool, images, chunk int) {
	_, net := benchNet(b, arch)
	if channelsLast {
		if err := net.(*model.CNN).UseChannelsLast(); err != nil {
			b.Fatal(err)
		}
	}
	x, y := randomImages(images, 10)
	defer x.MustDrop()
	defer y.MustDrop()
	wx, wy := x.MustNarrow(0, 0, int64(chunk), false), y.MustNarrow(0, 0, int64(chunk), false)
	_, err := evaluateInChunks(context.Background(), net, wx, wy, 10, bf16, chunk, nil)
	wx.MustDrop()
	wy.MustDrop()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := evaluateInChunks(context.Background(), net, x, y, 10, bf16, chunk, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*images)/time.Since(start).Seconds(), "img/s")
}

// One "last" finetune epoch: 26-way head, every other parameter frozen,
// 6,500 images (250 per class), batch 32.
func BenchmarkLastLayerEpoch6500(b *testing.B) { mainthread.Do(func() { benchLastLayerEpoch(b) }) }

func benchLastLayerEpoch(b *testing.B) {
	vs, net := benchNet(b, model.Arch{Model: "cnn", Classes: 26})
	params, err := model.FreezeAllBut(vs, "fc3.")
	if err != nil {
		b.Fatal(err)
	}
	opt, err := model.NewAdam(params, 1e-3)
	if err != nil {
		b.Fatal(err)
	}
	defer opt.Drop()
	const n = 6500
	x, y := randomImages(n, 26)
	defer x.MustDrop()
	defer y.MustDrop()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := trainOneEpoch(context.Background(), net, opt, x, y, 32, permutation(n, 1, i+1), i+1, false, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "img/s")
}

// Resident memory at epochs 2 and 10 of a small real training run.
func BenchmarkTrainingRSS(b *testing.B) { mainthread.Do(func() { benchTrainingRSS(b) }) }

func benchTrainingRSS(b *testing.B) {
	threads, _ := strconv.Atoi(os.Getenv("TRANSFERLAB_THREADS"))
	if err := torchenv.SetThreads(threads); err != nil {
		b.Fatal(err)
	}
	r := pretrainRecipe("mnist")
	o := Options{ResultsDir: b.TempDir(), PretrainedDir: b.TempDir(), Seed: 1, Log: Discard{},
		Limit: 2000, Epochs: 10, EvalLimit: 500}
	rss := map[int]float64{}
	o.OnEpoch = func(run *metrics.Run) error {
		if run.Status == "running" {
			debug.FreeOSMemory()
			rss[len(run.History)] = residentMiB()
		}
		return nil
	}
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), r, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rss[2], "MiB-epoch2")
	b.ReportMetric(rss[10], "MiB-epoch10")
}

func residentMiB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	pages, _ := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	return float64(pages*int64(os.Getpagesize())) / (1 << 20)
}

// Ten "last" epochs on 6,500 images, the naive loop against exact feature
// caching (the features' computation included).
func benchLastTenEpochs(b *testing.B, cache bool) {
	mainthread.Do(func() { benchLastTenEpochsHere(b, cache) })
}

func benchLastTenEpochsHere(b *testing.B, cache bool) {
	vs, net := benchNet(b, model.Arch{Model: "cnn", Classes: 26})
	params, err := model.FreezeAllBut(vs, "fc3.")
	if err != nil {
		b.Fatal(err)
	}
	const n, epochs = 6500, 10
	x, y := randomImages(n, 26)
	defer y.MustDrop()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		opt, err := model.NewAdam(params, 1e-3)
		if err != nil {
			b.Fatal(err)
		}
		train, inputs := net, x
		if cache {
			if inputs, err = cachedFeatures(context.Background(), net.(*model.CNN), len(model.CNNLayers())-1, x, false, nil); err != nil {
				b.Fatal(err)
			}
			if train, err = net.(*model.CNN).From(len(model.CNNLayers()) - 1); err != nil {
				b.Fatal(err)
			}
		}
		for e := 1; e <= epochs; e++ {
			if _, err := trainOneEpoch(context.Background(), train, opt, inputs, y, 32, permutation(n, 1, e), e, false, nil); err != nil {
				b.Fatal(err)
			}
		}
		if cache {
			inputs.MustDrop()
		}
		opt.Drop()
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/10epochs")
	x.MustDrop()
}

func BenchmarkLastTenEpochsNaive(b *testing.B)  { benchLastTenEpochs(b, false) }
func BenchmarkLastTenEpochsCached(b *testing.B) { benchLastTenEpochs(b, true) }

// BenchmarkAugment times the augmentation of a batch of 32 images (the
// finetune recipe's batch), to set beside a training step of the same
// batch (BenchmarkCNNTrainBatch32).
func BenchmarkAugmentShiftBatch32(b *testing.B)    { benchAugment(b, AugmentShift) }
func BenchmarkAugmentStandardBatch32(b *testing.B) { benchAugment(b, AugmentStandard) }
func BenchmarkCNNTrainBatch32(b *testing.B)        { benchTrain(b, cnn10, 32, false, false) }

func benchAugment(b *testing.B, kind string) {
	x, y := randomImages(32, 10)
	defer x.MustDrop()
	defer y.MustDrop()
	a := augmentation{kind: kind, seed: 1}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := a.apply(x, 1, i)
		if err != nil {
			b.Fatal(err)
		}
		out.MustDrop()
	}
}
