package data

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// realLetterLabels reads a real EMNIST letters label file from testdata/,
// labels mapped to 0..25.
func realLetterLabels(t *testing.T, split string) []int64 {
	t.Helper()
	d, _ := Lookup(EMNISTLetters)
	sf, _ := d.Split(split)
	x, _, err := readIDXFile(realLabelFile(sf.Labels.Name), sf.Labels)
	if err != nil {
		t.Fatalf("the real EMNIST label files are kept in data/testdata/emnist-letters: %v", err)
	}
	if x.Magic() != MagicLabels || x.Items() != sf.Count {
		t.Fatalf("%s: magic 0x%08x, %d labels, want %d", sf.Labels.Name, x.Magic(), x.Items(), sf.Count)
	}
	out := make([]int64, len(x.Data))
	for i, v := range x.Data {
		if v < 1 || v > 26 {
			t.Fatalf("label %d of item %d outside 1..26", v, i)
		}
		out[i] = int64(v) - 1
	}
	return out
}

// The reduced EMNIST training set (250 per class) is the first 250 of each
// class in file order, all within the first 7,071 training labels.
func TestReducedPerClassOnTheRealEMNISTTrainingLabels(t *testing.T) {
	labels := realLetterLabels(t, SplitTrain)
	const prefix, per = 7071, 250
	counts := make([]int, 26)
	for _, l := range labels[:prefix] {
		counts[l]++
	}
	for c, n := range counts {
		if n < per {
			t.Fatalf("class %c has %d of the first %d labels, fewer than %d", 'A'+c, n, prefix, per)
		}
	}
	got, short, err := ReducedPerClass(labels, 26, per)
	if err != nil || len(short) > 0 {
		t.Fatal(err)
	}
	// The expected selection, computed the plain way.
	var want []int
	taken := make([]int, 26)
	for i, l := range labels {
		if taken[l] < per {
			taken[l]++
			want = append(want, i)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("selection is not the first 250 indices of each class")
	}
	if len(got) != 26*per || !slices.IsSorted(got) || got[len(got)-1] >= prefix {
		t.Fatalf("%d indices, sorted %v, last %d: want 6500 in file order below %d", len(got), slices.IsSorted(got), got[len(got)-1], prefix)
	}
	fromPrefix, _, err := ReducedPerClass(labels[:prefix], 26, per)
	if err != nil || !reflect.DeepEqual(fromPrefix, got) {
		t.Fatalf("the first %d labels alone give another selection (%v)", prefix, err)
	}
	// One label fewer and the last class to complete falls short.
	if _, short, _ := ReducedPerClass(labels[:got[len(got)-1]], 26, per); len(short) != 1 || short[0].Have != per-1 {
		t.Fatalf("a prefix one short: short classes %v, want the last class to complete with %d", short, per-1)
	}
}

// The EMNIST test labels are grouped by class, so a test subset must be
// drawn per class, never as a prefix.
func TestEMNISTTestLabelsAreGroupedByClass(t *testing.T) {
	labels := realLetterLabels(t, SplitTest)
	if !slices.IsSorted(labels) {
		t.Fatal("test labels are not sorted by class")
	}
	for c := int64(0); c < 26; c++ {
		if i, _ := slices.BinarySearch(labels, c); i != int(c)*800 {
			t.Fatalf("class %d starts at %d, want %d (800 per class)", c, i, c*800)
		}
	}
	for _, l := range labels[:500] {
		if l != 0 {
			t.Fatal("a 500-item prefix holds more than class A")
		}
	}
	idx, _, err := ReducedPerClass(labels, 26, 50)
	if err != nil {
		t.Fatal(err)
	}
	perClass := make([]int, 26)
	for _, i := range idx {
		perClass[labels[i]]++
	}
	for c, n := range perClass {
		if n != 50 {
			t.Fatalf("class %d: %d items, want 50", c, n)
		}
	}
}

// A class with fewer items than asked for is taken whole and named; labels
// out of range and a count below 1 are errors.
func TestReducedPerClassUnevenClassesAndErrors(t *testing.T) {
	labels := []int64{0, 1, 2, 0, 1, 0}
	idx, short, err := ReducedPerClass(labels, 3, 1)
	if err != nil || len(short) != 0 || !reflect.DeepEqual(idx, []int{0, 1, 2}) {
		t.Fatalf("got %v, %v, %v", idx, short, err)
	}
	idx, short, err = ReducedPerClass(labels, 3, 2)
	if err != nil || !reflect.DeepEqual(idx, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("2 per class: got %v, %v: want class 2's single item taken whole", idx, err)
	}
	if len(short) != 1 || short[0].Class != 2 || short[0].Have != 1 || short[0].Want != 2 {
		t.Fatalf("short classes %+v, want class 2 with 1 of 2", short)
	}
	if _, _, err := ReducedPerClass(labels, 2, 1); err == nil || !strings.Contains(err.Error(), "label 2 of item 2") {
		t.Fatalf("label out of range: %v", err)
	}
	if _, _, err := ReducedPerClass(labels, 3, 0); err == nil {
		t.Fatal("0 per class accepted")
	}
	s := &Split{Dataset: "x", Name: "train", Rows: 1, Cols: 1, Pixels: []byte{0, 1, 2, 3, 4, 5}, Labels: labels, Classes: []string{"cat", "dog", "eel"}}
	r, short, err := s.ReducedPerClass(2)
	if err != nil || len(short) != 1 || !strings.Contains(short[0].String(), "class 2 (eel) has 1 items") || string(r.Pixels) != string([]byte{0, 1, 2, 3, 4}) {
		t.Fatalf("split reduced to 2 per class: %v %v %v, want class 2 (eel) named and used whole", r, short, err)
	}
}

func TestTrainValSplit(t *testing.T) {
	train, val := TrainValSplit(124800, 0.2, 1)
	if len(val) != 24960 || len(train) != 99840 {
		t.Fatalf("%d train, %d val: want 80/20", len(train), len(val))
	}
	seen := make([]bool, 124800)
	for _, i := range append(append([]int(nil), train...), val...) {
		if seen[i] {
			t.Fatalf("index %d twice", i)
		}
		seen[i] = true
	}
	if !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Fatal("lists not in file order")
	}
	train2, val2 := TrainValSplit(124800, 0.2, 1)
	if !reflect.DeepEqual(train, train2) || !reflect.DeepEqual(val, val2) {
		t.Fatal("same seed, different split")
	}
	_, val3 := TrainValSplit(124800, 0.2, 2)
	if reflect.DeepEqual(val, val3) {
		t.Fatal("different seeds, same split")
	}
	// Pinned: the algorithm (PCG + Fisher-Yates) must not drift.
	_, small := TrainValSplit(10, 0.3, 42)
	if want := []int{2, 3, 6}; !reflect.DeepEqual(small, want) {
		t.Fatalf("TrainValSplit(10, 0.3, 42) val = %v, want %v", small, want)
	}
	if tr, va := TrainValSplit(5, 0, 1); len(tr) != 5 || len(va) != 0 {
		t.Fatal("valFraction 0")
	}
	if tr, va := TrainValSplit(0, 0.2, 1); tr != nil || va != nil {
		t.Fatal("n = 0")
	}
}
