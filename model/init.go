package model

import (
	"math"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// torchDefaultInit is the initialization PyTorch 1.13 gives nn.Conv2d and
// nn.Linear: kaiming_uniform_(a=sqrt(5)) for the weight, which works out to
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
// gotch v0.9.1's default "Kaiming" init draws N(0,1) weights instead (loss
// around 1e9 at the first step), and its Linear bias bound uses the wrong
// fan, so every layer here is built with explicit inits.
func torchDefaultInit(fanIn int64) nn.Init {
	bound := 1 / math.Sqrt(float64(fanIn))
	return nn.NewUniformInit(-bound, bound)
}

// newConv2D is nn.Conv2d(in, out, k, padding=pad) with PyTorch's init.
func newConv2D(p *nn.Path, in, out, k, pad int64) *nn.Conv2D {
	fanIn := in * k * k
	cfg := nn.DefaultConv2DConfig()
	cfg.Padding = []int64{pad, pad}
	cfg.WsInit = torchDefaultInit(fanIn)
	cfg.BsInit = torchDefaultInit(fanIn)
	return nn.NewConv2D(p, in, out, k, cfg)
}

// Linear is torch.nn.Linear: weight [out, in] and bias [out], applied
// with at::linear (one addmm, as PyTorch does). gotch's nn.Linear
// multiplies by a transposed view of the weight and adds the bias in a
// second op; the weight's gradient then comes out transposed and Adam's
// elementwise updates walk it strided (the Q4 net trained at 0.70x
// PyTorch's speed that way).
type Linear struct {
	Weight, Bias *ts.Tensor
}

// newLinear is nn.Linear(in, out) with PyTorch's init, weight drawn first.
func newLinear(p *nn.Path, in, out int64) *Linear {
	return &Linear{
		Weight: p.MustNewVar("weight", []int64{out, in}, torchDefaultInit(in)),
		Bias:   p.MustNewVar("bias", []int64{out}, torchDefaultInit(in)),
	}
}

// Forward computes x W^T + b.
func (l *Linear) Forward(x *ts.Tensor) *ts.Tensor { return ts.MustLinear(x, l.Weight, l.Bias) }
