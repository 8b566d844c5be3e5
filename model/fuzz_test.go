package model

import (
	"os"
	"path/filepath"
	"testing"
)

// The sidecar is read before libtorch sees anything: whatever its bytes,
// ReadSidecar returns a sidecar or an error, never panics, and a sidecar
// it accepts describes a network Build can make.
func FuzzReadSidecar(f *testing.F) {
	f.Add([]byte(`{"format":1,"arch":{"model":"cnn","classes":10},"classes":["0","1","2","3","4","5","6","7","8","9"]}`))
	f.Add([]byte(`{"format":1,"arch":{"model":"ffn","hidden":[0],"classes":2},"classes":["a","b"]}`))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`{"format":1,"arch":{"model":"cnn","classes":-1},"classes":[]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		pt := filepath.Join(dir, "x.pt")
		if err := os.WriteFile(SidecarPath(pt), b, 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := ReadSidecar(pt)
		if err != nil {
			return
		}
		if sc.Format != SidecarFormat || len(sc.Classes) != sc.Arch.Classes {
			t.Fatalf("accepted an inconsistent sidecar: %+v", sc)
		}
		if err := sc.Arch.Check(); err != nil {
			t.Fatalf("accepted a sidecar whose network cannot be built: %v", err)
		}
	})
}
