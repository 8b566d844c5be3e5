package torchenv

import (
	"fmt"

	"github.com/sugarme/gotch"
)

// The device names ParseDevice takes.
const (
	DeviceCPU  = "cpu"
	DeviceCUDA = "cuda"
)

// DeviceNames are the device names ParseDevice takes, in the order they
// are offered.
func DeviceNames() []string { return []string{DeviceCPU, DeviceCUDA} }

// ParseDevice turns a device name into the gotch device to train on:
// cpu, or cuda (the first CUDA device), which fails when this libtorch
// sees none.
func ParseDevice(name string) (gotch.Device, error) {
	switch name {
	case DeviceCPU:
		return gotch.CPU, nil
	case DeviceCUDA:
		if len(Devices()) < 2 {
			return gotch.CPU, fmt.Errorf("no CUDA device is available to this libtorch (%s): use cpu", LibtorchSource())
		}
		return gotch.CudaBuilder(0), nil
	}
	return gotch.CPU, fmt.Errorf("unknown device %q: choose %s or %s", name, DeviceCPU, DeviceCUDA)
}
