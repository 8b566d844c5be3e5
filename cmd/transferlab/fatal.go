package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"transferlab/internal/torchenv"
)

// gotch's Must* functions report a libtorch error with log.Fatal: the
// message carries libtorch's C++ frames and a Go stack trace, then the
// process exits with status 1. transferlab checks its inputs before
// calling libtorch so this should not happen; when it does, the user gets
// one line naming the libtorch error instead of a trace.
func init() {
	log.SetFlags(0)
	log.SetOutput(&fatalFilter{w: os.Stderr})
}

type fatalFilter struct{ w io.Writer }

func (f *fatalFilter) Write(p []byte) (int, error) {
	fmt.Fprintln(f.w, "transferlab:", oneLine(string(bytes.TrimSpace(p))))
	return len(p), nil
}

// oneLine shortens a message that carries a libtorch error (gotch appends
// C++ frames and a Go stack trace to it) to the text before the first line
// break of the libtorch error.
func oneLine(msg string) string {
	const marker = "Libtorch API Error:"
	i := strings.Index(msg, marker)
	if i < 0 {
		return msg
	}
	return msg[:i] + "libtorch: " + torchenv.LibtorchMessage(msg[i:])
}
