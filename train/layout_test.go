package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layoutLog records what the chooser reports.
type layoutLog struct{ lines []string }

func (l *layoutLog) Printf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// fakeLayouts is an injected measurement: fixed rates per layout, and a
// count of the calls, so the tests check the caching, not the timing.
type fakeLayouts struct {
	contiguous, channelsLast float64
	err                      error
	calls                    []string
}

func (f *fakeLayouts) measure(precision string, training, channelsLast bool) (float64, error) {
	f.calls = append(f.calls, fmt.Sprintf("%s/%v/%v", precision, training, channelsLast))
	if channelsLast {
		return f.channelsLast, f.err
	}
	return f.contiguous, f.err
}

func testChooser(path string, f *fakeLayouts) layoutChooser {
	return layoutChooser{path: path, cpu: "Test CPU 9000", libtorch: "1.13.1", threads: 2,
		measure: f.measure, memo: &layoutMemo{m: map[string]bool{}}}
}

func TestChannelsLastMeasuresOnceThenReadsTheCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "transferlab", "layout.json")
	f := &fakeLayouts{contiguous: 863, channelsLast: 1015}
	log := &layoutLog{}
	if !testChooser(path, f).choose("bf16", true, log) {
		t.Error("channels_last measured 18% faster and was not chosen")
	}
	if len(f.calls) != 2 {
		t.Fatalf("measured %v, want both layouts once", f.calls)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Test CPU 9000 | libtorch 1.13.1 | bf16 | training") || !strings.Contains(string(b), "1015") {
		t.Errorf("cache file does not record the key and the measurement:\n%s", b)
	}
	// A new process (a fresh memo) reads the file instead of measuring.
	if !testChooser(path, f).choose("bf16", true, log) || len(f.calls) != 2 {
		t.Errorf("second process: measured again (%v)", f.calls)
	}
	// Another precision, mode, CPU or libtorch is another question.
	c := testChooser(path, f)
	c.choose("bf16", false, log)
	c.choose("fp32", true, log)
	c.libtorch = "2.1.0"
	c.choose("bf16", true, log)
	c.cpu = "Other CPU"
	c.choose("bf16", true, log)
	if len(f.calls) != 10 {
		t.Errorf("four new keys: %d measurements in all, want 10 (%v)", len(f.calls), f.calls)
	}
	got, err := readLayoutFile(path)
	if err != nil || len(got.Entries) != 5 {
		t.Errorf("cache holds %d entries (%v), want all 5 kept", len(got.Entries), err)
	}
}

func TestChannelsLastWantsAClearMargin(t *testing.T) {
	for _, tc := range []struct {
		contiguous, channelsLast float64
		want                     bool
	}{
		{640, 502, false}, // bf16 training on the AVX512-BF16 EPYC
		{1000, 1030, false},
		{1000, 1100, true},
	} {
		f := &fakeLayouts{contiguous: tc.contiguous, channelsLast: tc.channelsLast}
		if got := testChooser("", f).choose("fp32", true, &layoutLog{}); got != tc.want {
			t.Errorf("%v img/s against %v: channels_last %v, want %v", tc.channelsLast, tc.contiguous, got, tc.want)
		}
	}
}

func TestChannelsLastOverride(t *testing.T) {
	for _, tc := range []struct {
		env          string
		want         bool
		measurements int
	}{
		{"on", true, 0},
		{" ON ", true, 0},
		{"off", false, 0},
		{"auto", true, 2},
		{"", true, 2},
		{"yes please", true, 2}, // reported, then as auto
	} {
		f := &fakeLayouts{contiguous: 100, channelsLast: 200}
		c := testChooser(filepath.Join(t.TempDir(), "layout.json"), f)
		c.override = tc.env
		// An override holds even where measuring would be skipped.
		c.bf16Emulated = tc.measurements == 0
		log := &layoutLog{}
		if got := c.choose("bf16", true, log); got != tc.want || len(f.calls) != tc.measurements {
			t.Errorf("%s=%q: %v after %d measurements, want %v after %d", ChannelsLastEnv, tc.env, got, len(f.calls), tc.want, tc.measurements)
		}
		if warned := strings.Contains(strings.Join(log.lines, "\n"), "ignoring"); warned != (tc.env == "yes please") {
			t.Errorf("%s=%q: warning %v (log %q)", ChannelsLastEnv, tc.env, warned, log.lines)
		}
	}
}

func TestChannelsLastSkipsEmulatedBF16(t *testing.T) {
	path := filepath.Join(t.TempDir(), "layout.json")
	f := &fakeLayouts{contiguous: 1, channelsLast: 100}
	c := testChooser(path, f)
	c.bf16Emulated = true
	if c.choose("bf16", true, &layoutLog{}) || len(f.calls) != 0 {
		t.Errorf("bf16 without bf16 instructions: measured %v", f.calls)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("nothing measured, yet the cache was written (%v)", err)
	}
	if !c.choose("fp32", true, &layoutLog{}) || len(f.calls) != 2 {
		t.Errorf("fp32 on the same CPU: measured %v, want both layouts", f.calls)
	}
}

func TestChannelsLastFailuresKeepTheStandardLayout(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "layout.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeLayouts{contiguous: 100, channelsLast: 200, err: errors.New("libtorch: no")}
	log := &layoutLog{}
	c := testChooser(path, f)
	if c.choose("fp32", false, log) {
		t.Error("a failed measurement chose channels_last")
	}
	if !strings.Contains(strings.Join(log.lines, "\n"), "libtorch: no") {
		t.Errorf("the failure was not reported: %q", log.lines)
	}
	// Not cached: the next call measures again, and a damaged file is replaced.
	f.err = nil
	if !c.choose("fp32", false, log) || len(f.calls) != 3 {
		t.Errorf("after a failure: measured %v, want a new measurement", f.calls)
	}
	if got, err := readLayoutFile(path); err != nil || len(got.Entries) != 1 {
		t.Errorf("damaged cache not replaced: %d entries, %v", len(got.Entries), err)
	}
	// A cache folder that cannot be written leaves the answer in the process.
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f2 := &fakeLayouts{contiguous: 100, channelsLast: 200}
	c2 := testChooser(filepath.Join(blocked, "layout.json"), f2)
	log2 := &layoutLog{}
	if !c2.choose("fp32", true, log2) || !c2.choose("fp32", true, log2) || len(f2.calls) != 2 {
		t.Errorf("unwritable cache: measured %v, want once per process", f2.calls)
	}
	if !strings.Contains(strings.Join(log2.lines, "\n"), "layout cache") {
		t.Errorf("the failed write was not reported: %q", log2.lines)
	}
}

// The real measurement runs the CNN in both layouts: evaluation in fp32,
// the cheapest mode, gives a rate for each (no assertion on which wins).
func TestMeasureLayoutRunsBothLayouts(t *testing.T) {
	for _, cl := range []bool{false, true} {
		ips, err := measureLayout("fp32", false, cl)
		if err != nil || !(ips > 0) {
			t.Errorf("channels_last %v: %v img/s, %v", cl, ips, err)
		}
	}
}
