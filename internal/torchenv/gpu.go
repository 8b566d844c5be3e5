package torchenv

// The GPUs' names and memory come from the NVIDIA driver's own library,
// opened at run time: libtorch exposes neither without the CUDA headers,
// which a CPU build of transferlab has not got, and the driver's C API is
// stable across CUDA releases. Where it is missing, that is the answer to
// "why is there no GPU".

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef int (*cu_init_fn)(unsigned int);
typedef int (*cu_count_fn)(int *);
typedef int (*cu_get_fn)(int *, int);
typedef int (*cu_name_fn)(char *, int, int);
typedef int (*cu_mem_fn)(size_t *, int);

// transferlab_cuda_driver fills in the driver's GPUs: count, and for each
// of the first max, its name (names + i*64) and memory in bytes. It
// returns 0, 1 when the driver library cannot be opened, or 2 plus the
// driver's error code in *code when it answers with an error.
static int transferlab_cuda_driver(int *count, int max, char *names, size_t *mem, int *code) {
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		return 1;
	}
	cu_init_fn init = (cu_init_fn)dlsym(h, "cuInit");
	cu_count_fn cnt = (cu_count_fn)dlsym(h, "cuDeviceGetCount");
	cu_get_fn get = (cu_get_fn)dlsym(h, "cuDeviceGet");
	cu_name_fn name = (cu_name_fn)dlsym(h, "cuDeviceGetName");
	cu_mem_fn total = (cu_mem_fn)dlsym(h, "cuDeviceTotalMem_v2");
	if (!init || !cnt || !get || !name || !total) {
		return 1;
	}
	if ((*code = init(0)) != 0 || (*code = cnt(count)) != 0) {
		return 2;
	}
	for (int i = 0; i < *count && i < max; i++) {
		int dev;
		if ((*code = get(&dev, i)) != 0 || (*code = name(names + i * 64, 64, dev)) != 0 || (*code = total(&mem[i], dev)) != 0) {
			return 2;
		}
	}
	return 0;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	lib "github.com/sugarme/gotch/libtch"
)

// GPU is one GPU as the NVIDIA driver describes it.
type GPU struct {
	Index  int
	Name   string
	Memory int64 // bytes
}

func (g GPU) String() string {
	return fmt.Sprintf("cuda:%d %s, %.1f GiB", g.Index, g.Name, float64(g.Memory)/(1<<30))
}

// CUDABuild reports whether the libtorch gotch was adapted to has CUDA.
func CUDABuild() bool { return lib.TransferlabLibtorchCUDA }

func cudaDeviceCount() int { return int(lib.AtcCudaDeviceCount()) }

const maxGPUs = 64

// DriverGPUs lists the GPUs the NVIDIA driver sees, or says why it sees
// none (no driver library, or the driver's error).
func DriverGPUs() ([]GPU, error) {
	var count, code C.int
	names := (*C.char)(C.calloc(maxGPUs, 64))
	defer C.free(unsafe.Pointer(names))
	mem := make([]C.size_t, maxGPUs)
	switch C.transferlab_cuda_driver(&count, maxGPUs, names, &mem[0], &code) {
	case 1:
		return nil, fmt.Errorf("no NVIDIA driver (libcuda.so.1 cannot be loaded)")
	case 2:
		return nil, fmt.Errorf("the NVIDIA driver answers error %d (CUresult)", int(code))
	}
	gpus := make([]GPU, 0, int(count))
	for i := 0; i < int(count) && i < maxGPUs; i++ {
		name := C.GoString((*C.char)(unsafe.Add(unsafe.Pointer(names), i*64)))
		gpus = append(gpus, GPU{Index: i, Name: name, Memory: int64(mem[i])})
	}
	return gpus, nil
}

// GPUName is the name of GPU i ("" when the driver cannot say).
func GPUName(i int) string {
	gpus, err := DriverGPUs()
	if err != nil || i >= len(gpus) {
		return ""
	}
	return gpus[i].Name
}

// NoGPUReason says why libtorch sees no GPU here, most basic cause first.
func NoGPUReason() string {
	if !CUDABuild() {
		return fmt.Sprintf("libtorch %s (%s) is a CPU-only build: set LIBTORCH to a CUDA libtorch or a pip-installed torch folder and run ./setup-libtorch.sh", LibtorchVersion(), LibtorchSource())
	}
	if !mapped("libtorch_cuda") {
		return "libtorch_cuda is not linked into this binary, so CUDA is never registered: run ./setup-libtorch.sh again to rebuild"
	}
	gpus, err := DriverGPUs()
	if err != nil {
		return err.Error()
	}
	if len(gpus) == 0 {
		return "the NVIDIA driver sees no GPU"
	}
	return fmt.Sprintf("the driver sees %d GPU(s) but libtorch uses none: is CUDA_VISIBLE_DEVICES set, or is the driver older than this libtorch's CUDA?", len(gpus))
}

// mapped reports whether a shared library named prefix.so (or
// prefix.so.N) is loaded into this process.
func mapped(prefix string) bool {
	return mappedLibrary(func(base string) bool { return strings.HasPrefix(base, prefix+".so") }) != ""
}
