package torchenv

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is what 'transferlab doctor' prints.
type Report struct {
	Libtorch       string
	LibtorchSource string
	Stubbed        int
	Threads        int
	InteropThreads int
	BLAS           string
	Devices        []string
	GPUs           []GPU  // as the driver names them, where libtorch uses them
	NoGPU          string // why libtorch sees no GPU, where it sees none
	Gotch          string
	CPUBF16        string // "amx_bf16", "avx512_bf16" or ""
	CPUBF16Known   bool
}

// Collect reads the runtime's current state.
func Collect() Report {
	r := Report{
		Libtorch:       LibtorchVersion(),
		LibtorchSource: LibtorchSource(),
		Stubbed:        StubbedFunctions(),
		Threads:        Threads(),
		InteropThreads: InteropThreads(),
		BLAS:           BLASLibrary(),
		Devices:        Devices(),
		Gotch:          GotchVersion(),
	}
	if CUDADeviceCount() > 0 {
		r.GPUs, _ = DriverGPUs()
	} else {
		r.NoGPU = NoGPUReason()
	}
	r.CPUBF16, r.CPUBF16Known = CPUBF16()
	return r
}

// WriteReport prints r as aligned "key  value" lines, with a hint where a
// value will slow transferlab down.
func WriteReport(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	blas := r.BLAS
	switch {
	case blas == "":
		blas = "none loaded"
	case !strings.Contains(blas, "openblas") && !strings.Contains(blas, "mkl") && !strings.Contains(blas, "blis"):
		blas += "  (reference BLAS, ~25x slower: apt-get install libopenblas0-pthread)"
	}
	fmt.Fprintf(tw, "libtorch\t%s (%s; %d gotch wrappers unavailable)\n", r.Libtorch, r.LibtorchSource, r.Stubbed)
	fmt.Fprintf(tw, "threads\t%d intra-op, %d inter-op\n", r.Threads, r.InteropThreads)
	fmt.Fprintf(tw, "blas\t%s\n", blas)
	fmt.Fprintf(tw, "devices\t%s\n", strings.Join(r.Devices, ", "))
	for _, g := range r.GPUs {
		fmt.Fprintf(tw, "gpu\t%s\n", g)
	}
	if r.NoGPU != "" {
		fmt.Fprintf(tw, "gpu\tnone: %s\n", r.NoGPU)
	}
	fmt.Fprintf(tw, "gotch\t%s\n", r.Gotch)
	if r.CPUBF16Known {
		bf16 := r.CPUBF16 + " (native)"
		if r.CPUBF16 == "" {
			bf16 = "emulated: this CPU has neither avx512_bf16 nor amx_bf16, so --precision bf16 runs many times slower than fp32"
		}
		fmt.Fprintf(tw, "bf16\t%s\n", bf16)
	}
	return tw.Flush()
}
