package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The C++ layer (gotch's wrappers, stubbed where this libtorch lacks
// them, and transferlab's extension) compiles against the headers of
// another libtorch than the installed one: CI unpacks Debian 13's
// libtorch-dev 2.6 (tools/libtorch-headers.sh, nothing installed) and
// names the folder in TRANSFERLAB_LIBTORCH_HEADERS. The installed 1.13.1
// is compiled by every build.
func TestCxxLayerCompilesAgainstOtherLibtorchHeaders(t *testing.T) {
	root := os.Getenv("TRANSFERLAB_LIBTORCH_HEADERS")
	if root == "" {
		t.Skip("TRANSFERLAB_LIBTORCH_HEADERS is not set (.ci/run sets it to Debian 13's libtorch 2.6 headers)")
	}
	inc := filepath.Join(root, "usr", "include")
	lt := libtorch{Source: "headers", IncludeDir: []string{inc, filepath.Join(inc, "torch", "csrc", "api", "include")}, CXX11ABI: true}
	v, err := folderVersion(filepath.Join(root, "usr"))
	if err != nil {
		t.Fatal(err)
	}
	lt.Version = v
	t.Logf("libtorch %s headers in %s", v, root)

	// No remembered list of wrappers to stub: the test compiles them.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	src, err := moduleDir("v0.9.1")
	if err != nil {
		t.Fatal(err)
	}
	libtch := filepath.Join(t.TempDir(), "libtch")
	if err := copyTree(filepath.Join(src, "libtch"), libtch); err != nil {
		t.Fatal(err)
	}
	stubbed, err := stubUntilItCompiles(libtch, "v0.9.1", lt)
	if err != nil {
		t.Fatalf("gotch's wrappers against libtorch %s: %v", v, err)
	}
	t.Logf("%d wrappers stubbed for libtorch %s: %s", len(stubbed), v, strings.Join(stubbed, " "))

	ext := filepath.Join(libtch, "transferlab_ext.cpp")
	if err := os.WriteFile(ext, []byte(extCPP), 0o644); err != nil {
		t.Fatal(err)
	}
	// -Werror=deprecated-declarations: a call libtorch deprecated also
	// warns at run time, once per call (autocast's old API in 2.4 on).
	args := append([]string{"-fsyntax-only", "-Werror=deprecated-declarations"}, lt.cxxFlags()...)
	out, err := exec.Command(cxx(), append(args, ext)...).CombinedOutput()
	if err != nil {
		t.Fatalf("transferlab_ext.cpp against libtorch %s: %v\n%s", v, err, firstLines(string(out), 30))
	}
}
