package model

import (
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
)

// benchBatch is the batch of the backbone benchmarks: what a feature
// cache pass (EvalBatch is larger) keeps in flight on a small CPU.
const benchBatch = 16

// Feature extraction at 224 (a "last" transfer's one backbone pass):
// images/s of ResNet-18 in inference mode under no-grad, to set against
// bench/backbone_reference.py (bench/backbone.sh runs both).
func BenchmarkResNet18Features(b *testing.B) { benchResNet18Features(b, false) }

// The same in channels_last (NHWC) memory format.
func BenchmarkResNet18FeaturesCL(b *testing.B) { benchResNet18Features(b, true) }

func benchResNet18Features(b *testing.B, channelsLast bool) {
	// One thread per CPU, as transferlab's commands and the reference
	// script run: libtorch alone would stay at one thread here.
	if err := torchenv.SetThreads(0); err != nil {
		b.Fatal(err)
	}
	vs := nn.NewVarStore(gotch.CPU)
	net, err := NewResNet(vs.Root(), "resnet18", 1000)
	if err != nil {
		b.Fatal(err)
	}
	if channelsLast {
		if err := net.UseChannelsLast(); err != nil {
			b.Fatal(err)
		}
	}
	x := ts.MustRandn([]int64{benchBatch, 3, BackboneSide, BackboneSide}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	ts.NoGrad(func() { net.Features(x).MustDrop() }) // warm-up: oneDNN picks its kernels
	b.ResetTimer()
	start := time.Now()
	ts.NoGrad(func() {
		for i := 0; i < b.N; i++ {
			net.Features(x).MustDrop()
		}
	})
	b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "img/s")
}
