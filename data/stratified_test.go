package data

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// labelsOf makes counts[c] items of each class c, interleaved the way
// files mix classes (not grouped), so a split that ignores classes would
// not keep their proportions by accident.
func labelsOf(counts []int) []int64 {
	var out []int64
	left := slices.Clone(counts)
	for more := true; more; {
		more = false
		for c := range left {
			if left[c] > 0 {
				out = append(out, int64(c))
				left[c]--
				more = true
			}
		}
	}
	return out
}

func TestStratifiedSplitKeepsClassProportions(t *testing.T) {
	counts := []int{500, 50, 7, 2, 1, 120}
	labels := labelsOf(counts)
	train, val, err := StratifiedSplit(labels, len(counts), 0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, len(labels))
	for _, i := range train {
		seen[i]++
	}
	for _, i := range val {
		seen[i]++
	}
	for i, s := range seen {
		if s != 1 {
			t.Fatalf("item %d is in %d parts: the parts must not overlap and must cover every item", i, s)
		}
	}
	if !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Fatal("lists not in file order")
	}
	valPer := make([]int, len(counts))
	for _, i := range val {
		valPer[labels[i]]++
	}
	for c, n := range counts {
		want := min(max(int(math.Round(0.2*float64(n))), 1), n-1)
		if n < 2 {
			want = 0
		}
		if valPer[c] != want {
			t.Errorf("class %d (%d items): %d in val, want %d", c, n, valPer[c], want)
		}
	}
}

func TestStratifiedSplitIsSeeded(t *testing.T) {
	labels := labelsOf([]int{300, 300, 300})
	tr1, va1, _ := StratifiedSplit(labels, 3, 0.1, 7)
	tr2, va2, _ := StratifiedSplit(labels, 3, 0.1, 7)
	if !reflect.DeepEqual(tr1, tr2) || !reflect.DeepEqual(va1, va2) {
		t.Fatal("same seed, different split")
	}
	if _, va3, _ := StratifiedSplit(labels, 3, 0.1, 8); reflect.DeepEqual(va1, va3) {
		t.Fatal("different seeds, same split")
	}
	// A seeded draw, not the first items of each class.
	var class0 []int
	for _, i := range va1 {
		if labels[i] == 0 {
			class0 = append(class0, i)
		}
	}
	var first []int
	for i, l := range labels {
		if l == 0 && len(first) < len(class0) {
			first = append(first, i)
		}
	}
	if reflect.DeepEqual(class0, first) {
		t.Fatal("the validation items are the first of their class, not a seeded draw")
	}
}

func TestStratifiedSplitRejectsBadInput(t *testing.T) {
	for _, f := range []float64{0, 1, 1.5, -0.1, math.NaN()} {
		if _, _, err := StratifiedSplit([]int64{0, 1, 0, 1}, 2, f, 1); err == nil {
			t.Errorf("share %v accepted", f)
		}
	}
	if _, _, err := StratifiedSplit([]int64{0, 3}, 2, 0.2, 1); err == nil {
		t.Error("a label outside the classes accepted")
	}
}
