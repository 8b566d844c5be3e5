package torchenv

// #include <malloc.h>
import "C"

// ReleaseFreeMemory hands the memory the C allocator holds free back to
// the operating system (glibc's malloc_trim). libtorch frees a batch's
// activations into per-thread arenas that otherwise keep them, so resident
// memory would wander by tens of MiB from epoch to epoch without any leak.
func ReleaseFreeMemory() { C.malloc_trim(0) }
