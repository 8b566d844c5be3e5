package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"transferlab/metrics"
)

// IDX magic numbers of the two file kinds a split is made of: unsigned
// bytes (0x08) in 1 dimension (labels) or 3 (images).
const (
	MagicLabels uint32 = 0x00000801
	MagicImages uint32 = 0x00000803
)

const (
	idxUbyte    = 0x08
	idxMaxDims  = 16
	idxMaxBytes = 1 << 30 // EMNIST byclass, the largest official file, holds 547 MB
)

// IDX is one IDX file of unsigned bytes (the format of MNIST, Fashion-MNIST
// and EMNIST): its dimensions, outermost first, and its row-major data.
type IDX struct {
	Dims []int
	Data []byte
}

// Magic is the file's magic number, 0x000008NN for NN dimensions.
func (x *IDX) Magic() uint32 { return idxUbyte<<8 | uint32(len(x.Dims)) }

// Items is the outermost dimension: the number of labels or images.
func (x *IDX) Items() int {
	if len(x.Dims) == 0 {
		return 0
	}
	return x.Dims[0]
}

// ReadIDX parses an IDX file of unsigned bytes from r, gzip-compressed or
// raw (told apart by gzip's magic bytes). It checks the magic number, that
// no dimension is zero, that the data is exactly as long as the dimensions
// say and, for gzip, the stream's checksum. Errors name no file: the caller
// adds it.
func ReadIDX(r io.Reader) (*IDX, error) { return readIDX(r, 0) }

// readIDX is ReadIDX; when the data the header claims is at most
// plausible bytes, it allocates the data's buffer at once rather than
// growing it as the data arrives.
func readIDX(r io.Reader, plausible int64) (*IDX, error) {
	src, compressed, closeFn, err := idxStream(r)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, total, err := readIDXHeader(src, compressed)
	if err != nil {
		return nil, err
	}
	x := &IDX{Dims: dims}
	if int64(total) <= plausible {
		x.Data = make([]byte, 0, total)
	}
	x.Data, err = readData(src, total, x.Data)
	if err != nil {
		if ge := gzipError(err, int64(len(x.Data))); compressed && ge != nil {
			return nil, ge
		}
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, fmt.Errorf("truncated: dimensions %s need %d data bytes, file has %d", x.dimString(), total, len(x.Data))
	}
	// Read on to the end: this checks the gzip checksum and that nothing
	// follows the data.
	var one [1]byte
	n, err := io.ReadFull(src, one[:])
	switch {
	case n > 0:
		return nil, fmt.Errorf("trailing data after the %d bytes that dimensions %s need", total, x.dimString())
	case errors.Is(err, io.EOF):
		return x, nil
	case compressed:
		return nil, gzipError(err, int64(total))
	default:
		return nil, err
	}
}

// idxStream returns the decompressed content of an IDX file read from r:
// r itself, or a gzip reader when r starts with gzip's magic bytes.
func idxStream(r io.Reader) (src io.Reader, compressed bool, closeFn func(), err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, false, nil, gzipError(err, 0)
		}
		return zr, true, func() { zr.Close() }, nil
	}
	return br, false, func() {}, nil
}

// readIDXHeader reads and checks an IDX header (magic number and
// dimensions) from the decompressed content src. It returns the
// dimensions and the number of data bytes they need (at most
// idxMaxBytes); it reads nothing past the header.
func readIDXHeader(src io.Reader, compressed bool) ([]int, int, error) {
	hdr, err := readData(src, 4, nil)
	if err != nil {
		if ge := gzipError(err, int64(len(hdr))); compressed && ge != nil {
			return nil, 0, ge
		}
		if !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("not an IDX file: %d bytes, shorter than the 4-byte magic number", len(hdr))
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, 0, fmt.Errorf("not an IDX file: magic number 0x%08x does not start with two zero bytes", magic)
	}
	if hdr[2] != idxUbyte {
		return nil, 0, fmt.Errorf("IDX data type 0x%02x not supported (magic 0x%08x): only unsigned bytes (0x08)", hdr[2], magic)
	}
	nd := int(hdr[3])
	if nd < 1 || nd > idxMaxDims {
		return nil, 0, fmt.Errorf("IDX magic 0x%08x: %d dimensions, want 1 to %d", magic, nd, idxMaxDims)
	}

	dimBytes, err := readData(src, 4*nd, nil)
	if err != nil {
		if ge := gzipError(err, int64(4+len(dimBytes))); compressed && ge != nil {
			return nil, 0, ge
		}
		if !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("truncated IDX header: %d dimensions need %d bytes, file has %d", nd, 4*nd, len(dimBytes))
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		if d == 0 {
			if i == 0 {
				return nil, 0, errors.New("IDX file holds zero items")
			}
			return nil, 0, fmt.Errorf("IDX dimension %d is zero", i)
		}
		if uint64(total)*uint64(d) > idxMaxBytes {
			return nil, 0, fmt.Errorf("IDX dimensions %s exceed %d bytes", dimString(dimBytes), idxMaxBytes)
		}
		dims[i] = int(d)
		total *= int(d)
	}
	return dims, total, nil
}

