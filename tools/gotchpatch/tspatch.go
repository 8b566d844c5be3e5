package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// tsPatchVersion names the rewrites below in the build folder's stamp:
// change it when they change, and setup adapts gotch again.
const tsPatchVersion = "ts-patch-1"

// libtorchErrorGo is added to gotch's ts package: what its Must* helpers
// panic with once patchTS has rewritten them.
const libtorchErrorGo = `package ts

// Added by transferlab's gotch adaptation (tools/gotchpatch).

// LibtorchError is what a Must* helper panics with when libtorch reports
// an error (gotch itself calls log.Fatal, which ends the process from
// inside the library). A recover at a caller's boundary returns it as an
// ordinary error.
type LibtorchError struct{ Err error }

func (e LibtorchError) Error() string { return e.Err.Error() }

func (e LibtorchError) Unwrap() error { return e.Err }
`

var (
	// A Must* helper's error check, as gotch writes it.
	mustFatal = regexp.MustCompile(`\blog\.Fatal\(err\)`)
	// A generated op's output pointer(s): C.malloc(0) is never freed
	// (upstream gotch#102, about 1 KB per CNN training step) and too small
	// for the ops that write two or more output pointers.
	outPtrAlloc = regexp.MustCompile(`(?m)^(\s*)(ptr|ctensorPtr0) := \(\*lib\.Ctensor\)\(unsafe\.Pointer\(C\.malloc\(0\)\)\)$`)
)

// maxOutputs bounds the output tensors one generated op writes; the
// largest in libtorch 2.1 write fewer than ten.
const maxOutputs = 64

// patchTS rewrites gotch's ts package in dir: Must* helpers panic with a
// LibtorchError instead of calling log.Fatal, and each generated op
// allocates room for its output pointers and frees it on return.
func patchTS(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s := patchTSFile(string(b))
		if s == string(b) {
			continue
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "transferlab_error.go"), []byte(libtorchErrorGo), 0o644)
}

// patchTSFile applies patchTS's rewrites to one file's source.
func patchTSFile(s string) string {
	s = mustFatal.ReplaceAllString(s, "panic(LibtorchError{err})")
	s = outPtrAlloc.ReplaceAllString(s, fmt.Sprintf("${1}${2} := (*lib.Ctensor)(unsafe.Pointer(C.malloc(C.size_t(%d * unsafe.Sizeof(uintptr(0))))))\n${1}defer C.free(unsafe.Pointer(${2}))", maxOutputs))
	// A file that used log only for those calls no longer compiles with
	// the import.
	if !strings.Contains(s, "log.") {
		s = regexp.MustCompile(`(?m)^\s*"log"\n`).ReplaceAllString(s, "")
	}
	return s
}
