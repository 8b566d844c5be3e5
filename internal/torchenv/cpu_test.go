package torchenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestCPUBF16ReadsTheFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		flags, want string
		known       bool
	}{
		{"fpu avx2 fma amx_bf16 avx512_bf16 amx_tile", "amx_bf16", true},
		{"fpu avx2 avx512f avx512_bf16", "avx512_bf16", true},
		{"fpu avx2 fma f16c", "", true},
	} {
		p := filepath.Join(dir, "cpuinfo")
		os.WriteFile(p, []byte("processor\t: 0\nmodel name\t: X\nflags\t\t: "+c.flags+"\n"), 0o644)
		if got, known := cpuBF16From(p); got != c.want || known != c.known {
			t.Errorf("flags %q: got %q (known %v), want %q", c.flags, got, known, c.want)
		}
	}
	if _, known := cpuBF16From(filepath.Join(dir, "missing")); known {
		t.Error("an unreadable cpuinfo counted as known")
	}
}

func TestCPUModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpuinfo")
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu avx2\n"
	if err := os.WriteFile(path, []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cpuModelFrom(path); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got, want := cpuModelFrom(filepath.Join(t.TempDir(), "none")), runtime.GOOS+"/"+runtime.GOARCH; got != want {
		t.Errorf("no cpuinfo: %q, want %q", got, want)
	}
}
