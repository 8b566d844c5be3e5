// Package torchenv reports and configures the libtorch runtime that
// transferlab runs on: version, threads, BLAS library and devices. It also
// turns libtorch failures, which the gotch adaptation raises as panics,
// into errors (PanicError).
package torchenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"
)

// LibtorchVersion is the libtorch version gotch was adapted to at setup.
func LibtorchVersion() string { return lib.TransferlabLibtorchVersion }

// LibtorchSource says where that libtorch lives ("debian" or a folder).
func LibtorchSource() string { return lib.TransferlabLibtorchSource }

// StubbedFunctions counts the gotch wrappers this libtorch lacks.
func StubbedFunctions() int { return len(lib.TransferlabStubbed) }

// GotchVersion is the gotch module version in this binary's build info.
func GotchVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/sugarme/gotch" {
				return m.Version
			}
		}
	}
	return "unknown"
}

// DefaultThreads is the intra-op thread count transferlab uses unless told
// otherwise: one per CPU. libtorch would otherwise stay at one thread here.
func DefaultThreads() int { return runtime.NumCPU() }

// SetThreads sets libtorch's intra-op thread count; n <= 0 means
// DefaultThreads.
func SetThreads(n int) error {
	if n <= 0 {
		n = DefaultThreads()
	}
	if n > 1024 {
		return fmt.Errorf("--threads %d is not a sensible thread count: use 1 to %d", n, runtime.NumCPU())
	}
	lib.AtSetNumThreads(n)
	if got := lib.AtGetNumThreads(); got != n {
		return fmt.Errorf("libtorch kept %d threads after asking for %d", got, n)
	}
	return nil
}

// Threads returns libtorch's intra-op thread count.
func Threads() int { return lib.AtGetNumThreads() }

// InteropThreads returns libtorch's inter-op thread count.
func InteropThreads() int { return lib.AtGetNumInteropThreads() }

// Devices lists the devices libtorch can use here.
func Devices() []string {
	d := []string{DeviceCPU}
	for i := 0; i < CUDADeviceCount(); i++ {
		d = append(d, fmt.Sprintf("cuda:%d", i))
	}
	return d
}

// BLASLibrary names the BLAS shared library loaded into this process,
// resolved through symlinks and Debian's alternatives, or "" if none is.
// Debian's default libblas is the slow reference implementation; the
// OpenBLAS one is about 25x faster for fp32 matrix products.
func BLASLibrary() string {
	p := mappedLibrary(func(base string) bool {
		return strings.HasPrefix(base, "libblas.so") || strings.HasPrefix(base, "libopenblas") || strings.HasPrefix(base, "libmkl_rt") || strings.HasPrefix(base, "libblis")
	})
	if p == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// mappedLibrary is the path of the first file mapped into this process
// whose base name matches, or "".
func mappedLibrary(match func(base string) bool) string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && match(filepath.Base(fields[5])) {
			return fields[5]
		}
	}
	return ""
}

// ErrLibtorch marks an error that came from libtorch (a gotch panic).
var ErrLibtorch = errors.New("libtorch")

// PanicError turns a recovered panic into an error: a libtorch error that
// a gotch Must* helper raised (the gotch adaptation makes them panic with
// ts.LibtorchError where gotch would end the process with log.Fatal)
// becomes an error wrapping ErrLibtorch with libtorch's message in one
// line. Any other panic is a bug, and goes on as a panic. Call it from a
// deferred function at a boundary (a run, an evaluation, a command):
//
//	defer func() {
//		if p := recover(); p != nil {
//			err = torchenv.PanicError(p)
//		}
//	}()
func PanicError(p any) error {
	le, ok := p.(ts.LibtorchError)
	if !ok {
		panic(p)
	}
	return fmt.Errorf("%w: %s", ErrLibtorch, LibtorchMessage(le.Err.Error()))
}

// LibtorchMessage shortens a message that carries a libtorch error (gotch
// appends C++ frames to it) to libtorch's own first line.
func LibtorchMessage(msg string) string {
	const marker = "Libtorch API Error:"
	if i := strings.Index(msg, marker); i >= 0 {
		msg = strings.TrimSpace(msg[i+len(marker):])
	}
	line, _, _ := strings.Cut(msg, "\n")
	return strings.TrimSpace(line)
}

// ManualSeed seeds libtorch's generators, as torch.manual_seed does.
func ManualSeed(seed int64) { lib.AtManualSeed(seed) }

// Commit is the transferlab git commit, read from the build info or, for
// `go run` in a checkout, from git; "" when unknown.
func Commit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value[:min(12, len(s.Value))]
			}
		}
	}
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Autocast runs fn inside a bfloat16 autocast region for device (the CPU
// or CUDA), as PyTorch's torch.autocast(device.type, dtype=torch.bfloat16):
// convolutions and matrix products in bfloat16, fp32 where precision
// matters (losses, softmax). The state is per OS thread: the caller must
// be pinned to its thread.
func Autocast(device gotch.Device, fn func()) error {
	cuda := device.IsCuda()
	if err := lib.TransferlabSetAutocastBF16(cuda, true); err != nil {
		return fmt.Errorf("enable bf16 autocast on %s: %w", DeviceName(device), err)
	}
	defer lib.TransferlabSetAutocastBF16(cuda, false)
	fn()
	return nil
}

// AutocastEnabled reports whether autocast is on for device's type on
// this thread.
func AutocastEnabled(device gotch.Device) bool {
	return lib.TransferlabAutocastEnabled(device.IsCuda())
}
