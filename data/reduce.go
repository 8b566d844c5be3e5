package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ReducedPerClass selects the first n items of each of classes classes, in
// file order, and returns their indices in file order. It is an error if a
// label is outside [0, classes) or a class has fewer than n items; the
// error names the class.
func ReducedPerClass(labels []int64, classes, n int) ([]int, error) {
	if classes <= 0 {
		return nil, fmt.Errorf("reduced set: %d classes", classes)
	}
	if n <= 0 {
		return nil, fmt.Errorf("reduced set: %d per class: give a positive count", n)
	}
	taken := make([]int, classes)
	out := make([]int, 0, classes*n)
	for i, l := range labels {
		if l < 0 || l >= int64(classes) {
			return nil, fmt.Errorf("reduced set: label %d of item %d is outside 0..%d", l, i, classes-1)
		}
		if taken[l] < n {
			taken[l]++
			out = append(out, i)
		}
	}
	for c, t := range taken {
		if t < n {
			return nil, &ShortClassError{Class: c, Have: t, Want: n}
		}
	}
	return out, nil
}

// ShortClassError is a class with fewer items than a reduced set needs.
type ShortClassError struct {
	Class      int
	Name       string // class name, when known
	Have, Want int
}

func (e *ShortClassError) Error() string {
	name := fmt.Sprint(e.Class)
	if e.Name != "" && e.Name != name {
		name = fmt.Sprintf("%d (%s)", e.Class, e.Name)
	}
	return fmt.Sprintf("reduced set: class %s has %d items, fewer than the %d per class asked for", name, e.Have, e.Want)
}

// ReducedPerClass returns the split's first n items of each class, in file
// order; errors name the class.
func (s *Split) ReducedPerClass(n int) (*Split, error) {
	idx, err := ReducedPerClass(s.Labels, len(s.Classes), n)
	if err != nil {
		if se, ok := err.(*ShortClassError); ok && se.Class < len(s.Classes) {
			se.Name = s.Classes[se.Class]
		}
		return nil, fmt.Errorf("%s/%s: %w", s.Dataset, s.Name, err)
	}
	return s.Subset(idx)
}

// TrainValSplit splits n items into a training and a validation part: a
// permutation seeded by seed puts round(n*valFraction) items into val and
// the rest into train. Both lists are sorted (file order). The same seed
// gives the same split on every machine and Go version: the permutation
// is a Fisher-Yates shuffle over PCG, both fixed algorithms. valFraction
// is clamped to [0, 1].
func TrainValSplit(n int, valFraction float64, seed int64) (train, val []int) {
	if n <= 0 {
		return nil, nil
	}
	if math.IsNaN(valFraction) || valFraction < 0 {
		valFraction = 0
	}
	valFraction = min(valFraction, 1)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	rng := rand.NewPCG(uint64(seed), 0x7472616e736665) // "transfe"
	for i := n - 1; i > 0; i-- {
		j := int(boundedUint64(rng, uint64(i+1)))
		perm[i], perm[j] = perm[j], perm[i]
	}
	nVal := int(math.Round(float64(n) * valFraction))
	val = append([]int(nil), perm[:nVal]...)
	train = append([]int(nil), perm[nVal:]...)
	slices.Sort(val)
	slices.Sort(train)
	return train, val
}

// boundedUint64 is a uniform value in [0, bound) by rejection sampling,
// independent of math/rand's own (unspecified) bounding method.
func boundedUint64(r *rand.PCG, bound uint64) uint64 {
	limit := math.MaxUint64 - math.MaxUint64%bound
	for {
		if v := r.Uint64(); v < limit {
			return v % bound
		}
	}
}
