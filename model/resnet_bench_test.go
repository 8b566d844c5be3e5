package model

import (
	"testing"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/mainthread"
	"transferlab/internal/torchenv"
)

// benchBatch is the batch of the backbone benchmarks: what a feature
// cache pass (EvalBatch is larger) keeps in flight on a small CPU.
const benchBatch = 16

// Feature extraction at 224 (a "last" transfer's one backbone pass):
// images/s of a backbone in inference mode under no-grad, to set against
// bench/backbone_reference.py (bench/backbone.sh runs both).
func BenchmarkResNet18Features(b *testing.B) { benchFeatures(b, "resnet18", false) }

// The same in channels_last (NHWC) memory format, as the commands run a
// backbone on a CPU.
func BenchmarkResNet18FeaturesCL(b *testing.B) { benchFeatures(b, "resnet18", true) }

// MobileNetV2's, in channels_last.
func BenchmarkMobileNetV2FeaturesCL(b *testing.B) { benchFeatures(b, "mobilenet_v2", true) }

func benchFeatures(b *testing.B, arch string, channelsLast bool) {
	// On the first thread, as the commands run (main_test.go).
	var err error
	mainthread.Do(func() { err = benchFeaturesHere(b, arch, channelsLast) })
	if err != nil {
		b.Fatal(err)
	}
}

func benchFeaturesHere(b *testing.B, arch string, channelsLast bool) error {
	// One thread per CPU, as transferlab's commands and the reference
	// script run: libtorch alone would stay at one thread here.
	if err := torchenv.SetThreads(0); err != nil {
		return err
	}
	vs := nn.NewVarStore(gotch.CPU)
	built, err := Build(vs.Root(), Arch{Model: arch, Classes: 1000})
	if err != nil {
		return err
	}
	net := built.(Backbone)
	if channelsLast {
		if err := net.UseChannelsLast(); err != nil {
			return err
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
	return nil
}

// MobileNetV2's in the standard (NCHW) layout.
func BenchmarkMobileNetV2Features(b *testing.B) { benchFeatures(b, "mobilenet_v2", false) }
