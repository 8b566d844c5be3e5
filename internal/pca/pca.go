// Package pca projects points onto their first principal components, for
// the feature-space plots (transferlab embed): a layer's activations,
// hundreds to tens of thousands of numbers per image, drawn in 2-D.
//
// Small problems are gonum's symmetric eigendecomposition (mat.EigenSym)
// of the smaller of the two products of the centred data X: the d x d
// covariance when there are more points than dimensions, else the n x n
// Gram matrix (the same non-zero eigenvalues; a component is then X^T u,
// normalised). A full eigendecomposition is cubic, and gonum's matrix
// products are pure Go: 2,000 points of 29,400 numbers took
// minutes. Past exactDim, the components come from block subspace
// iteration (Halko, Martinsson and Tropp 2011, section 4.5) on X X^T with
// k+10 vectors, run until the leading eigenvalues stop changing, then the
// same Gram step inside that small subspace: a few seconds, and only the
// two components the plot needs.
package pca

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Result is a fitted projection.
type Result struct {
	Mean []float64 // d: the points' mean, subtracted before projecting
	// Components are k orthonormal directions in the input space (each of
	// length d), by the variance along them, largest first. A component's
	// sign is fixed so that its largest coordinate is positive: the same
	// data give the same picture.
	Components [][]float64
	Variance   []float64 // sample variance (divided by n-1) along each component
	Total      float64   // total sample variance: the sum over the d dimensions
	// Points are the n points' coordinates on the components (n x k,
	// row-major): point i is Points[i*k : (i+1)*k].
	Points []float64
}

// Explained is the share of the total variance along component i.
func (r *Result) Explained(i int) float64 {
	if r.Total == 0 {
		return 0
	}
	return r.Variance[i] / r.Total
}

// Fit finds the first k principal components of n points of d dimensions
// (x row-major, n*d values; not modified) and projects the points onto
// them. It fails when the points span fewer than k dimensions, since the
// remaining directions would be arbitrary.
func Fit(x []float64, n, d, k int) (*Result, error) {
	m := covariance
	switch {
	case min(n, d) > exactDim:
		m = subspace
	case d > n:
		m = gram
	}
	return fit(x, n, d, k, m)
}

// exactDim is the largest min(n, d) solved by a full eigendecomposition
// (under a second for 500 here).
const exactDim = 500

type method int

const (
	covariance method = iota
	gram
	subspace
)

// fit is Fit by the method m.
func fit(x []float64, n, d, k int, m method) (*Result, error) {
	switch {
	case n < 2 || d < 1 || k < 1:
		return nil, fmt.Errorf("pca: need 2 or more points and k >= 1 (have %d points of %d dimensions, k %d)", n, d, k)
	case len(x) != n*d:
		return nil, fmt.Errorf("pca: %d values for %d points of %d dimensions", len(x), n, d)
	case k > d || k > n-1:
		return nil, fmt.Errorf("pca: %d components of %d points of %d dimensions: at most %d", k, n, d, min(d, n-1))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("pca: value %d (point %d) is %v", i, i/d, v)
		}
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := make([]float64, n*d)
	var total float64
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			c := v - mean[j]
			centred[i*d+j] = c
			total += c * c
		}
	}
	total /= float64(n - 1)
	xc := mat.NewDense(n, d, centred)

	var comps *mat.Dense // d x k
	var err error
	switch m {
	case covariance:
		comps, err = covarianceComponents(xc, n, d, k)
	case gram:
		comps, err = gramComponents(xc, n, k)
	default:
		comps, err = subspaceComponents(xc, n, d, k)
	}
	if err != nil {
		return nil, err
	}
	fixSigns(comps)
	var proj mat.Dense
	proj.Mul(xc, comps) // n x k
	res := &Result{Mean: mean, Total: total, Points: make([]float64, 0, n*k)}
	for i := 0; i < n; i++ {
		res.Points = append(res.Points, proj.RawRowView(i)...)
	}
	for c := 0; c < k; c++ {
		res.Components = append(res.Components, mat.Col(nil, c, comps))
		var ss float64
		for i := 0; i < n; i++ {
			v := proj.At(i, c)
			ss += v * v
		}
		// The variance of the projections, not the eigenvalue: the same
		// number up to rounding, and exactly what the plot shows.
		res.Variance = append(res.Variance, ss/float64(n-1))
	}
	return res, nil
}

// topEigen returns the k largest eigenvalues of s, largest first, and
// their eigenvectors as the columns of a matrix.
func topEigen(s *mat.SymDense, k int) ([]float64, *mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, nil, fmt.Errorf("pca: the eigendecomposition did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	m := len(vals)
	top := make([]float64, k)
	out := mat.NewDense(m, k, nil)
	for c := 0; c < k; c++ {
		top[c] = vals[m-1-c]
		out.SetCol(c, mat.Col(nil, m-1-c, &vecs))
	}
	// A direction with no variance is arbitrary; refuse rather than draw
	// noise. The threshold is relative to the largest eigenvalue, as
	// rounding in the products is.
	tol := 1e-10 * math.Max(top[0], 0)
	for c, v := range top {
		if v <= tol {
			return nil, nil, fmt.Errorf("pca: the points span %d dimensions, fewer than the %d components asked for", c, k)
		}
	}
	return top, out, nil
}

// covarianceComponents: the eigenvectors of Xc^T Xc (d x d).
func covarianceComponents(xc *mat.Dense, n, d, k int) (*mat.Dense, error) {
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), xc.T())
	_, vecs, err := topEigen(cov, k)
	return vecs, err
}

