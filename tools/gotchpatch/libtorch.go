package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// libtorch describes one installed libtorch: where its headers and
// libraries are, which version it is and how it was built.
type libtorch struct {
	Source     string   // "debian" or "LIBTORCH"
	Version    string   // for example "1.13.1"
	IncludeDir []string // -I paths
	LibDir     string   // -L path
	CUDA       bool     // libtorch_cuda is present
	CUDALibs   []string `json:",omitempty"` // its CUDA libraries, as -l names: c10_cuda, torch_cuda
	CXX11ABI   bool     // built with the C++11 std::string ABI
}

// findLibtorch uses dir when given (an official libtorch unpacked there),
// otherwise Debian's libtorch-dev.
func findLibtorch(dir string) (libtorch, error) {
	if dir != "" {
		return officialLibtorch(dir)
	}
	return debianLibtorch()
}

// officialLibtorch reads a libtorch folder: an official libtorch zip
// unpacked, or the torch folder of a pip-installed PyTorch (whose include/
// and lib/ have the same layout).
func officialLibtorch(dir string) (libtorch, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return libtorch{}, err
	}
	lt := libtorch{
		Source:     "LIBTORCH",
		IncludeDir: []string{filepath.Join(abs, "include"), filepath.Join(abs, "include", "torch", "csrc", "api", "include")},
		LibDir:     filepath.Join(abs, "lib"),
	}
	if _, err := os.Stat(filepath.Join(lt.IncludeDir[1], "torch", "torch.h")); err != nil {
		return libtorch{}, fmt.Errorf("LIBTORCH=%s does not look like libtorch (no include/torch/csrc/api/include/torch/torch.h): unpack an official libtorch (1.13 to 2.11) there, point it at a pip-installed torch folder, or unset LIBTORCH to use Debian's libtorch-dev", dir)
	}
	if lt.Version, err = folderVersion(abs); err != nil {
		return libtorch{}, err
	}
	return lt, finishLibtorch(&lt)
}

func debianLibtorch() (libtorch, error) {
	lt := libtorch{Source: "debian", IncludeDir: []string{"/usr/include", "/usr/include/torch/csrc/api/include"}}
	if _, err := os.Stat("/usr/include/torch/csrc/api/include/torch/torch.h"); err != nil {
		return libtorch{}, errors.New("libtorch headers not found in /usr/include: install Debian's libtorch-dev (apt-get install libtorch-dev) or set LIBTORCH=/path/to/libtorch")
	}
	out, err := exec.Command("gcc", "-print-multiarch").Output()
	if err != nil {
		return libtorch{}, fmt.Errorf("gcc -print-multiarch: %w", err)
	}
	lt.LibDir = filepath.Join("/usr/lib", strings.TrimSpace(string(out)))
	// Debian's headers say 1.13.0 for the 1.13.1 package; the package
	// version is the one users know.
	if v, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "libtorch-dev").Output(); err == nil && len(v) > 0 {
		lt.Version = strings.SplitN(strings.SplitN(string(v), "+", 2)[0], "-", 2)[0]
	} else if lt.Version, err = folderVersion("/usr"); err != nil {
		return libtorch{}, err
	}
	return lt, finishLibtorch(&lt)
}

func finishLibtorch(lt *libtorch) error {
	c10 := filepath.Join(lt.LibDir, "libc10.so")
	b, err := os.ReadFile(c10)
	if err != nil {
		return fmt.Errorf("libtorch libraries not found: %w", err)
	}
	// Symbols of a C++11-ABI build mention std::__cxx11; the pre-C++11
	// builds of the official site do not.
	lt.CXX11ABI = bytes.Contains(b, []byte("__cxx11"))
	lt.CUDALibs = cudaLibs(lt.LibDir)
	lt.CUDA = slices.Contains(lt.CUDALibs, "torch_cuda")
	return nil
}

// cudaLibs lists the CUDA libraries of the libtorch in libDir, as -l
// names: c10_cuda and torch_cuda, and the torch_cuda_cpp/_cu halves some
// releases split it into.
func cudaLibs(libDir string) []string {
	var libs []string
	for _, name := range []string{"c10_cuda", "torch_cuda", "torch_cuda_cpp", "torch_cuda_cu"} {
		if _, err := os.Stat(filepath.Join(libDir, "lib"+name+".so")); err == nil {
			libs = append(libs, name)
		}
	}
	return libs
}

var versionDefine = regexp.MustCompile(`#define TORCH_VERSION_(MAJOR|MINOR|PATCH) (\d+)`)

