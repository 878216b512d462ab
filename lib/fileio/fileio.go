// Package fileio opens the files a tool loads whole (checkpoints,
// statistics, calibrations, ground truth) so that a path naming something
// other than a file of the expected size is refused before it is read:
// /dev/zero and /dev/urandom never end, a named pipe may never answer, and a
// huge file would be read into memory whole. Streams are not loaded this way:
// they arrive on stdin or a pipe and are bounded record by record.
package fileio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Errors a caller may test for with errors.Is.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// Open opens path for reading if it is a regular file of at most max bytes,
// and returns it with its size. Everything else is refused before a byte
// of it is read.
func Open(path string, max int64) (*os.File, int64, error) {
	// Non-blocking, so that opening a named pipe does not wait for a
	// writer; the open file is then looked at, not the path, so what is
	// checked is what would be read.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = regular(path, fi, max)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func regular(path string, fi fs.FileInfo, max int64) error {
	m := fi.Mode()
	if !m.IsRegular() {
		return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, what(m))
	}
	if fi.Size() > max {
		return fmt.Errorf("%s: %w: %d bytes, at most %d", path, ErrTooLarge, fi.Size(), max)
	}
	return nil
}

// what names the kind of a file that is not regular.
func what(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// ReadAll reads what is left of f, at most max bytes: a file that grew past
// max since it was opened is refused rather than read on.
func ReadAll(f *os.File, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", f.Name(), ErrTooLarge, max)
	}
	return b, nil
}

// ReadFile reads the regular file at path whole, if it has at most max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, _, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, max)
}
