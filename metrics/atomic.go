package metrics

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The one way this program replaces a file: write a temp file in the same
// folder, named ".<name>.<random>.tmp" (the pattern RemoveStaleTemps
// knows), sync it, rename it over the file and sync the folder. A reader
// (a browser reloading a page, a later run) never sees a half-written
// file, and a crash leaves the previous version in place.

// WriteAtomic writes path atomically with write; see WriteAtomicVerified.
func WriteAtomic(path string, write func(io.Writer) error) error {
	return WriteAtomicVerified(path, write, nil)
}

// WriteAtomicVerified writes path through a temp file as WriteAtomic does
// and, when verify is not nil, calls it with the temp file's path once
// that file is complete, synced and closed: the rename happens only if it
// returns nil (a copy checked against its checksum replaces nothing
// until it checks out). On any error the temp file is removed and path is
// left as it was. verify's error is returned as it is, since it judges
// the content rather than the writing (a *data.ChecksumError stays one
// to errors.As either way); others are wrapped with the path.
func WriteAtomicVerified(path string, write func(io.Writer) error, verify func(tmpPath string) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && verify != nil {
		if verr := verify(tmp); verr != nil {
			os.Remove(tmp)
			return verr
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir flushes a folder's entries to disk: a rename is durable only
// once its folder is synced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// RemoveStaleTemps deletes the temp files that an atomic write killed
// before its rename left in dir (".<name>.<random>.tmp", a file or a
// folder), and returns how many it removed: all of them, or only those of
// the files named. Only the writer of those files may call it, before
// writing.
func RemoveStaleTemps(dir string, names ...string) int {
	var matches []string
	if len(names) == 0 {
		matches, _ = filepath.Glob(filepath.Join(dir, ".*.tmp"))
	}
	for _, name := range names {
		m, _ := filepath.Glob(filepath.Join(dir, "."+name+".*.tmp"))
		matches = append(matches, m...)
	}
	n := 0
	for _, m := range matches {
		if os.RemoveAll(m) == nil {
			n++
		}
	}
	return n
}
