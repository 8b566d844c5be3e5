package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"syscall"
)

// The one way this program opens a file it was given or left behind
// (checkpoints, sidecars, metrics and resume files, images): it must be a
// regular file. A FIFO would block the open until a writer came, a link
// to /dev/zero never ends, a folder is not data; each is refused here
// with one line before anything is read.

// OpenRegular opens path for reading and fails unless it is a regular
// file (links are followed). The open itself never blocks: a FIFO is
// opened non-blocking, seen for what it is and closed.
func OpenRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a regular file (%s)", path, fileKind(st.Mode()))
	}
	return f, st, nil
}

// CheckRegular is OpenRegular for a file another library opens: it fails
// early, with the same line, unless path is a regular file.
func CheckRegular(path string) error {
	f, _, err := OpenRegular(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// ReadBounded reads path whole; it must be a regular file of at most limit
// bytes. A larger one is refused before it is read into memory.
func ReadBounded(path string, limit int64) ([]byte, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, tooLarge(path, limit)
	}
	// The file may grow after the stat: read at most one byte more than
	// allowed, to see it.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(path, limit)
	}
	return b, nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s is larger than %d MB: it is not a file transferlab wrote", path, limit>>20)
}

// MaxFileBytes bounds what is read of a metrics.json, eval-*.json or
// resume.json. A real one holds a run's settings, one line per epoch, the
// final evaluations with their confusion matrices and 36 misclassified
// images: about 60 KB for a 26-class EMNIST run. 32 MB still holds the
// indented confusion matrix of a 1,500-class folder:DIR dataset; a larger
// file is not one of ours and reading it would cost seconds and GBs.
const MaxFileBytes = 32 << 20

// ReadJSONFile decodes the JSON file path (read with ReadBounded, limit
// MaxFileBytes) into v; what says what the file should be, for the error.
func ReadJSONFile(path, what string, v any) error {
	b, err := ReadBounded(path, MaxFileBytes)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is not a valid %s: %w", path, what, err)
	}
	return nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	default:
		return "not a plain file"
	}
}
