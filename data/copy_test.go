package data

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A local copy that fails its check replaces nothing; one that passes
// replaces the file; neither leaves a temp file beside it.
func TestCopyVerifiedReplacesOnlyAGoodCopy(t *testing.T) {
	good := []byte("the right bytes")
	want := File{Name: "train-images-idx3-ubyte.gz", Size: int64(len(good)), SHA256: sha(good)}
	src, dir := t.TempDir(), t.TempDir()
	dst := filepath.Join(dir, want.Name)
	writeFile(t, dst, []byte("previous"))

	writeFile(t, filepath.Join(src, want.Name), []byte("the wrong bytes"))
	err := copyVerified(filepath.Join(src, want.Name), dst, want)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("copy of a wrong file: %v, want a checksum error", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "previous" {
		t.Errorf("a bad copy replaced the file: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the copy after a failed check: %v", entries)
	}

	writeFile(t, filepath.Join(src, want.Name), good)
	if err := copyVerified(filepath.Join(src, want.Name), dst, want); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != string(good) {
		t.Errorf("after a good copy the file holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the copy: %v", entries)
	}
}
