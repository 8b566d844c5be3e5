package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadIDXRawAndGzip(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	raw := idxBytes(t, []int{2, 2, 3}, pix)
	for name, b := range map[string][]byte{"raw": raw, "gzip": gzipped(t, raw)} {
		t.Run(name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if x.Magic() != MagicImages || x.Items() != 2 || len(x.Dims) != 3 || x.Dims[1] != 2 || x.Dims[2] != 3 {
				t.Fatalf("magic 0x%08x dims %v", x.Magic(), x.Dims)
			}
			if !bytes.Equal(x.Data, pix) {
				t.Fatalf("data %v, want %v", x.Data, pix)
			}
		})
	}
	x, err := ReadIDX(bytes.NewReader(idxBytes(t, []int{3}, []byte{7, 8, 9})))
	if err != nil || x.Magic() != MagicLabels || x.Items() != 3 {
		t.Fatalf("labels: %v %+v", err, x)
	}
}

// Each kind of bad file gives one clear error.
func TestReadIDXRejectsBadFiles(t *testing.T) {
	good := idxBytes(t, []int{4, 2, 2}, bytes.Repeat([]byte{9}, 16))
	goodGz := gzipped(t, good)
	corruptGz := append([]byte(nil), goodGz...)
	corruptGz[len(corruptGz)-6] ^= 0xff // inside the CRC-32 trailer
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "shorter than the 4-byte magic"},
		{"wrong magic", rawIDX(0x00000903, []uint32{1, 1, 1}, []byte{0}), "data type 0x09 not supported"},
		{"not IDX", []byte("<html>not found</html>"), "not an IDX file"},
		{"no dimensions", rawIDX(0x00000800, nil, nil), "0 dimensions"},
		{"zero items", rawIDX(MagicImages, []uint32{0, 28, 28}, nil), "zero items"},
		{"zero rows", rawIDX(MagicImages, []uint32{5, 0, 28}, nil), "dimension 1 is zero"},
		{"truncated header", rawIDX(MagicImages, []uint32{5, 28}, nil), "truncated IDX header"},
		{"truncated data", good[:len(good)-3], "truncated: dimensions 4x2x2 need 16 data bytes, file has 13"},
		{"trailing data", append(append([]byte(nil), good...), 1, 2), "trailing data"},
		{"huge", rawIDX(MagicImages, []uint32{1 << 20, 1 << 10, 1 << 10}, nil), "exceed"},
		{"truncated gzip", goodGz[:len(goodGz)/2], "truncated gzip stream"},
		{"truncated gzip trailer", goodGz[:len(goodGz)-4], "truncated gzip stream"},
		{"corrupt gzip", corruptGz, "corrupt gzip stream"},
		{"gzip of truncated data", gzipped(t, good[:len(good)-1]), "truncated: dimensions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A bad file's error names the file.
func TestReadIDXFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
	b := gzipped(t, idxBytes(t, []int{2, 2, 2}, make([]byte, 8)))
	writeFile(t, p, b[:len(b)-10])
	_, _, err := readIDXFile(p, File{})
	if err == nil || !strings.HasPrefix(err.Error(), p+": truncated gzip stream") {
		t.Fatalf("error %v, want it to name %s and say truncated", err, p)
	}

	writeFile(t, p, b)
	_, _, err = readIDXFile(p, File{Size: int64(len(b)), SHA256: strings.Repeat("0", 64)})
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Path != p || ce.Got != sha(b) {
		t.Fatalf("error %v, want a checksum mismatch naming %s", err, p)
	}
	_, _, err = readIDXFile(p, File{Size: 5})
	if err == nil || !strings.Contains(err.Error(), "want 5") {
		t.Fatalf("size mismatch: %v", err)
	}
	if _, got, err := readIDXFile(p, File{Size: int64(len(b)), SHA256: sha(b)}); err != nil || got != sha(b) {
		t.Fatalf("good file: %v, sum %s", err, got)
	}
	if _, _, err := readIDXFile(filepath.Join(dir, "nope"), File{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
