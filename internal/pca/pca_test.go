package pca

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// blobs draws n points of d dimensions: the first half around +dir*sep/2,
// the second around -dir*sep/2, with unit Gaussian noise in every
// dimension.
func blobs(n, d int, sep float64, seed uint64) (x, dir []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	dir = make([]float64, d)
	var norm float64
	for j := range dir {
		dir[j] = r.NormFloat64()
		norm += dir[j] * dir[j]
	}
	for j := range dir {
		dir[j] /= math.Sqrt(norm)
	}
	x = make([]float64, n*d)
	for i := 0; i < n; i++ {
		side := 0.5
		if i >= n/2 {
			side = -0.5
		}
		for j := 0; j < d; j++ {
			x[i*d+j] = side*sep*dir[j] + r.NormFloat64()
		}
	}
	return x, dir
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// checkResult checks what every fit must satisfy: orthonormal components,
// variance in decreasing order, and projections that are the centred
// points times the components.
func checkResult(t *testing.T, x []float64, n, d int, r *Result) {
	t.Helper()
	k := len(r.Components)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			want := 0.0
			if a == b {
				want = 1
			}
			if got := dot(r.Components[a], r.Components[b]); math.Abs(got-want) > 1e-9 {
				t.Errorf("components %d·%d = %g, want %g", a, b, got, want)
			}
		}
	}
	for c := 1; c < k; c++ {
		if r.Variance[c] > r.Variance[c-1] {
			t.Errorf("variance %v is not in decreasing order", r.Variance)
		}
	}
	if sum := r.Variance[0] + r.Variance[1]; sum > r.Total*(1+1e-9) {
		t.Errorf("variance along the components %g exceeds the total %g", sum, r.Total)
	}
	for i := 0; i < n; i += n / 7 {
		row := make([]float64, d)
		for j := range row {
			row[j] = x[i*d+j] - r.Mean[j]
		}
		for c := 0; c < k; c++ {
			if got, want := r.Points[i*k+c], dot(row, r.Components[c]); math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
				t.Errorf("point %d component %d: %g, want %g", i, c, got, want)
			}
		}
	}
}

// TestBlobsSeparateOnFirstComponent: two blobs 12 noise-sds apart in 50-D
// must fall on opposite sides of 0 on the first component, which must be
// (up to sign) the direction between them. Both paths are exercised: more
// points than dimensions (the covariance) and fewer (the Gram matrix).
func TestBlobsSeparateOnFirstComponent(t *testing.T) {
	const d = 50
	for _, n := range []int{400, 40} {
		x, dir := blobs(n, d, 12, uint64(n))
		r, err := Fit(x, n, d, 2)
		if err != nil {
			t.Fatalf("n %d: %v", n, err)
		}
		checkResult(t, x, n, d, r)
		if cos := math.Abs(dot(r.Components[0], dir)); cos < 0.95 {
			t.Errorf("n %d: the first component is at |cos| %.3f from the blobs' axis, want > 0.95", n, cos)
		}
		sign := math.Copysign(1, r.Points[0])
		for i := 0; i < n; i++ {
			want := sign
			if i >= n/2 {
				want = -sign
			}
			if r.Points[i*2]*want <= 0 {
				t.Fatalf("n %d: point %d (blob %d) lies on the wrong side: %g", n, i, i*2/n, r.Points[i*2])
			}
		}
		// The blobs' axis carries (sep/2)^2 = 36 of variance plus the
		// noise's 1; the second component only noise.
		if r.Variance[0] < 25 || r.Variance[1] > 5 {
			t.Errorf("n %d: variance %v, want about 37 then about 1-3", n, r.Variance)
		}
		t.Logf("n %d: variance %.2f %.2f of %.2f; explained %.2f", n, r.Variance[0], r.Variance[1], r.Total, r.Explained(0))
	}
}

