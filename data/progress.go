package data

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws one line, redrawn in place with '\r', at most ten
// times a second:
//
//	mnist/train-images-idx3-ubyte.gz [=========>          ]  48%  4.8/9.9 MB  2.1 MB/s
//
// A nil *progressBar draws nothing.
type progressBar struct {
	w       io.Writer
	label   string
	total   int64 // -1 = unknown
	done    int64
	resumed int64 // bytes that were there before this run (not in the rate)
	start   time.Time
	drawn   time.Time
}

func newProgressBar(w io.Writer, label string, total, done int64) *progressBar {
	if w == nil {
		return nil
	}
	p := &progressBar{w: w, label: label, total: total, done: done, resumed: done, start: time.Now()}
	p.draw()
	return p
}

// Set records that done bytes of total are through.
func (p *progressBar) Set(done int64) {
	if p == nil {
		return
	}
	p.done = done
	if time.Since(p.drawn) >= 100*time.Millisecond {
		p.draw()
	}
}

// SetTotal sets the total once it is known (-1: unknown).
func (p *progressBar) SetTotal(total int64) {
	if p != nil {
		p.total = total
	}
}

// Finish draws the final state and ends the line, with a note.
func (p *progressBar) Finish(note string) {
	if p == nil {
		return
	}
	p.draw()
	if note != "" {
		fmt.Fprint(p.w, "  "+note)
	}
	fmt.Fprintln(p.w)
}

func (p *progressBar) draw() {
	p.drawn = time.Now()
	var b strings.Builder
	b.WriteString("\r" + p.label + " ")
	if p.total > 0 {
		const width = 24
		frac := min(float64(p.done)/float64(p.total), 1)
		fill := int(frac * width)
		b.WriteString("[" + strings.Repeat("=", fill))
		if fill < width {
			b.WriteString(">" + strings.Repeat(" ", width-fill-1))
		}
		fmt.Fprintf(&b, "] %3.0f%%  %s/%s", 100*frac, mb(p.done), mb(p.total))
	} else {
		b.WriteString(mb(p.done))
	}
	b.WriteString(" MB")
	if secs := time.Since(p.start).Seconds(); secs > 0.2 {
		fmt.Fprintf(&b, "  %.1f MB/s", float64(p.done-p.resumed)/1e6/secs)
	}
	b.WriteString("   ")
	fmt.Fprint(p.w, b.String())
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
