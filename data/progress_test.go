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
	p := newProgressBar(&out, "fake/train-images-idx3-ubyte.gz", 10_000_000, 4_000_000)
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
