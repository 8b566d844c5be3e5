package data

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
)

// What the tests need from outside the package's own API: loading a
// folder:DIR dataset by name, and writing IDX files.

// loadFolderByName loads the folder:DIR dataset name ("folder:DIR").
func loadFolderByName(ctx context.Context, name string, opts Options) (*Folder, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if !d.Folder {
		return nil, fmt.Errorf("dataset %q is not a folder:DIR dataset", name)
	}
	return loadFolder(ctx, d, opts)
}

// writeIDX writes x in the IDX format, uncompressed.
func writeIDX(w io.Writer, x *IDX) error {
	if len(x.Dims) < 1 || len(x.Dims) > idxMaxDims {
		return fmt.Errorf("write IDX: %d dimensions, want 1 to %d", len(x.Dims), idxMaxDims)
	}
	total := 1
	hdr := make([]byte, 4+4*len(x.Dims))
	binary.BigEndian.PutUint32(hdr, x.Magic())
	for i, d := range x.Dims {
		if d <= 0 || d > 1<<32-1 {
			return fmt.Errorf("write IDX: dimension %d is %d", i, d)
		}
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
		total *= d
	}
	if total != len(x.Data) {
		return fmt.Errorf("write IDX: dimensions %s need %d bytes, have %d", x.dimString(), total, len(x.Data))
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(x.Data)
	return err
}
