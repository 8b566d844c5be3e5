package data

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"transferlab/internal/console"
)

// progressBar shows a download on one line, redrawn in place, with the
// progress bar library the training loop uses:
//
//	48% |███████████             |  mnist/train-images-idx3-ubyte.gz 4.8/9.9 MB  2.1 MB/s
//
// (a spinner instead of the bar while the size is unknown). The bytes and
// the rate are ours, at the line's end, because the library's rate would
// count the bytes a resumed download already had as if this run had
// fetched them. Off a terminal (a log) it prints the same text as a plain
// line at most every console.LineEvery instead: no carriage returns, no
// spinner. It is first drawn when the first bytes come (or at once for a
// resumed download), so a download that gets nothing prints nothing. A
// nil *progressBar draws nothing.
type progressBar struct {
	bar     *progressbar.ProgressBar // nil: plain lines
	label   string
	w       io.Writer
	total   int64 // -1 = unknown
	done    int64
	resumed int64 // bytes that were there before this run (not in the rate)
	start   time.Time
	drawn   time.Time
}

func newProgressBar(w io.Writer, label string, total, done int64) *progressBar {
	return newProgress(w, label, total, done, console.IsTerminal(w))
}

// newProgress is newProgressBar with a bar redrawn in place (bar) or
// plain lines.
func newProgress(w io.Writer, label string, total, done int64, bar bool) *progressBar {
	if w == nil {
		return nil
	}
	p := &progressBar{w: w, label: label, total: total, done: done, resumed: done, start: time.Now()}
	if !bar {
		if done > 0 {
			p.draw("")
		}
		return p
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(p.text("")),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetPredictTime(false),
		// No throttle in the library: Set throttles its own redraws, so
		// that Finish always draws the final state.
		progressbar.OptionThrottle(0),
		// No spinner goroutine: it would keep drawing after a failure.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
	// A resumed download starts at the bytes already there; a fresh one
	// is drawn when its first bytes come (see Set).
	if done > 0 {
		_ = p.bar.Set64(done)
		p.draw("")
	}
	return p
}

// Set records that done bytes of total are through, redrawn at most ten
// times a second (a line at most every console.LineEvery).
func (p *progressBar) Set(done int64) {
	if p == nil {
		return
	}
	p.done = done
	every := 100 * time.Millisecond
	if p.bar == nil {
		every = console.LineEvery
	}
	last := p.drawn
	if last.IsZero() {
		if done > p.resumed { // the first bytes: drawn at once
			p.draw("")
			return
		}
		last = p.start // none yet: a line after every says it waits
	}
	if time.Since(last) >= every {
		p.draw("")
	}
}

// SetTotal sets the total once it is known (-1: unknown).
func (p *progressBar) SetTotal(total int64) {
	if p != nil && total != p.total {
		p.total = total
		if p.bar != nil {
			p.bar.ChangeMax64(total)
		}
	}
}

// Finish draws the final state and ends the line, with a note, unless
// nothing was drawn and no byte came.
func (p *progressBar) Finish(note string) {
	// A download that received nothing (offline) draws nothing: its
	// error says why, and "0.0 MB failed" said nothing more.
	if p == nil || (p.drawn.IsZero() && p.done == p.resumed) {
		return
	}
	p.draw(note)
	if p.bar != nil {
		fmt.Fprintln(p.w)
	}
}

// draw redraws the line: the library's bar and percentage, with text as
// its description.
func (p *progressBar) draw(note string) {
	p.drawn = time.Now()
	if p.bar == nil {
		pct := ""
		if p.total > 0 {
			pct = fmt.Sprintf("%3.0f%% ", 100*float64(p.done)/float64(p.total))
		}
		fmt.Fprintf(p.w, "%s%s\n", pct, p.text(note))
		return
	}
	// Describe draws with the count the bar had; Set64 then draws again
	// if the percentage moved (and at the total, the finished bar).
	p.bar.Describe(p.text(note))
	_ = p.bar.Set64(p.done) // past the total (a file too long) it only errs
}

// text is the line's description: the label, the bytes, the rate of this
// run's bytes and the note.
func (p *progressBar) text(note string) string {
	var b strings.Builder
	b.WriteString(p.label + " ")
	if p.total > 0 {
		fmt.Fprintf(&b, "%s/%s", mb(p.done), mb(p.total))
	} else {
		b.WriteString(mb(p.done))
	}
	b.WriteString(" MB")
	if secs := time.Since(p.start).Seconds(); secs > 0.2 {
		fmt.Fprintf(&b, "  %.1f MB/s", float64(p.done-p.resumed)/1e6/secs)
	}
	if note != "" {
		b.WriteString("  " + note)
	}
	return b.String()
}

func mb(n int64) string { return fmt.Sprintf("%.1f", float64(n)/1e6) }

// humanSize is n bytes in words: "9.9 MB", "512 B".
func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
