package torchenv

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestSetThreadsDefaultsToOnePerCPU(t *testing.T) {
	if err := SetThreads(0); err != nil {
		t.Fatal(err)
	}
	if got := Threads(); got != runtime.NumCPU() {
		t.Errorf("threads = %d, want %d (one per CPU)", got, runtime.NumCPU())
	}
	if err := SetThreads(1); err != nil {
		t.Fatal(err)
	}
	if got := Threads(); got != 1 {
		t.Errorf("threads = %d after SetThreads(1)", got)
	}
	if err := SetThreads(100000); err == nil {
		t.Error("an absurd thread count was accepted")
	}
	_ = SetThreads(0)
}

// A libtorch error from a gotch Must* helper (a shape mismatch) is a
// panic that PanicError turns into a one-line error; other panics are not
// swallowed.
func TestPanicErrorReturnsLibtorchErrorsAndRepanicsBugs(t *testing.T) {
	runMust := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = PanicError(p)
			}
		}()
		x := ts.MustZeros([]int64{4, 784}, gotch.Float, gotch.CPU)
		w := ts.MustZeros([]int64{3, 3}, gotch.Float, gotch.CPU)
		b := ts.MustZeros([]int64{3}, gotch.Float, gotch.CPU)
		ts.MustLinear(x, w, b)
		return nil
	}
	err := runMust()
	if !errors.Is(err, ErrLibtorch) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "shapes cannot be multiplied") {
		t.Fatalf("got %q, want one line wrapping ErrLibtorch with libtorch's message", err)
	}
	defer func() {
		if p := recover(); p != "a bug" {
			t.Errorf("a panic that is not a libtorch error was turned into %v", p)
		}
	}()
	func() {
		defer func() {
			if p := recover(); p != nil {
				_ = PanicError(p)
			}
		}()
		panic("a bug")
	}()
}

func TestReportNamesLibtorchAndBLAS(t *testing.T) {
	r := Collect()
	if r.Libtorch == "" || r.Threads < 1 || len(r.Devices) == 0 || r.Devices[0] != "cpu" {
		t.Errorf("incomplete report: %+v", r)
	}
	// libtorch links BLAS; the process must have one mapped.
	if r.BLAS == "" {
		t.Error("no BLAS library found in /proc/self/maps")
	}
}

// Inside Autocast a matrix product runs in bfloat16; outside it fp32 again.
func TestAutocastRunsMatmulInBFloat16(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	a := ts.MustOnes([]int64{4, 4}, gotch.Float, gotch.CPU)
	defer a.MustDrop()
	var inside gotch.DType
	var enabled bool
	if err := Autocast(gotch.CPU, func() {
		enabled = AutocastEnabled(gotch.CPU)
		p := a.MustMatmul(a, false)
		inside = p.DType()
		p.MustDrop()
	}); err != nil {
		t.Fatal(err)
	}
	if !enabled || inside != gotch.BFloat16 {
		t.Errorf("inside autocast: enabled %v, matmul dtype %v, want bfloat16", enabled, inside)
	}
	p := a.MustMatmul(a, false)
	defer p.MustDrop()
	if AutocastEnabled(gotch.CPU) || p.DType() != gotch.Float {
		t.Errorf("after autocast: enabled %v, matmul dtype %v, want float", AutocastEnabled(gotch.CPU), p.DType())
	}
}
