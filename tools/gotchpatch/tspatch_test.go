package main

import (
	"strings"
	"testing"
)

func TestPatchTSFile(t *testing.T) {
	must := "package ts\n\nimport(\n  \"log\"\n\n  \"github.com/sugarme/gotch\"\n)\n\nfunc(ts *Tensor) MustAbs(del bool)(retVal *Tensor) {\n  retVal, err := ts.Abs(del)\n  if err != nil { log.Fatal(err) }\n  return retVal\n}\n"
	got := patchTSFile(must)
	if strings.Contains(got, "log.Fatal") || !strings.Contains(got, "panic(LibtorchError{err})") || strings.Contains(got, `"log"`) {
		t.Errorf("Must helper not rewritten (or its unused log import kept):\n%s", got)
	}
	op := "func(ts *Tensor) Abs(del bool)(retVal *Tensor, err error) {\n  ptr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(0)))\n  lib.AtgAbs(ptr, ts.ctensor)\n  retVal = newTensor(*ptr)\n  return\n}\n" +
		"func Aminmax()(a, b *Tensor, err error) {\n  ctensorPtr0 := (*lib.Ctensor)(unsafe.Pointer(C.malloc(0)))\n  ctensorPtr1 := (*lib.Ctensor)(unsafe.Pointer(uintptr(unsafe.Pointer(ctensorPtr0)) + unsafe.Sizeof(ctensorPtr0)))\n  return\n}\n"
	got = patchTSFile(op)
	if strings.Contains(got, "C.malloc(0)") || strings.Count(got, "defer C.free(unsafe.Pointer(") != 2 ||
		!strings.Contains(got, "ptr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(C.size_t(64 * unsafe.Sizeof(uintptr(0))))))\n  defer C.free(unsafe.Pointer(ptr))") {
		t.Errorf("output pointers not allocated and freed:\n%s", got)
	}
	keep := "import \"log\"\nfunc f() { log.Printf(\"x\"); log.Fatal(err) }\n"
	if got := patchTSFile(keep); !strings.Contains(got, `"log"`) {
		t.Errorf("a file that still logs lost its import:\n%s", got)
	}
}
