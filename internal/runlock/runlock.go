// Package runlock keeps two transferlab processes from writing the same run
// folder or pretrained network at once. A lock is an advisory flock on a
// small file that records who holds it; the kernel releases it when the
// process ends, even by kill -9, so a lock is never left stale.
package runlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrHeld matches (errors.Is) the error of a lock another process holds.
var ErrHeld = errors.New("lock held by another process")

// HeldError is a lock another process holds: what is locked, and the
// holder's pid and command line as it recorded them.
type HeldError struct{ What, Holder string }

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is in use by another transferlab process (%s): wait for it to end, or choose another folder", e.What, e.Holder)
}

func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lock is a held lock; Release gives it back.
type Lock struct{ f *os.File }

// Acquire takes the lock file path (created if absent) without waiting.
// When another process holds it, the error names what is locked (what) and
// the holder's pid and command line, as the holder recorded them.
func Acquire(path, what string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			holder, _ := io.ReadAll(io.LimitReader(f, 1024))
			return nil, &HeldError{What: what, Holder: strings.TrimSpace(string(holder))}
		}
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	// Who holds it, for the message above; the lock itself is the flock.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d: %s", os.Getpid(), strings.Join(os.Args, " "))
	}
	return &Lock{f: f}, nil
}

// Release gives the lock back. The file stays: removing it would let a
// third process lock a new file while a second still waits on the old one.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
	l.f = nil
}
