package torchenv

import (
	"errors"
	"runtime"
	"testing"
)

func TestSetThreadsDefaultsToOnePerCPU(t *testing.T) {
	if err := SetThreads(0); err != nil {
		t.Fatal(err)
	}
	if got := Threads(); got != runtime.NumCPU() {
		t.Errorf("threads = %d, want %d (one per CPU)", got, runtime.NumCPU())
	}
	if err := SetThreads(1); err != nil {
		t.Fatal(err)
	}
	if got := Threads(); got != 1 {
		t.Errorf("threads = %d after SetThreads(1)", got)
	}
	if err := SetThreads(100000); err == nil {
		t.Error("an absurd thread count was accepted")
	}
	_ = SetThreads(0)
}

func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	err := Guard(func() error { panic("shape mismatch") })
	if !errors.Is(err, ErrLibtorch) {
		t.Fatalf("got %v, want an ErrLibtorch", err)
	}
	want := errors.New("plain")
	if err := Guard(func() error { return want }); err != want {
		t.Errorf("got %v, want the function's own error", err)
	}
}

func TestReportNamesLibtorchAndBLAS(t *testing.T) {
	r := Collect()
	if r.Libtorch == "" || r.Threads < 1 || len(r.Devices) == 0 || r.Devices[0] != "cpu" {
		t.Errorf("incomplete report: %+v", r)
	}
	// libtorch links BLAS; the process must have one mapped.
	if r.BLAS == "" {
		t.Error("no BLAS library found in /proc/self/maps")
	}
}
