// Package console says how progress is shown on a writer: redrawn in
// place on a terminal, and elsewhere (a log file, CI) as plain lines at
// most every LineEvery, where carriage returns and spinners would pile up
// as garbage.
package console

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// LineEvery is the time between two progress lines off a terminal: often
// enough that a reader of a log sees a pass move and its time left (at 30
// s, a 16 s feature pass printed nothing).
const LineEvery = 10 * time.Second

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ETA is the time left for the rest of total steps at the pace of the
// done ones since start, rounded for a person: "ETA 3m20s"; "" before the
// first step.
func ETA(start time.Time, done, total int) string {
	if done <= 0 || done >= total {
		return ""
	}
	left := time.Duration(float64(time.Since(start)) / float64(done) * float64(total-done))
	return fmt.Sprintf("ETA %s", left.Round(time.Second))
}
