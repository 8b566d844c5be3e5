package train

import (
	"math"
	"testing"
)

// The schedules' rates at the steps that define them: the warmup's first
// and last step, the middle and the last step, from their definitions.
func TestScheduleRatesAtKnownSteps(t *testing.T) {
	const base = 0.01
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-15*math.Max(1, math.Abs(want)/base) }
	for _, c := range []struct {
		kind    string
		epochs  int
		batches int
		warmup  float64
		at      map[int]float64
	}{
		{ScheduleConstant, 3, 10, 0, map[int]float64{0: base, 15: base, 29: base}},
		// One epoch of warmup: base/10 at the first step, base at its last (9).
		{ScheduleConstant, 3, 10, 1, map[int]float64{0: base / 10, 4: base / 2, 9: base, 10: base, 29: base}},
		// A fractional warmup: 0.5 epoch of 10 batches is 5 steps.
		{ScheduleConstant, 2, 10, 0.5, map[int]float64{0: base / 5, 4: base, 5: base}},
		// Cosine after 10 warmup steps over the other 30: base at the
		// first, half at the middle (t=15), near 0 at the last (t=29).
		{ScheduleCosine, 4, 10, 1, map[int]float64{9: base, 10: base, 25: base / 2, 39: base * (1 + math.Cos(math.Pi*29/30)) / 2}},
		{ScheduleCosine, 2, 10, 0, map[int]float64{0: base, 10: base / 2, 19: base * (1 + math.Cos(math.Pi*19/20)) / 2}},
		// OneCycleLR over 100 steps: base/25 at 0, base at the end of the
		// rise (0.3*100-1 = 29), the mean of base and the final rate in the
		// middle of the fall (64), base/25/1e4 at the last step (99).
		{ScheduleOneCycle, 10, 10, 0, map[int]float64{0: base / 25, 29: base, 64: (base + base/25/1e4) / 2, 99: base / 25 / 1e4}},
	} {
		s, err := newSchedule(c.kind, base, c.epochs, c.batches, c.warmup)
		if err != nil {
			t.Fatal(err)
		}
		for step, want := range c.at {
			if got := s.lr(step); !near(got, want) {
				t.Errorf("%s, warmup %g: step %d lr %.17g, want %.17g", c.kind, c.warmup, step, got, want)
			}
		}
	}
}

// The rates rise through a warmup and fall after it: monotone between
// the defining points, not only right at them.
func TestScheduleShapes(t *testing.T) {
	s, _ := newSchedule(ScheduleOneCycle, 1, 7, 13, 0)
	peak := 0
	for i := 1; i < s.total; i++ {
		if s.lr(i) > s.lr(peak) {
			peak = i
		}
	}
	if want := int(math.Ceil(0.3*float64(s.total) - 1)); peak != want && peak != want-1 {
		t.Errorf("onecycle peaks at step %d of %d, want about %d", peak, s.total, want)
	}
	for i := 1; i < s.total; i++ {
		if (i <= peak) != (s.lr(i) >= s.lr(i-1)) {
			t.Fatalf("onecycle is not rising then falling at step %d", i)
		}
	}
	c, _ := newSchedule(ScheduleCosine, 1, 5, 10, 1.5)
	for i := 1; i < c.total; i++ {
		if rising := i < c.warmup; rising != (c.lr(i) > c.lr(i-1)) && !(i == c.warmup && c.lr(i) == c.lr(i-1)) {
			t.Fatalf("cosine with warmup: step %d lr %g after %g", i, c.lr(i), c.lr(i-1))
		}
	}
}

func TestScheduleRefusals(t *testing.T) {
	if s, _ := newSchedule("", 1e-3, 10, 100, 0); s.changes() {
		t.Error("the default schedule changes the rate: the seed's recipe would not run as before")
	}
	if s, _ := newSchedule(ScheduleConstant, 1e-3, 10, 100, 0.5); !s.changes() {
		t.Error("a warmup does not change the rate")
	}
	for _, c := range []struct {
		kind   string
		warmup float64
	}{{"step", 0}, {ScheduleOneCycle, 1}, {ScheduleCosine, -1}, {ScheduleCosine, math.NaN()}} {
		if _, err := newSchedule(c.kind, 1e-3, 10, 100, c.warmup); err == nil {
			t.Errorf("schedule %q with warmup %v accepted", c.kind, c.warmup)
		}
	}
}
