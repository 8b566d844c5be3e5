package metrics

import (
	"math"
	"testing"
)

// Expected values computed by hand: mean, sum of squared deviations over
// n-1, t from the table, half-width t·sd/√n.
func TestSummarizeMatchesHandComputedValues(t *testing.T) {
	for _, c := range []struct {
		xs               []float64
		mean, sd, lo, hi float64
		inside, outside  float64
	}{
		// mean 2.5; sd √(5/3) = 1.290994; t(3) = 3.182; half 3.182·1.290994/2 = 2.053972
		{[]float64{1, 2, 3, 4}, 2.5, 1.290994, 0.446028, 4.553972, 4.5, 4.6},
		// mean 98.4; sd √0.08 = 0.282843; t(1) = 12.706; half 12.706·0.282843/√2 = 2.5412
		{[]float64{98.2, 98.6}, 98.4, 0.282843, 95.8588, 100.9412, 100.9, 101},
		// mean 10; sd 0: every seed gave the same number
		{[]float64{10, 10, 10}, 10, 0, 10, 10, 10, 10.001},
	} {
		s := Summarize(c.xs)
		for _, v := range [][2]float64{{s.Mean, c.mean}, {s.SD, c.sd}, {s.Lo, c.lo}, {s.Hi, c.hi}} {
			if math.Abs(v[0]-v[1]) > 1e-4 {
				t.Errorf("Summarize(%v) = %+v, want mean %g sd %g interval [%g, %g]", c.xs, s, c.mean, c.sd, c.lo, c.hi)
				break
			}
		}
		if s.N != len(c.xs) || !s.Contains(c.inside) || s.Contains(c.outside) {
			t.Errorf("Summarize(%v): N %d, contains %g: %v, contains %g: %v", c.xs, s.N, c.inside, s.Contains(c.inside), c.outside, s.Contains(c.outside))
		}
	}
	one := Summarize([]float64{42})
	if one.Mean != 42 || one.SD != 0 || one.Contains(42) {
		t.Errorf("one measurement: %+v, contains its own value: %v (want no interval)", one, one.Contains(42))
	}
	if T975(29) != 2.045 || T975(10) != 2.228 || T975(100) != 1.960 || !math.IsNaN(T975(0)) {
		t.Errorf("t table: t(29) %g, t(10) %g, t(100) %g, t(0) %g", T975(29), T975(10), T975(100), T975(0))
	}
}

// The paired difference is the summary of b-a seed by seed: its interval
// is the t interval of the differences (with 3 seeds t is 4.303), much
// narrower here than either recipe's spread, which the seeds share.
func TestPairedDifferenceIsTheTIntervalOfTheDifferences(t *testing.T) {
	a := []float64{80, 84, 88}
	b := []float64{81, 85.5, 89}
	d := PairedDifference(a, b)
	sd := math.Sqrt(((1-7.0/6)*(1-7.0/6) + (1.5-7.0/6)*(1.5-7.0/6) + (1-7.0/6)*(1-7.0/6)) / 2)
	half := 4.303 * sd / math.Sqrt(3)
	if d.N != 3 || math.Abs(d.Mean-7.0/6) > 1e-12 || math.Abs(d.Lo-(7.0/6-half)) > 1e-9 || math.Abs(d.Hi-(7.0/6+half)) > 1e-9 {
		t.Errorf("paired difference %+v, want mean %.4f ± %.4f", d, 7.0/6, half)
	}
	if d.Lo <= 0 || Summarize(b).Lo > Summarize(a).Hi {
		t.Errorf("the paired interval %+v should be above 0 where the unpaired intervals overlap", d)
	}
}
