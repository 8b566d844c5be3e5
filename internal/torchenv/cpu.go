package torchenv

import (
	"bufio"
	"os"
	"runtime"
	"slices"
	"strings"
)

// cpuinfo is where Linux describes the CPU.
const cpuinfo = "/proc/cpuinfo"

// CPUBF16 says which bf16 instructions this CPU has, from /proc/cpuinfo:
// "amx_bf16" (Intel AMX), "avx512_bf16", or "" when it has neither. There
// bf16 takes slow paths (oneDNN's emulation on an AVX-512 CPU, libtorch's
// portable bf16 matrix product on an AVX2-only one) and a bf16 run is many
// times slower than fp32 (bench/RESULTS.md). known is false where the flags
// cannot be read (not Linux).
func CPUBF16() (flag string, known bool) {
	return cpuBF16From(cpuinfo)
}

func cpuBF16From(path string) (string, bool) {
	flags, ok := cpuinfoField(path, "flags")
	if !ok {
		return "", false
	}
	fields := strings.Fields(flags)
	for _, want := range []string{"amx_bf16", "avx512_bf16"} {
		if slices.Contains(fields, want) {
			return want, true
		}
	}
	return "", true
}

// CPUModel is the CPU's name from /proc/cpuinfo ("model name", x86), or
// the OS and architecture where there is none.
func CPUModel() string { return cpuModelFrom(cpuinfo) }

func cpuModelFrom(path string) string {
	if v, ok := cpuinfoField(path, "model name"); ok && v != "" {
		return v
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}

// cpuinfoField is the value of the first "key : value" line for key in the
// cpuinfo file at path; false where the file or the key is missing.
func cpuinfoField(path, key string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
