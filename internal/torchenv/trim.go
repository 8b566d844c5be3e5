package torchenv

// #include <malloc.h>
import "C"

import (
	"os"
	"strings"
)

func init() {
	if !strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.") {
		KeepLargeBuffers()
	}
}

// ReleaseFreeMemory hands the memory the C allocator holds free back to
// the operating system (glibc's malloc_trim). libtorch frees a batch's
// activations into per-thread arenas that otherwise keep them, so resident
// memory would wander by tens of MiB from epoch to epoch without any leak.
func ReleaseFreeMemory() { C.malloc_trim(0) }

// KeepLargeBuffers stops glibc from serving allocations with mmap and from
// returning freed memory at the heap's top after every free, so libtorch's
// large per-step buffers are reused instead of unmapped and faulted in
// again, page by page, at the next step. glibc maps every block above
// 32 MiB (its largest mmap threshold) afresh: the FFN's 2048x4096 hidden
// activations are 33.5 MB, and a quarter of an FFN training step went to
// page faults before this (perf, 1 thread). Memory is still handed back
// once per epoch by ReleaseFreeMemory. It runs at package init, before
// libtorch allocates, unless the user set glibc.malloc tunables in
// GLIBC_TUNABLES.
func KeepLargeBuffers() {
	C.mallopt(C.M_MMAP_MAX, 0)
	C.mallopt(C.M_TRIM_THRESHOLD, C.int(1<<30))
}
