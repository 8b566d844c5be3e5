package torchenv

import (
	"bufio"
	"os"
	"strings"
)

// CPUBF16 says which bf16 instructions this CPU has, from /proc/cpuinfo:
// "amx_bf16" (Intel AMX), "avx512_bf16", or "" when it has neither. There
// oneDNN emulates bf16 with fp32 instructions and a bf16 run is many times
// slower than fp32 (bench/RESULTS.md). known is false where the flags
// cannot be read (not Linux).
func CPUBF16() (flag string, known bool) {
	return cpuBF16From("/proc/cpuinfo")
}

func cpuBF16From(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(key) != "flags" {
			continue
		}
		flags := strings.Fields(value)
		for _, want := range []string{"amx_bf16", "avx512_bf16"} {
			for _, fl := range flags {
				if fl == want {
					return want, true
				}
			}
		}
		return "", true
	}
	return "", false
}
