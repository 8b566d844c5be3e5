package data

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Zip signatures.
const (
	zipLocalHeader   = 0x04034b50
	zipCentralHeader = 0x02014b50
	zipEndOfCentral  = 0x06054b50
	zipDescriptor    = 0x08074b50
	zipFlagEncrypted = 0x1
	zipFlagDescr     = 0x8
	zipStored        = 0
	zipDeflated      = 8
)

// zipEntry is a zip entry's local header.
type zipEntry struct {
	Name     string
	Flags    uint16
	Method   uint16
	CRC32    uint32
	CompSize uint64
	Size     uint64
	zip64    bool
}

// skipper is a reader that can move forward without reading (a
// rangeReader).
type skipper interface {
	io.Reader
	Skip(n int64) error
}

// zipStream reads a zip archive front to back from its local headers,
// without the central directory at its end, so that it can be read as it
// downloads and left as soon as the entries wanted are through. Entries
// not wanted are skipped (with a server that honours Range, without
// downloading them).
type zipStream struct {
	src skipper
	br  *bufio.Reader
}

func newZipStream(src skipper) *zipStream {
	return &zipStream{src: src, br: bufio.NewReaderSize(src, 64<<10)}
}

// Next reads the next local header; io.EOF when the entries end.
func (z *zipStream) Next() (zipEntry, error) {
	var h [30]byte
	if _, err := io.ReadFull(z.br, h[:4]); err != nil {
		if errors.Is(err, io.EOF) {
			return zipEntry{}, io.EOF // an archive with no central directory
		}
		return zipEntry{}, fmt.Errorf("zip: reading a header: %w", err)
	}
	switch sig := binary.LittleEndian.Uint32(h[:4]); sig {
	case zipLocalHeader:
	case zipCentralHeader, zipEndOfCentral:
		return zipEntry{}, io.EOF
	default:
		return zipEntry{}, fmt.Errorf("zip: not a zip archive or corrupt: signature 0x%08x where a header should be", sig)
	}
	if _, err := io.ReadFull(z.br, h[4:]); err != nil {
		return zipEntry{}, fmt.Errorf("zip: truncated local header: %w", err)
	}
	e := zipEntry{
		Flags:    binary.LittleEndian.Uint16(h[6:]),
		Method:   binary.LittleEndian.Uint16(h[8:]),
		CRC32:    binary.LittleEndian.Uint32(h[14:]),
		CompSize: uint64(binary.LittleEndian.Uint32(h[18:])),
		Size:     uint64(binary.LittleEndian.Uint32(h[22:])),
	}
	nameLen, extraLen := int(binary.LittleEndian.Uint16(h[26:])), int(binary.LittleEndian.Uint16(h[28:]))
	rest := make([]byte, nameLen+extraLen)
	if _, err := io.ReadFull(z.br, rest); err != nil {
		return zipEntry{}, fmt.Errorf("zip: truncated local header: %w", err)
	}
	e.Name = string(rest[:nameLen])
	extra := rest[nameLen:]
	for len(extra) >= 4 {
		id, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+size > len(extra) {
			break
		}
		field := extra[4 : 4+size]
		if id == 0x0001 { // zip64: the sizes that do not fit 32 bits, in this order
			e.zip64 = true
			if e.Size == 0xffffffff && len(field) >= 8 {
				e.Size, field = binary.LittleEndian.Uint64(field), field[8:]
			}
			if e.CompSize == 0xffffffff && len(field) >= 8 {
				e.CompSize = binary.LittleEndian.Uint64(field)
			}
		}
		extra = extra[4+size:]
	}
	if e.Flags&zipFlagEncrypted != 0 {
		return zipEntry{}, fmt.Errorf("zip: entry %s is encrypted", e.Name)
	}
	return e, nil
}

// content returns a reader of e's decompressed content and, when the
// header gives the compressed size, the reader of the compressed bytes,
// which must be drained after the content.
func (z *zipStream) content(e zipEntry) (io.Reader, *io.LimitedReader, error) {
	descr := e.Flags&zipFlagDescr != 0
	var lr *io.LimitedReader
	if !descr {
		lr = &io.LimitedReader{R: z.br, N: int64(e.CompSize)}
	}
	switch {
	case e.Method == zipStored && !descr:
		return lr, lr, nil
	case e.Method == zipStored:
		return nil, nil, fmt.Errorf("zip: entry %s is stored with its size after the data: it cannot be read as a stream", e.Name)
	case e.Method == zipDeflated && !descr:
		return flate.NewReader(lr), lr, nil
	case e.Method == zipDeflated:
		// bufio.Reader is an io.ByteReader: flate reads no byte past the
		// compressed data, so the data descriptor follows.
		return flate.NewReader(z.br), nil, nil
	}
	return nil, nil, fmt.Errorf("zip: entry %s uses compression method %d, not stored (0) or deflate (8)", e.Name, e.Method)
}

