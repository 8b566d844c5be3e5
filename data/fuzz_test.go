package data

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// FuzzReadIDX: ReadIDX never panics or over-reads; what it accepts is
// consistent (data as long as the dimensions say) and writes back to an
// equal file.
func FuzzReadIDX(f *testing.F) {
	labels := rawIDX(MagicLabels, []uint32{3}, []byte{1, 2, 3})
	images := rawIDX(MagicImages, []uint32{2, 2, 2}, []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(labels)
	f.Add(images)
	f.Add(gzipped(f, images))
	f.Add(rawIDX(MagicImages, []uint32{0, 28, 28}, nil))
	f.Add(rawIDX(MagicImages, []uint32{60000, 28, 28}, []byte{1, 2}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		total := 1
		for _, d := range x.Dims {
			if d <= 0 {
				t.Fatalf("accepted dimension %d", d)
			}
			total *= d
		}
		if len(x.Data) != total {
			t.Fatalf("%d data bytes for dimensions %v", len(x.Data), x.Dims)
		}
		var out bytes.Buffer
		if err := writeIDX(&out, x); err != nil {
			t.Fatalf("write back: %v", err)
		}
		raw := in
		if len(in) > 2 && in[0] == 0x1f && in[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("accepted gzip that does not open: %v", err)
			}
			var dec bytes.Buffer
			if _, err := dec.ReadFrom(zr); err != nil {
				t.Fatalf("accepted gzip that does not decompress: %v", err)
			}
			raw = dec.Bytes()
		}
		if !bytes.Equal(out.Bytes(), raw) {
			t.Fatal("written back, the file differs")
		}
	})
}
