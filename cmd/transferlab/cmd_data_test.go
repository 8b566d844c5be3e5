package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIDX writes a gzipped IDX file of unsigned bytes.
func writeIDX(t *testing.T, path string, dims []uint32, data []byte) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	binary.Write(zw, binary.BigEndian, uint32(0x800|len(dims)))
	binary.Write(zw, binary.BigEndian, dims)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func idxFolder(t *testing.T) string {
	dir := t.TempDir()
	for _, split := range []string{"train", "t10k"} {
		writeIDX(t, filepath.Join(dir, split+"-images-idx3-ubyte.gz"), []uint32{20, 28, 28}, bytes.Repeat([]byte{7}, 20*28*28))
		labels := make([]byte, 20)
		for i := range labels {
			labels[i] = byte(i % 10)
		}
		writeIDX(t, filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), []uint32{20}, labels)
	}
	return dir
}

func TestDataCommandsExitCodes(t *testing.T) {
	empty := t.TempDir()
	idx := idxFolder(t)
	png := filepath.Join(t.TempDir(), "grid.png")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"data", "list", "--data-dir", empty}, 0},
		{[]string{"data", "verify", "--data-dir", empty}, 0},
		{[]string{"data", "verify", "idx:" + idx}, 0},
		{[]string{"data", "show", "idx:" + idx, "--n", "12", "-o", png}, 0},
		{[]string{"data", "fetch", "cifar"}, 2},
		{[]string{"data", "fetch"}, 2},
		{[]string{"data", "bogus"}, 2},
		{[]string{"data", "show", "mnist"}, 2},
		{[]string{"data", "show", "mnist", "--split", "val", "-o", png}, 2},
		{[]string{"data", "show", "mnist", "--n", "0", "-o", png}, 2},
		{[]string{"data", "show", "cifar", "-o", png}, 2},
		{[]string{"data", "list", "--emnist-orientation", "sideways"}, 2},
		{[]string{"data", "list", "--no-such-flag"}, 2},
		{[]string{"data", "show", "emnist-letters", "-o", png, "--data-dir", empty}, 1},
		{[]string{"data", "verify", "emnist-letters", "--data-dir", empty}, 1},
		{[]string{"data", "fetch", "idx:" + idx, "--data-dir", empty}, 1},
	} {
		if got := run(c.args); got != c.code {
			t.Errorf("transferlab %s: exit %d, want %d", strings.Join(c.args, " "), got, c.code)
		}
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Fatalf("data show wrote no PNG: %v", err)
	}
}

func TestDataListOutput(t *testing.T) {
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"data", "list", "--data-dir", t.TempDir()})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DATASET", "mnist", "fashion", "emnist-letters"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("data list output lacks %q:\n%s", want, out.String())
		}
	}
}