// gramComponents: for Xc Xc^T u = λ u, Xc^T u is an eigenvector of
// Xc^T Xc with the same λ and length sqrt(λ); dividing by that gives the
// unit component.
func gramComponents(xc *mat.Dense, n, k int) (*mat.Dense, error) {
	gram := mat.NewSymDense(n, nil)
	gram.SymOuterK(1, xc)
	vals, u, err := topEigen(gram, k)
	if err != nil {
		return nil, err
	}
	var comps mat.Dense
	comps.Mul(xc.T(), u) // d x k, column c of length sqrt(vals[c])
	return unitColumns(&comps, vals), nil
}

// subspaceComponents finds the top k components by block subspace
// iteration: Q (n x b, orthonormal) is replaced by orth(X X^T Q) until
// the top k eigenvalues of Q^T X X^T Q change by less than 1e-9
// (relative) between steps, then the components are the Gram step's
// within span(Q). The start is seeded, so a plot is reproducible.
func subspaceComponents(xc *mat.Dense, n, d, k int) (*mat.Dense, error) {
	b := min(k+10, n, d)
	r := rand.New(rand.NewPCG(1, 2))
	omega := mat.NewDense(d, b, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < b; j++ {
			omega.Set(i, j, r.NormFloat64())
		}
	}
	q := mat.NewDense(n, b, nil)
	q.Mul(xc, omega)
	orthonormalise(q)
	var prev []float64
	z := mat.NewDense(d, b, nil)
	for it := 0; it < maxIterations; it++ {
		z.Mul(xc.T(), q) // d x b
		small := mat.NewSymDense(b, nil)
		small.SymOuterK(1, z.T()) // Q^T X X^T Q
		vals, w, err := topEigen(small, k)
		if err != nil {
			return nil, err
		}
		if converged(prev, vals) {
			var comps mat.Dense
			comps.Mul(z, w) // d x k, column c of length sqrt(vals[c])
			return unitColumns(&comps, vals), nil
		}
		prev = vals
		q.Mul(xc, z)
		orthonormalise(q)
	}
	return nil, fmt.Errorf("pca: the components did not converge in %d iterations", maxIterations)
}

// maxIterations bounds the subspace iteration; with 10 extra vectors
// activations converge in tens; a flat spectrum (isotropic noise, whose
// directions are arbitrary anyway) is refused past it.
const maxIterations = 100

func converged(prev, vals []float64) bool {
	if prev == nil {
		return false
	}
	for i := range vals {
		if math.Abs(vals[i]-prev[i]) > 1e-9*vals[0] {
			return false
		}
	}
	return true
}

// orthonormalise makes q's columns orthonormal in place by modified
// Gram-Schmidt, twice (once is not enough in floating point when columns
// are nearly parallel, as they become while the iteration converges). A
// column that vanishes is left zero; topEigen then refuses a missing
// direction.
func orthonormalise(q *mat.Dense) {
	_, b := q.Dims()
	cols := make([][]float64, b)
	for j := range cols {
		cols[j] = mat.Col(nil, j, q)
	}
	for pass := 0; pass < 2; pass++ {
		for j := range cols {
			for i := 0; i < j; i++ {
				p := floats.Dot(cols[i], cols[j])
				floats.AddScaled(cols[j], -p, cols[i])
			}
			if norm := floats.Norm(cols[j], 2); norm > 0 {
				floats.Scale(1/norm, cols[j])
			}
		}
	}
	for j := range cols {
		q.SetCol(j, cols[j])
	}
}

// fixSigns flips each column so that its largest-magnitude entry is
// positive: eigenvectors are defined up to sign, and without this the
// plot could mirror between runs of different libraries or sizes.
func fixSigns(m *mat.Dense) {
	r, c := m.Dims()
	for j := 0; j < c; j++ {
		best := 0.0
		for i := 0; i < r; i++ {
			if v := m.At(i, j); math.Abs(v) > math.Abs(best) {
				best = v
			}
		}
		if best < 0 {
			for i := 0; i < r; i++ {
				m.Set(i, j, -m.At(i, j))
			}
		}
	}
}

// unitColumns scales column c of comps, of length sqrt(vals[c]) (a
// component mapped through the data), to unit length.
func unitColumns(comps *mat.Dense, vals []float64) *mat.Dense {
	_, k := comps.Dims()
	for c := 0; c < k; c++ {
		col := mat.Col(nil, c, comps)
		s := 1 / math.Sqrt(vals[c])
		for i := range col {
			col[i] *= s
		}
		comps.SetCol(c, col)
	}
	return comps
}
