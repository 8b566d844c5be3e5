package main

import (
	"os"
	"testing"
)

// --emnist-orientation both is the transfer command's alone, and only for
// EMNIST letters: elsewhere it is refused before any run starts.
func TestOrientationBothIsRefusedElsewhere(t *testing.T) {
	results := t.TempDir()
	if code := run([]string{"transfer", "--emnist-orientation", "both", "--target", "mnist", "--results-dir", results}); code != 1 {
		t.Errorf("transfer both on mnist: exit %d, want 1", code)
	}
	if entries, _ := os.ReadDir(results); len(entries) > 0 {
		t.Errorf("a refused transfer wrote %d entries", len(entries))
	}
	if code := run([]string{"finetune", "--emnist-orientation", "both", "--target", "mnist", "--results-dir", results}); code != 2 {
		t.Errorf("finetune --emnist-orientation both: exit %d, want 2", code)
	}
}
