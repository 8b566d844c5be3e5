package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// StratifiedSplit holds out a seeded share of each class for validation:
// of a class's n items, round(n*valFraction) go to val, at least one and
// leaving at least one in train (a class of one item stays in train), so
// the classes keep their proportions in both parts. Each class is
// shuffled by a Fisher-Yates shuffle over PCG seeded by seed and the
// class index (fixed algorithms: the same seed gives the same split on
// every machine and Go version). Both lists are sorted (file order).
// valFraction must lie in (0, 1); a label outside [0, classes) is an
// error. TrainValSplit (Q4's 80/20) stays as it is: it is not stratified.
func StratifiedSplit(labels []int64, classes int, valFraction float64, seed int64) (train, val []int, err error) {
	if math.IsNaN(valFraction) || valFraction <= 0 || valFraction >= 1 {
		return nil, nil, fmt.Errorf("validation share %v: give a share between 0 and 1", valFraction)
	}
	if classes <= 0 {
		return nil, nil, fmt.Errorf("stratified split: %d classes", classes)
	}
	byClass := make([][]int, classes)
	for i, l := range labels {
		if l < 0 || l >= int64(classes) {
			return nil, nil, fmt.Errorf("stratified split: label %d of item %d is outside 0..%d", l, i, classes-1)
		}
		byClass[l] = append(byClass[l], i)
	}
	for c, idx := range byClass {
		n := len(idx)
		if n < 2 {
			train = append(train, idx...)
			continue
		}
		k := min(max(int(math.Round(float64(n)*valFraction)), 1), n-1)
		rng := rand.NewPCG(uint64(seed), 0x7374726174000000|uint64(c)) // "strat" and the class
		perm := slices.Clone(idx)
		for i := n - 1; i > 0; i-- {
			j := int(boundedUint64(rng, uint64(i+1)))
			perm[i], perm[j] = perm[j], perm[i]
		}
		val = append(val, perm[:k]...)
		train = append(train, perm[k:]...)
	}
	slices.Sort(train)
	slices.Sort(val)
	return train, val, nil
}