// pipVersion is version.py's __version__ = '2.11.0+cu130'.
var pipVersion = regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([0-9]+\.[0-9]+\.[0-9]+)`)

// folderVersion reads the version of the libtorch in folder root from
// the first of its layouts that exists: an official zip's build-version
// file; the headers' TORCH_VERSION_* defines, in torch/headeronly/version.h
// (libtorch 2.10 on; the old file only includes it) or the C++ API's
// torch/version.h (before); a pip-installed torch's version.py.
func folderVersion(root string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(root, "build-version")); err == nil {
		return strings.SplitN(strings.TrimSpace(string(b)), "+", 2)[0], nil
	}
	headers := []string{
		filepath.Join(root, "include", "torch", "headeronly", "version.h"),
		filepath.Join(root, "include", "torch", "csrc", "api", "include", "torch", "version.h"),
	}
	for _, h := range headers {
		if v, err := headerVersion(h); err == nil {
			return v, nil
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "version.py")); err == nil {
		if m := pipVersion.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
	}
	return "", fmt.Errorf("libtorch version: none of build-version, %s, %s or version.py in %s names it", headers[0], headers[1], root)
}

// headerVersion reads TORCH_VERSION_MAJOR/MINOR/PATCH from the header p.
func headerVersion(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("libtorch version: %w", err)
	}
	parts := map[string]string{}
	for _, m := range versionDefine.FindAllStringSubmatch(string(b), -1) {
		parts[m[1]] = m[2]
	}
	if len(parts) != 3 {
		return "", fmt.Errorf("libtorch version: %s has no TORCH_VERSION_MAJOR/MINOR/PATCH", p)
	}
	return parts["MAJOR"] + "." + parts["MINOR"] + "." + parts["PATCH"], nil
}

// cudaLinkFlags link libs even though nothing in gotch calls them:
// libtorch_cuda registers CUDA with libtorch when it is loaded, and a
// linker that drops unreferenced libraries (Ubuntu's g++ passes
// --as-needed by default) would leave it out, and CUDA with it. PyTorch's
// own error for that case names -Wl,--no-as-needed. libcudart needs no
// flag: libtorch_cuda brings it.
func cudaLinkFlags(libs []string) []string {
	f := []string{"-Wl,--push-state,--no-as-needed"}
	for _, l := range libs {
		f = append(f, "-l"+l)
	}
	return append(f, "-Wl,--pop-state")
}

// cxxFlags are the flags that compile gotch's C++ against lt.
func (lt libtorch) cxxFlags() []string {
	f := []string{"-std=c++17"}
	for _, d := range lt.IncludeDir {
		f = append(f, "-I"+d)
	}
	if lt.CXX11ABI {
		f = append(f, "-D_GLIBCXX_USE_CXX11_ABI=1")
	} else {
		f = append(f, "-D_GLIBCXX_USE_CXX11_ABI=0")
	}
	return f
}

// libGo renders gotch's libtch/lib.go for lt. gotch v0.9.1 links the CUDA
// libraries unconditionally, which fails against a CPU-only libtorch.
func (lt libtorch) libGo() string {
	var b strings.Builder
	b.WriteString("// Code generated by transferlab's tools/gotchpatch for libtorch " + lt.Version + " (" + lt.Source + "). DO NOT EDIT.\n\n")
	b.WriteString("package libtch\n\n")
	ld := "-lstdc++ -ltorch -lc10 -ltorch_cpu -L" + lt.LibDir
	if lt.Source != "debian" {
		ld += " -Wl,-rpath," + lt.LibDir
	}
	fmt.Fprintf(&b, "// #cgo LDFLAGS: %s\n", ld)
	if lt.CUDA {
		fmt.Fprintf(&b, "// #cgo LDFLAGS: %s\n", strings.Join(cudaLinkFlags(lt.CUDALibs), " "))
	}
	b.WriteString("// #cgo CFLAGS: -I${SRCDIR} -O2 -Wall -Wno-unused-variable -Wno-deprecated-declarations -Wno-sign-compare -Wno-unused-function\n")
	// The wrappers only forward to libtorch: optimizing or debugging them
	// buys nothing and doubles the cgo compile time.
	fmt.Fprintf(&b, "// #cgo CXXFLAGS: -I${SRCDIR} -O0 -g0 -w %s\n", strings.Join(lt.cxxFlags(), " "))
	b.WriteString("import \"C\"\n")
	return b.String()
}
