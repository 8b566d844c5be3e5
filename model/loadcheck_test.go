package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sugarme/gotch/ts"
)

// A checkpoint whose weights hold a NaN is refused when it is loaded,
// naming the tensor, instead of evaluating to a NaN loss.
func TestLoadWeightsRefusesNaNWeightsNamingTheTensor(t *testing.T) {
	pin(t)
	pt := filepath.Join(t.TempDir(), "nan.pt")
	a := Arch{Model: "cnn", Classes: 10}
	vs, _ := newNet(t, a, 11)
	for _, p := range Params(vs) {
		if p.Name == "fc2.bias" {
			ts.NoGrad(func() { p.Tensor.MustFill_(ts.FloatScalar(math.NaN())) })
		}
	}
	if err := SaveCheckpoint(vs, pt, Sidecar{Arch: a, Classes: digits(), Dataset: "mnist"}); err != nil {
		t.Fatal(err)
	}
	vs2, _ := newNet(t, a, 12)
	err := LoadWeights(vs2, pt)
	if err == nil || !strings.Contains(err.Error(), "fc2.bias") || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("loading NaN weights: got %v, want an error naming fc2.bias", err)
	}
}

// writeSidecar saves a small real checkpoint and then replaces its sidecar
// with edit's version of it.
func writeSidecar(t *testing.T, edit func(map[string]any)) string {
	t.Helper()
	pt := filepath.Join(t.TempDir(), "net.pt")
	a := Arch{Model: "ffn", Hidden: []int{8}, Classes: 10}
	vs, _ := newNet(t, a, 1)
	if err := SaveCheckpoint(vs, pt, Sidecar{Arch: a, Classes: digits(), Dataset: "mnist"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(SidecarPath(pt))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(SidecarPath(pt), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return pt
}

// A sidecar is checked before any network is built from it: its checkpoint
// must match the SHA-256 it records, the network it describes must be of
// a bounded size, and the file itself must be a small regular file.
func TestReadSidecarRefusesBeforeBuilding(t *testing.T) {
	pin(t)
	huge := writeSidecar(t, func(m map[string]any) {
		m["arch"].(map[string]any)["hidden"] = []int{65536, 65536} // 4.3G parameters, 17 GB
	})
	if _, err := ReadSidecar(huge); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("hidden [65536 65536]: got %v, want the parameter count refused", err)
	}
	torn := writeSidecar(t, func(m map[string]any) { m["sha256"] = strings.Repeat("0", 64) })
	if _, err := ReadSidecar(torn); err == nil || !strings.Contains(err.Error(), "does not match its sidecar") {
		t.Errorf("another file's SHA-256: got %v, want the mismatch refused", err)
	}
	zero := writeSidecar(t, func(map[string]any) {})
	os.Remove(SidecarPath(zero))
	if err := os.Symlink("/dev/zero", SidecarPath(zero)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSidecar(zero); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a sidecar linked to /dev/zero: got %v, want it refused unread", err)
	}
	big := writeSidecar(t, func(map[string]any) {})
	if err := os.Truncate(SidecarPath(big), 64<<20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if _, err := ReadSidecar(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a 64 MB sidecar: got %v, want it refused", err)
	}
	negative := writeSidecar(t, func(m map[string]any) { m["arch"].(map[string]any)["classes"] = -5 })
	if _, err := ReadSidecar(negative); err == nil || !strings.Contains(err.Error(), "a classifier needs 2 to") || strings.Contains(err.Error(), "-5-way") {
		t.Errorf("classes -5: got %v, want the class count refused as such", err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo.pt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSidecar(fifo); err == nil || !strings.Contains(err.Error(), "is not a regular file (a FIFO)") {
		t.Errorf("a FIFO as the checkpoint: got %v, want it refused unread", err)
	}
	if _, err := ReadSidecar(filepath.Join(t.TempDir(), "nope.pt")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing checkpoint: got %v, want it said not to exist", err)
	}
}
