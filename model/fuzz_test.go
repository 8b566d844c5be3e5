package model

import (
	"archive/zip"
	"bytes"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
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

// Checkpoint files are checked in Go before libtorch reads them
// (CheckArchive). Whatever their bytes, the check returns, without
// panicking, nil or an error that names the file, and what it accepts is a
// zip whose entries all read back with their recorded sizes and CRC-32s.
// The seeds are archives transferlab writes (see archiveSeeds); the
// mutations the fuzzer makes to them are what a truncated download or a
// damaged disk produces. What passes the check then goes to libtorch, which
// may refuse it but must not crash. (Run it for a count of inputs,
// -fuzztime 20000x: with a duration, Go's fuzz workers in this package
// stall after a few inputs.)
func FuzzCheckArchive(f *testing.F) {
	for _, b := range archiveSeeds(f) {
		f.Add(b)
		f.Add(b[:len(b)-22]) // the end of the central directory cut off
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(t.TempDir(), "x.pt")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		err := CheckArchive(file)
		if err != nil {
			if !strings.Contains(err.Error(), file) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("accepted a file that is not a zip: %v", err)
		}
		hasData := false
		for _, e := range z.File {
			hasData = hasData || strings.HasSuffix(e.Name, "/data.pkl")
			r, err := e.Open()
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			if err != nil {
				t.Fatalf("accepted an archive whose entry %s does not read back: %v", e.Name, err)
			}
		}
		if !hasData {
			t.Fatal("accepted an archive without data.pkl")
		}
		named, err := ReadTensors(file) // libtorch's turn: an error is fine, a crash is not
		if err != nil && !strings.Contains(err.Error(), file) {
			t.Fatalf("the error does not name the file: %v", err)
		}
		for _, x := range named {
			x.MustDrop()
		}
	})
}

// archiveSeeds are small archives written by SaveTensors.
func archiveSeeds(tb testing.TB) [][]byte {
	dir := tb.TempDir()
	var out [][]byte
	for _, shape := range [][]int64{{3}, {2, 2}} {
		file := filepath.Join(dir, "seed.pt")
		x := ts.MustOnes(shape, gotch.Float, gotch.CPU)
		_, err := SaveTensors([]ts.NamedTensor{{Name: "w", Tensor: x}, {Name: "b", Tensor: x}}, file)
		x.MustDrop()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// Damaged archives never crash the process: 3000 seeded mutations of a
// checkpoint (overwritten bytes, cut ends) go through ReadTensors, which
// hands libtorch those CheckArchive accepts. Each returns tensors or an
// error naming the file.
func TestReadTensorsSurvivesDamagedArchives(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(1))
	accepted := 0
	for _, seed := range archiveSeeds(t) {
		for i := 0; i < 1500; i++ {
			b := append([]byte(nil), seed...)
			for k := 0; k < 1+rng.Intn(4); k++ {
				b[rng.Intn(len(b))] = byte(rng.Intn(256))
			}
			if rng.Intn(3) == 0 {
				b = b[:rng.Intn(len(b))]
			}
			file := filepath.Join(dir, "x.pt")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if CheckArchive(file) == nil {
				accepted++
			}
			named, err := ReadTensors(file)
			if err != nil {
				if !strings.Contains(err.Error(), file) {
					t.Fatalf("the error does not name the file: %v", err)
				}
				continue
			}
			for _, x := range named {
				x.MustDrop()
			}
		}
	}
	// Bytes outside what the check reads (local headers' spare fields,
	// padding) may change; libtorch must have seen some such files.
	if accepted == 0 {
		t.Fatal("no mutated archive reached libtorch: the test exercised only the Go check")
	}
	t.Logf("%d of 3000 damaged archives passed the Go check and went to libtorch", accepted)
}