// TestKnownAxes: points with independent coordinates of standard
// deviations 5, 3, 1 along the axes have those axes as components, in that
// order, with those variances (approximately).
func TestKnownAxes(t *testing.T) {
	const n, d = 4000, 3
	sds := []float64{1, 5, 3} // deliberately not sorted
	r := rand.New(rand.NewPCG(7, 7))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = 10 + sds[i%d]*r.NormFloat64()
	}
	res, err := Fit(x, n, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, x, n, d, res)
	for c, axis := range []int{1, 2} {
		if v := math.Abs(res.Components[c][axis]); v < 0.99 {
			t.Errorf("component %d is %v, want axis %d", c, res.Components[c], axis)
		}
		if want := sds[axis] * sds[axis]; math.Abs(res.Variance[c]-want)/want > 0.1 {
			t.Errorf("component %d variance %g, want about %g", c, res.Variance[c], want)
		}
	}
	if math.Abs(res.Mean[0]-10) > 0.2 {
		t.Errorf("mean %v, want about 10", res.Mean)
	}
}

// TestSamePicture: the covariance and Gram paths agree on the same data
// (the signs fixed the same way), so the choice between them, made by
// shape, never changes a plot.
func TestSamePicture(t *testing.T) {
	const n, d = 60, 50
	// Blobs, plus a second direction of distinct variance (coordinate 0
	// scaled): with isotropic noise only, the second component would be
	// nearly degenerate and any method's answer as good as another's.
	x, _ := blobs(n, d, 6, 3)
	for i := 0; i < n; i++ {
		x[i*d] *= 4
	}
	a, err := Fit(x, n, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Fit takes the covariance here (d <= n); force the others.
	for name, m := range map[string]method{"gram": gram, "subspace": subspace} {
		b, err := fit(x, n, d, 2, m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkResult(t, x, n, d, b)
		for c := 0; c < 2; c++ {
			for j := 0; j < d; j++ {
				if math.Abs(a.Components[c][j]-b.Components[c][j]) > 1e-6 {
					t.Fatalf("%s: component %d differs at %d: %g and %g", name, c, j, a.Components[c][j], b.Components[c][j])
				}
			}
		}
	}
}

func TestRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		x       []float64
		n, d, k int
	}{
		"one point":      {[]float64{1, 2}, 1, 2, 1},
		"short data":     {[]float64{1, 2, 3}, 2, 2, 1},
		"too many comps": {[]float64{1, 2, 3, 4}, 2, 2, 2},
		"NaN":            {[]float64{1, math.NaN(), 3, 4, 5, 6}, 3, 2, 1},
		// Every point on one line: no second direction to show.
		"collinear": {[]float64{0, 0, 1, 1, 2, 2, 3, 3}, 4, 2, 2},
	} {
		if _, err := Fit(c.x, c.n, c.d, c.k); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestLargeLayerTime: the size of the CNN's widest layer on the default
// sample (conv3 and conv4: 14,700 numbers; 2,000 images) takes the
// subspace path.
// Activations have a decaying spectrum; so do these points (ten
// directions of standard deviation 20, 15, ... plus unit noise), and the
// components found must be the two strongest directions. Skipped in
// -short; the time is logged.
func TestLargeLayerTime(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n, d, rank = 2000, 14700, 10
	r := rand.New(rand.NewPCG(5, 5))
	dirs := make([][]float64, rank)
	for c := range dirs {
		// Disjoint coordinate blocks: orthogonal directions.
		dirs[c] = make([]float64, d)
		for j := c * 100; j < (c+1)*100; j++ {
			dirs[c][j] = 0.1
		}
	}
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		for j := range row {
			row[j] = 0.3 * r.NormFloat64()
		}
		for c, dir := range dirs {
			a := (20 - 1.5*float64(c)) * r.NormFloat64()
			for j := c * 100; j < (c+1)*100; j++ {
				row[j] += a * dir[j]
			}
		}
	}
	start := time.Now()
	res, err := Fit(x, n, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d points of %d dimensions: %.1f s, variance %.1f %.1f", n, d, time.Since(start).Seconds(), res.Variance[0], res.Variance[1])
	checkResult(t, x, n, d, res)
	for c := 0; c < 2; c++ {
		if cos := math.Abs(dot(res.Components[c], dirs[c])); cos < 0.95 {
			t.Errorf("component %d at |cos| %.3f from direction %d", c, cos, c)
		}
	}
}
