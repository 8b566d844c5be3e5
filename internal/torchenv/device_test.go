package torchenv

import (
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// auto is the first GPU where libtorch sees one, else the CPU; cpu is
// always there; cuda and cuda:N name GPUs, and fail saying why where
// there is none; any other name fails naming the choices.
func TestParseDevice(t *testing.T) {
	n := CUDADeviceCount()
	if d, err := ParseDevice("cpu"); err != nil || d != gotch.CPU {
		t.Errorf("ParseDevice(cpu) = %v, %v; want the CPU", d, err)
	}
	auto, err := ParseDevice("auto")
	if want := map[bool]gotch.Device{true: gotch.CudaBuilder(0), false: gotch.CPU}[n > 0]; err != nil || auto != want {
		t.Errorf("ParseDevice(auto) with %d GPUs = %v, %v; want %v", n, auto, err, want)
	}
	for _, name := range []string{"cuda", "cuda:0", "cuda:7"} {
		d, err := ParseDevice(name)
		_, i, _ := deviceIndex(name)
		switch {
		case i < n:
			if err != nil || d != gotch.CudaBuilder(uint(i)) {
				t.Errorf("ParseDevice(%s) with %d GPUs = %v, %v", name, n, d, err)
			}
		case n == 0:
			if err == nil || !strings.Contains(err.Error(), "no GPU is visible: "+NoGPUReason()) {
				t.Errorf("ParseDevice(%s) without a GPU = %v, %v; want an error saying why none is visible", name, d, err)
			}
		default:
			if err == nil || !strings.Contains(err.Error(), "there is no "+name) {
				t.Errorf("ParseDevice(%s) with %d GPUs = %v, %v; want an error naming the GPUs there are", name, n, d, err)
			}
		}
	}
	for _, name := range []string{"tpu", "", "CUDA", "cuda:", "cuda:-1", "cuda:01", "cuda:x", "cpu:0"} {
		if _, err := ParseDevice(name); err == nil || !strings.Contains(err.Error(), "choose auto, cpu, cuda or cuda:N") {
			t.Errorf("ParseDevice(%q) = %v; want an error naming the choices", name, err)
		}
		if CheckDeviceName(name) == nil {
			t.Errorf("CheckDeviceName(%q) passed", name)
		}
	}
	if DeviceName(gotch.CudaBuilder(3)) != "cuda:3" || DeviceName(gotch.CPU) != "cpu" {
		t.Errorf("DeviceName: %q, %q", DeviceName(gotch.CudaBuilder(3)), DeviceName(gotch.CPU))
	}
}

// On a CPU-only libtorch the reason names the build, so a user knows to
// change libtorch, not the driver.
func TestNoGPUReasonNamesACPUOnlyBuild(t *testing.T) {
	if CUDABuild() {
		t.Skip("this libtorch has CUDA: the reason is the driver's or the linker's")
	}
	if r := NoGPUReason(); !strings.Contains(r, "CPU-only build") || !strings.Contains(r, "LIBTORCH") {
		t.Errorf("NoGPUReason() = %q", r)
	}
}

// bf16 on a GPU turns on CUDA's autocast, not the CPU's: a CPU matrix
// product inside it stays fp32, and the CUDA state is back off after.
// (Setting the state needs no GPU; running under it does.)
func TestAutocastFollowsTheDevice(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	gpu := gotch.CudaBuilder(0)
	a := ts.MustOnes([]int64{4, 4}, gotch.Float, gotch.CPU)
	defer a.MustDrop()
	var cudaOn, cpuOn bool
	var inside gotch.DType
	if err := Autocast(gpu, func() {
		cudaOn, cpuOn = AutocastEnabled(gpu), AutocastEnabled(gotch.CPU)
		p := a.MustMatmul(a, false)
		inside = p.DType()
		p.MustDrop()
	}); err != nil {
		t.Fatal(err)
	}
	if !cudaOn || cpuOn || inside != gotch.Float {
		t.Errorf("inside CUDA autocast: cuda %v, cpu %v, CPU matmul %v; want true, false, float", cudaOn, cpuOn, inside)
	}
	if AutocastEnabled(gpu) {
		t.Error("CUDA autocast still on after the region")
	}
}
