package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ReducedPerClass selects the first n items of each of classes classes, in
// file order, and returns their indices in file order and the classes that
// had fewer than n items: those are taken whole. It is an error if a label
// is outside [0, classes).
func ReducedPerClass(labels []int64, classes, n int) ([]int, []ShortClass, error) {
	if classes <= 0 {
		return nil, nil, fmt.Errorf("reduced set: %d classes", classes)
	}
	if n <= 0 {
		return nil, nil, fmt.Errorf("reduced set: %d per class: give a positive count", n)
	}
	taken := make([]int, classes)
	out := make([]int, 0, classes*n)
	for i, l := range labels {
		if l < 0 || l >= int64(classes) {
			return nil, nil, fmt.Errorf("reduced set: label %d of item %d is outside 0..%d", l, i, classes-1)
		}
		if taken[l] < n {
			taken[l]++
			out = append(out, i)
		}
	}
	var short []ShortClass
	for c, t := range taken {
		if t < n {
			short = append(short, ShortClass{Class: c, Have: t, Want: n})
		}
	}
	return out, short, nil
}

// ShortClass is a class with fewer items than a reduced set asked for.
type ShortClass struct {
	Class      int
	Name       string // class name, when known
	Have, Want int
}

func (c ShortClass) String() string {
	name := fmt.Sprint(c.Class)
	if c.Name != "" && c.Name != name {
		name = fmt.Sprintf("%d (%s)", c.Class, c.Name)
	}
	return fmt.Sprintf("class %s has %d items, fewer than the %d per class asked for: all %d are used", name, c.Have, c.Want, c.Have)
}

// ReducedPerClass returns the split's first n items of each class, in file
// order, and the classes that had fewer (taken whole), named.
func (s *Split) ReducedPerClass(n int) (*Split, []ShortClass, error) {
	idx, short, err := ReducedPerClass(s.Labels, len(s.Classes), n)
	if err != nil {
		return nil, nil, fmt.Errorf("%s/%s: %w", s.Dataset, s.Name, err)
	}
	for i := range short {
		short[i].Name = s.Classes[short[i].Class]
	}
	r, err := s.Subset(idx)
	return r, short, err
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
