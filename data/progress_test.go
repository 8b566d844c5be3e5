package data

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The download line shows the label, the percentage, the bytes and the
// rate; a resumed download starts at the bytes already there, which are
// not in the rate.
func TestProgressBarShowsBytesAndRateOfThisRun(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	p := newProgress(&out, "fake/train-images-idx3-ubyte.gz", 10_000_000, 4_000_000, true)
	first := out.String()
	for _, want := range []string{"fake/train-images-idx3-ubyte.gz", "40%", "4.0/10.0 MB"} {
		if !strings.Contains(first, want) {
			t.Errorf("first frame %q lacks %q", first, want)
		}
	}
	if strings.Contains(first, " 0%") {
		t.Errorf("the resumed download was drawn at 0%%: %q", first)
	}
	const slept = 300 * time.Millisecond
	time.Sleep(slept)
	p.Set(10_000_000)
	p.Finish("done (resumed at 4.0 MB)")
	elapsed := time.Since(start)
	all := out.String()
	last := all[strings.LastIndex(all, "\r")+1:]
	for _, want := range []string{"100%", "10.0/10.0 MB", "MB/s", "done (resumed at 4.0 MB)"} {
		if !strings.Contains(last, want) {
			t.Errorf("last frame %q lacks %q", last, want)
		}
	}
	if !strings.HasSuffix(all, "\n") {
		t.Errorf("the line is not ended: %q", last)
	}
	m := regexp.MustCompile(`([0-9.]+) MB/s`).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("no rate in %q", last)
	}
	rate, _ := strconv.ParseFloat(m[1], 64)
	// 6 MB came in this run, in at least slept and at most elapsed; the
	// 4 MB already there would make it 10 MB.
	if lo, hi := 6/elapsed.Seconds()-0.1, 6/slept.Seconds()+0.1; rate < lo || rate > hi {
		t.Errorf("rate %.1f MB/s, want 6 MB over %v..%v (%.1f to %.1f)", rate, slept, elapsed, lo, hi)
	}

	// Without a writer nothing is drawn and nothing fails.
	none := newProgressBar(nil, "x", 10, 0)
	if none != nil {
		t.Error("a bar without a writer")
	}
	none.SetTotal(20)
	none.Set(5)
	none.Finish("done")
}

// Off a terminal (a log file, CI) the download prints plain lines, the
// first when the first bytes come and the last at the end, with no carriage return and no
// spinner between them.
func TestProgressOffATerminalIsPlainLines(t *testing.T) {
	var out bytes.Buffer
	p := newProgressBar(&out, "fake/emnist.zip", -1, 0) // a buffer is no terminal; size unknown
	for i := int64(1); i <= 100; i++ {
		p.Set(i * 1_000_000)
	}
	p.SetTotal(100_000_000)
	p.Finish("done")
	got := out.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if strings.ContainsAny(got, "\r") || len(lines) != 2 {
		t.Fatalf("off a terminal: %q; want two plain lines", got)
	}
	if !strings.Contains(lines[0], "fake/emnist.zip 1.0 MB") || !strings.Contains(lines[1], "100% fake/emnist.zip 100.0/100.0 MB") || !strings.HasSuffix(lines[1], "done") {
		t.Errorf("lines %q", lines)
	}
}

// A download that receives nothing (offline) prints nothing, on a
// terminal or off one: the error that follows says why. Before, it
// printed "emnist-letters/gzip.zip 0.0 MB" and "0.0 MB  failed" (issue
// 26).
func TestProgressOfADownloadThatGetsNothingIsSilent(t *testing.T) {
	for _, bar := range []bool{true, false} {
		var out bytes.Buffer
		p := newProgress(&out, "emnist-letters/gzip.zip", -1, 0, bar)
		p.Set(0)
		p.Finish("failed")
		if out.Len() != 0 {
			t.Errorf("bar %v: a download that got nothing printed %q", bar, out.String())
		}
	}
}
