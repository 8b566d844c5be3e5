package metrics

import "math"

// Summary describes repeated measurements of one configuration (its runs
// with different seeds): the mean, the sample standard deviation (n-1) and
// the 95% confidence interval of the mean from Student's t distribution,
// mean ± t(0.975, n-1)·sd/√n. Seeds are few, so the normal 1.96 would
// understate the spread: with 3 seeds t is 4.30.
type Summary struct {
	N        int
	Mean, SD float64
	Lo, Hi   float64 // the interval; equal to Mean when N < 2 (no spread measured)
}

// t975 holds t(0.975, df) for df = 1..30.
var t975 = [...]float64{
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
}

// MaxSeeds is the most measurements the table of t covers exactly.
const MaxSeeds = len(t975) + 1

// T975 is t(0.975, df); beyond the table it is the normal limit, 1.960.
func T975(df int) float64 {
	if df < 1 {
		return math.NaN()
	}
	if df > len(t975) {
		return 1.960
	}
	return t975[df-1]
}

// Summarize returns the summary of xs.
func Summarize(xs []float64) Summary {
	s := Summary{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	s.Lo, s.Hi = s.Mean, s.Mean
	if s.N < 2 {
		return s
	}
	var ss float64
	for _, x := range xs {
		ss += (x - s.Mean) * (x - s.Mean)
	}
	s.SD = math.Sqrt(ss / float64(s.N-1))
	half := T975(s.N-1) * s.SD / math.Sqrt(float64(s.N))
	s.Lo, s.Hi = s.Mean-half, s.Mean+half
	return s
}

// PairedDifference summarises b[i]-a[i], the measurements paired by
// index (by seed): its interval is the t interval of the paired
// differences, narrower than the two intervals apart when the seeds move
// both alike.
func PairedDifference(a, b []float64) Summary {
	n := min(len(a), len(b))
	d := make([]float64, n)
	for i := range d {
		d[i] = b[i] - a[i]
	}
	return Summarize(d)
}

// Contains says whether v lies in the interval; never with fewer than two
// measurements, which have no interval.
func (s Summary) Contains(v float64) bool { return s.N >= 2 && v >= s.Lo && v <= s.Hi }

// TestAccuracies are the runs' final test accuracies, in order; a run
// with no final test pass is left out.
func TestAccuracies(runs []*Run) []float64 {
	var out []float64
	for _, r := range runs {
		if r.Final.Test != nil {
			out = append(out, r.Final.Test.Accuracy)
		}
	}
	return out
}