// Extract copies entry e's content to w, checking its CRC-32 and size,
// and moves past it. With limit > 0, an entry of more than limit bytes is
// an error before more than limit+1 bytes reach w: whatever its header
// says, and however far its deflate data would expand, it cannot fill the
// disk.
func (z *zipStream) Extract(e zipEntry, w io.Writer, limit int64) error {
	if limit > 0 && e.Flags&zipFlagDescr == 0 && e.Size > uint64(limit) {
		return fmt.Errorf("zip: entry %s declares %d bytes, more than the %d the file can hold", e.Name, e.Size, limit)
	}
	src, compressed, err := z.content(e)
	if err != nil {
		return err
	}
	if limit > 0 {
		src = io.LimitReader(src, limit+1) // one byte more shows an entry that is too large
	}
	crc := crc32.NewIEEE()
	n, err := io.Copy(io.MultiWriter(w, crc), src)
	if err == nil && limit > 0 && n > limit {
		return fmt.Errorf("zip: entry %s holds more than the %d bytes the file can hold", e.Name, limit)
	}
	if err != nil {
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			return fmt.Errorf("zip: entry %s: corrupt deflate data: %v", e.Name, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("zip: entry %s is truncated: %w", e.Name, err)
		}
		return fmt.Errorf("zip: entry %s: %w", e.Name, err)
	}
	if e.Flags&zipFlagDescr != 0 {
		if e, err = z.descriptor(e); err != nil {
			return err
		}
	} else if _, err := io.Copy(io.Discard, compressed); err != nil {
		return fmt.Errorf("zip: entry %s: %w", e.Name, err)
	}
	if e.Flags&zipFlagDescr == 0 && compressed.N > 0 {
		return fmt.Errorf("zip: entry %s is truncated", e.Name)
	}
	if n != int64(e.Size) {
		return fmt.Errorf("zip: entry %s holds %d bytes, its header says %d", e.Name, n, e.Size)
	}
	if got := crc.Sum32(); got != e.CRC32 {
		return fmt.Errorf("zip: entry %s is corrupt: CRC-32 %08x, its header says %08x", e.Name, got, e.CRC32)
	}
	return nil
}

// Skip moves past entry e without keeping its content.
func (z *zipStream) Skip(e zipEntry) error {
	if e.Flags&zipFlagDescr != 0 {
		return z.Extract(e, io.Discard, 0) // discarded: no disk to fill
	}
	n := int64(e.CompSize)
	if b := int64(z.br.Buffered()); n <= b {
		_, err := z.br.Discard(int(n))
		return err
	}
	b := z.br.Buffered()
	if _, err := z.br.Discard(b); err != nil {
		return err
	}
	if err := z.src.Skip(n - int64(b)); err != nil {
		return fmt.Errorf("zip: skipping entry %s: %w", e.Name, err)
	}
	z.br.Reset(z.src)
	return nil
}

// descriptor reads the data descriptor after e's data: CRC-32 and sizes,
// optionally preceded by a signature.
func (z *zipStream) descriptor(e zipEntry) (zipEntry, error) {
	size := 12
	if e.zip64 {
		size = 20
	}
	b := make([]byte, 4+size)
	if _, err := io.ReadFull(z.br, b[:4]); err != nil {
		return e, fmt.Errorf("zip: entry %s: truncated data descriptor: %w", e.Name, err)
	}
	off := 0
	if binary.LittleEndian.Uint32(b) == zipDescriptor {
		if _, err := io.ReadFull(z.br, b[4:]); err != nil {
			return e, fmt.Errorf("zip: entry %s: truncated data descriptor: %w", e.Name, err)
		}
		off = 4
	} else if _, err := io.ReadFull(z.br, b[4:size]); err != nil {
		return e, fmt.Errorf("zip: entry %s: truncated data descriptor: %w", e.Name, err)
	}
	d := b[off:]
	e.CRC32 = binary.LittleEndian.Uint32(d)
	if e.zip64 {
		e.CompSize, e.Size = binary.LittleEndian.Uint64(d[4:]), binary.LittleEndian.Uint64(d[12:])
	} else {
		e.CompSize, e.Size = uint64(binary.LittleEndian.Uint32(d[4:])), uint64(binary.LittleEndian.Uint32(d[8:]))
	}
	return e, nil
}

// Discard reads the rest of the archive, past the entries, to its end.
func (z *zipStream) Discard() (int64, error) { return io.Copy(io.Discard, z.br) }