// readData reads exactly n bytes into buf (nil: a new buffer), growing it
// as the data arrives so that a header claiming a large size costs no more
// memory than the data that follows it. It returns what it read and io.EOF
// when the data ends early.
func readData(r io.Reader, n int, buf []byte) ([]byte, error) {
	const firstChunk = 1 << 20
	if buf == nil {
		buf = make([]byte, 0, min(n, firstChunk))
	}
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if errors.Is(err, io.EOF) && len(buf) == n {
				break
			}
			return buf, err
		}
	}
	return buf, nil
}

// gzipError explains an error from the gzip layer; off is how many
// decompressed bytes came before it.
func gzipError(err error, off int64) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated gzip stream after %d decompressed bytes", off)
	case errors.Is(err, gzip.ErrChecksum):
		return errors.New("corrupt gzip stream: checksum mismatch")
	case errors.Is(err, gzip.ErrHeader):
		return errors.New("corrupt gzip stream: bad header")
	case errors.As(err, &corrupt):
		return fmt.Errorf("corrupt gzip stream after %d decompressed bytes: %v", off, err)
	case errors.Is(err, io.EOF):
		return nil
	default:
		return fmt.Errorf("gzip stream: %w", err)
	}
}

func dimString(b []byte) string {
	parts := make([]string, 0, len(b)/4)
	for i := 0; i+4 <= len(b); i += 4 {
		parts = append(parts, fmt.Sprint(binary.BigEndian.Uint32(b[i:])))
	}
	return strings.Join(parts, "x")
}

func (x *IDX) dimString() string {
	parts := make([]string, len(x.Dims))
	for i, d := range x.Dims {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// readIDXFile reads and parses one IDX file (gzip or raw), hashing it as it
// goes. It checks the file's size and SHA-256 when want gives them. Errors
// name the file.
func readIDXFile(path string, want File) (*IDX, string, error) {
	f, _, err := metrics.OpenRegular(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if want.Size > 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, "", err
		}
		if st.Size() != want.Size {
			return nil, "", fmt.Errorf("%s: %d bytes, want %d: the file is incomplete or not the official one", path, st.Size(), want.Size)
		}
	}
	st, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	// deflate compresses at most 1032:1: a file cannot hold more.
	h := sha256.New()
	x, err := readIDX(io.TeeReader(f, h), 1032*st.Size())
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want.SHA256 != "" && sum != want.SHA256 {
		return nil, "", &ChecksumError{Path: path, Got: sum, Want: want.SHA256}
	}
	return x, sum, nil
}

// readIDXFileHeader reads only the header of an IDX file (gzip or raw):
// the returned IDX has its dimensions and no data. It checks the file's
// size when want gives it, so that a file that is not the official one is
// reported as such rather than by what its header claims. Reading a header
// costs a few bytes whatever the header claims, which is why a split's two
// files are compared by their headers before either body is read. Errors
// name the file.
func readIDXFileHeader(path string, want File) (*IDX, error) {
	f, _, err := metrics.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if want.Size > 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if st.Size() != want.Size {
			return nil, fmt.Errorf("%s: %d bytes, want %d: the file is incomplete or not the official one", path, st.Size(), want.Size)
		}
	}
	src, compressed, closeFn, err := idxStream(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer closeFn()
	dims, _, err := readIDXHeader(src, compressed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &IDX{Dims: dims}, nil
}

// ChecksumError is a file whose SHA-256 differs from the registry's, or
// from the one recorded when it was extracted.
type ChecksumError struct {
	Path      string
	Got, Want string
	Recorded  string // the SumsFile Want comes from; "" = the registry
}

func (e *ChecksumError) Error() string {
	if e.Recorded != "" {
		return fmt.Sprintf("%s: checksum mismatch: sha256 %s, want %s, recorded in %s when it was extracted: the file changed since",
			e.Path, e.Got, e.Want, e.Recorded)
	}
	return fmt.Sprintf("%s: checksum mismatch: sha256 %s, want %s", e.Path, e.Got, e.Want)
}
