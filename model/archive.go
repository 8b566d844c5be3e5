package model

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"transferlab/metrics"
)

// maxEntryBytes bounds one archive entry's uncompressed size. The seed's
// CNN is about 10 MB in all; a compressed entry claiming more than this is
// damaged or a zip bomb, not a checkpoint.
const maxEntryBytes = 1 << 30

// CheckArchive checks in Go that file has the structure of a PyTorch
// archive (what torch.save, torch.jit.save and transferlab write) before
// libtorch sees it: a zip whose entries all sit in one top-level folder
// holding data.pkl, stored or deflated, with sizes that fit the file and
// CRC-32s that match their bytes. libtorch's own reader trusts these and can
// crash on a file that lies about them; a truncated or bit-flipped
// checkpoint is caught here with an error that names the file.
func CheckArchive(file string) error {
	f, st, err := metrics.OpenRegular(file)
	if err != nil {
		return err
	}
	defer f.Close()
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%s is not a readable PyTorch checkpoint (%s): is it truncated or damaged? Save it again", file, fmt.Sprintf(why, args...))
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "PK\x03\x04" {
		if err == nil && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5 {
			// A pickle opcode PROTO: torch.save's format before PyTorch 1.6,
			// whose tensors follow the pickle raw.
			return fmt.Errorf("%s is a torch.save file in the legacy format of PyTorch before 1.6, which transferlab does not read: load it in Python and save it again with torch.save(state_dict, f) (PyTorch 1.6 or later)", file)
		}
		return fmt.Errorf("%s is not a PyTorch checkpoint (not a zip archive): is it truncated or another kind of file?", file)
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		return bad("%v", err)
	}
	if len(z.File) == 0 {
		return bad("an empty archive")
	}
	top, _, _ := strings.Cut(z.File[0].Name, "/")
	hasData := false
	for _, e := range z.File {
		dir, rest, ok := strings.Cut(e.Name, "/")
		if !ok || dir != top || top == "" || rest == "" || path.Clean(e.Name) != e.Name || strings.Contains(e.Name, "..") {
			return bad("entry %q is outside the archive's folder %q", e.Name, top)
		}
		if rest == "data.pkl" {
			hasData = true
		}
		switch e.Method {
		case zip.Store:
			if e.CompressedSize64 != e.UncompressedSize64 {
				return bad("stored entry %s has two sizes", e.Name)
			}
		case zip.Deflate:
			if e.UncompressedSize64 > maxEntryBytes {
				return bad("entry %s claims %d bytes", e.Name, e.UncompressedSize64)
			}
		default:
			return bad("entry %s uses compression method %d", e.Name, e.Method)
		}
		if e.CompressedSize64 > uint64(st.Size()) {
			return bad("entry %s is larger than the file", e.Name)
		}
		if err := checkEntry(e); err != nil {
			return bad("entry %s: %v", e.Name, err)
		}
	}
	if !hasData {
		return bad("no %s/data.pkl", top)
	}
	return nil
}

// checkEntry reads e to its end: archive/zip checks the size and the
// CRC-32 there.
func checkEntry(e *zip.File) error {
	r, err := e.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(r, maxEntryBytes+1))
	if err != nil {
		return err
	}
	if uint64(n) != e.UncompressedSize64 {
		return errors.New("its size does not match its header")
	}
	return nil
}
