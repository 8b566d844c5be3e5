package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A torch.save file in the format of PyTorch before 1.6 (a pickle, its
// first record torch's magic number) is named as such and how to convert
// it; it was called "truncated or another kind of file".
func TestLegacyTorchSaveIsNamed(t *testing.T) {
	// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2), as torch.save's
	// legacy format begins, and a little of what follows.
	legacy := append([]byte("\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03."), make([]byte, 64)...)
	p := filepath.Join(t.TempDir(), "old.pt")
	if err := os.WriteFile(p, legacy, 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckArchive(p)
	if err == nil || !strings.Contains(err.Error(), "legacy format of PyTorch before 1.6") || strings.Contains(err.Error(), "truncated") {
		t.Errorf("got %v, want the legacy format named", err)
	}
}
