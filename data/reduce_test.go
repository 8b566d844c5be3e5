package data

import (
	"errors"
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
	got, err := ReducedPerClass(labels, 26, per)
	if err != nil {
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
	fromPrefix, err := ReducedPerClass(labels[:prefix], 26, per)
	if err != nil || !reflect.DeepEqual(fromPrefix, got) {
		t.Fatalf("the first %d labels alone give another selection (%v)", prefix, err)
	}
	// One label fewer and the last class to complete falls short.
	if _, err := ReducedPerClass(labels[:got[len(got)-1]], 26, per); err == nil {
		t.Fatal("a prefix one short still gave 250 per class")
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
	idx, err := ReducedPerClass(labels, 26, 50)
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

func TestReducedPerClassErrors(t *testing.T) {
	labels := []int64{0, 1, 2, 0, 1, 0}
	idx, err := ReducedPerClass(labels, 3, 1)
	if err != nil || !reflect.DeepEqual(idx, []int{0, 1, 2}) {
		t.Fatalf("got %v, %v", idx, err)
	}
	_, err = ReducedPerClass(labels, 3, 2)
	var se *ShortClassError
	if !errors.As(err, &se) || se.Class != 2 || se.Have != 1 || !strings.Contains(err.Error(), "class 2 has 1 items") {
		t.Fatalf("error %v, want class 2 named", err)
	}
	if _, err := ReducedPerClass(labels, 2, 1); err == nil || !strings.Contains(err.Error(), "label 2 of item 2") {
		t.Fatalf("label out of range: %v", err)
	}
	if _, err := ReducedPerClass(labels, 3, 0); err == nil {
		t.Fatal("0 per class accepted")
	}
	s := &Split{Dataset: "x", Name: "train", Rows: 1, Cols: 1, Pixels: []byte{0, 1, 2, 3, 4, 5}, Labels: labels, Classes: []string{"cat", "dog", "eel"}}
	if _, err := s.ReducedPerClass(2); err == nil || !strings.Contains(err.Error(), `class 2 (eel) has 1 items`) {
		t.Fatalf("split error %v, want the class name", err)
	}
	r, err := s.ReducedPerClass(1)
	if err != nil || string(r.Pixels) != string([]byte{0, 1, 2}) {
		t.Fatalf("reduced split: %v %v", r, err)
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
