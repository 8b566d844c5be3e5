package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates each file of files (path relative to root: content).
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	csrcVersionH = "#pragma once\n#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 6\n#define TORCH_VERSION_PATCH 0\n#define TORCH_VERSION \"2.6.0\"\n"
	// libtorch 2.10 on: the C++ API's version.h only includes the
	// header-only one.
	csrcIncludesHeaderonly = "#pragma once\n#include <torch/headeronly/version.h>\n"
	headeronlyVersionH     = "#pragma once\n#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 11\n#define TORCH_VERSION_PATCH 0\n"
	csrc                   = "include/torch/csrc/api/include/torch/version.h"
)

// The four layouts a libtorch folder comes in, each with the version only
// its own file names (so a reader of the wrong file fails).
func TestFolderVersionReadsEveryLayout(t *testing.T) {
	cases := []struct {
		layout string
		files  map[string]string
		want   string
	}{
		{"official zip (build-version)", map[string]string{"build-version": "2.1.2+cpu\n", csrc: csrcVersionH}, "2.1.2"},
		{"headers before 2.10 (csrc version.h)", map[string]string{csrc: csrcVersionH}, "2.6.0"},
		{"headers from 2.10 (torch/headeronly/version.h)", map[string]string{
			csrc: csrcIncludesHeaderonly, "include/torch/headeronly/version.h": headeronlyVersionH}, "2.11.0"},
		{"pip torch (version.py, no build-version)", map[string]string{
			csrc: csrcIncludesHeaderonly, "version.py": "from typing import Optional\n\n__all__ = ['__version__']\n__version__ = '2.11.0+cu130'\ngit_version = 'abc'\n"}, "2.11.0"},
	}
	for _, c := range cases {
		t.Run(c.layout, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, c.files)
			got, err := folderVersion(root)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("version %q, want %q", got, c.want)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		root := t.TempDir()
		writeFiles(t, root, map[string]string{csrc: csrcIncludesHeaderonly})
		if v, err := folderVersion(root); err == nil {
			t.Errorf("a folder without a version gave %q", v)
		}
	})
}

// A pip torch folder is taken as LIBTORCH: its include/ and lib/ are an
// official zip's, and its CUDA libraries are found.
func TestOfficialLibtorchTakesAPipTorchFolder(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		csrc: csrcIncludesHeaderonly, "include/torch/headeronly/version.h": headeronlyVersionH,
		"include/torch/csrc/api/include/torch/torch.h": "",
		"version.py":    "__version__ = '2.11.0+cu130'\n",
		"lib/libc10.so": "std::__cxx11::basic_string", "lib/libc10_cuda.so": "", "lib/libtorch_cuda.so": "",
	})
	lt, err := officialLibtorch(root)
	if err != nil {
		t.Fatal(err)
	}
	if lt.Version != "2.11.0" || !lt.CUDA || !lt.CXX11ABI || strings.Join(lt.CUDALibs, " ") != "c10_cuda torch_cuda" {
		t.Errorf("got %+v", lt)
	}
}

// The CUDA libraries must stay linked under --as-needed (Ubuntu's g++
// default), which drops a library nothing references: libtorch_cuda is
// one, and without it libtorch never registers CUDA. The test links a
// program with lib.go's flags against stand-in libraries and reads the
// NEEDED entries.
func TestCUDALinkFlagsKeepLibtorchCUDA(t *testing.T) {
	for _, tool := range []string{"gcc", "readelf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (setup installs g++ and binutils)", tool)
		}
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.c")
	writeFiles(t, dir, map[string]string{"empty.c": "int transferlab_unused;\n", "main.c": "int main(void) { return 0; }\n"})
	lib := filepath.Join(dir, "lib")
	if err := os.Mkdir(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"c10", "torch", "torch_cpu", "c10_cuda", "torch_cuda"} {
		out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", filepath.Join(lib, "lib"+name+".so"), empty).CombinedOutput()
		if err != nil {
			t.Fatalf("build stand-in lib%s.so: %v\n%s", name, err, out)
		}
	}
	lt := libtorch{Source: "LIBTORCH", Version: "2.11.0", LibDir: lib, CUDA: true, CUDALibs: cudaLibs(lib)}
	var flags []string
	for _, line := range strings.Split(lt.libGo(), "\n") {
		if rest, ok := strings.CutPrefix(line, "// #cgo LDFLAGS: "); ok {
			flags = append(flags, strings.Fields(rest)...)
		}
	}
	bin := filepath.Join(dir, "prog")
	args := append([]string{"-Wl,--as-needed", "-o", bin, filepath.Join(dir, "main.c")}, flags...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	out, err := exec.Command("readelf", "-d", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"libtorch_cuda.so", "libc10_cuda.so"} {
		if !strings.Contains(string(out), "Shared library: ["+want+"]") {
			t.Errorf("linked with %v under --as-needed, the program does not need %s:\n%s", flags, want, out)
		}
	}
}
