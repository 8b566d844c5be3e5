package torchenv

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sugarme/gotch"
)

// The device names ParseDevice takes; cuda:N names the N-th GPU.
const (
	DeviceAuto = "auto"
	DeviceCPU  = "cpu"
	DeviceCUDA = "cuda"
)

// CUDADeviceCount is the number of GPUs this libtorch can use.
func CUDADeviceCount() int {
	if !CUDABuild() {
		return 0 // a CPU-only libtorch answers 0 too; asking costs a probe
	}
	return cudaDeviceCount()
}

// CheckDeviceName fails, naming the choices, for a name that is not
// auto, cpu, cuda or cuda:N, whatever the machine has.
func CheckDeviceName(name string) error {
	_, _, err := deviceIndex(name)
	return err
}

// deviceIndex reads a device name: gpu is false for auto and cpu, else
// index is the GPU's.
func deviceIndex(name string) (gpu bool, index int, err error) {
	switch name {
	case DeviceAuto, DeviceCPU:
		return false, 0, nil
	case DeviceCUDA:
		return true, 0, nil
	}
	if s, ok := strings.CutPrefix(name, DeviceCUDA+":"); ok {
		if v, err := strconv.Atoi(s); err == nil && v >= 0 && s == strconv.Itoa(v) {
			return true, v, nil
		}
	}
	return false, 0, fmt.Errorf("unknown device %q: choose %s, %s, %s or cuda:N (N from 0)", name, DeviceAuto, DeviceCPU, DeviceCUDA)
}

// ParseDevice turns a device name into the device to run on: auto (the
// first GPU when libtorch sees one, else the CPU, as PyTorch scripts
// choose), cpu, cuda (the first GPU) or cuda:N. Asking for a GPU that is
// not there fails, saying why none is visible.
func ParseDevice(name string) (gotch.Device, error) {
	gpu, i, err := deviceIndex(name)
	if err != nil {
		return gotch.CPU, err
	}
	n := CUDADeviceCount()
	switch {
	case name == DeviceAuto && n > 0:
		return gotch.CudaBuilder(0), nil
	case !gpu:
		return gotch.CPU, nil
	case n == 0:
		return gotch.CPU, fmt.Errorf("no GPU is visible: %s; use --device cpu or auto", NoGPUReason())
	case i >= n:
		return gotch.CPU, fmt.Errorf("there is no %s: libtorch sees %d GPU(s), cuda:0 to cuda:%d", name, n, n-1)
	}
	return gotch.CudaBuilder(uint(i)), nil
}

// DeviceName is a device as PyTorch writes it: cpu, cuda:0.
func DeviceName(d gotch.Device) string {
	if d.IsCuda() {
		return fmt.Sprintf("cuda:%d", d.Value)
	}
	return DeviceCPU
}
