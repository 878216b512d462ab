package fileio

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		max        int64
		want       error
		msg        string
	}{
		{"fits", small, 5, nil, ""},
		{"too large", small, 4, ErrTooLarge, small + ": file too large: 5 bytes, at most 4"},
		{"device", "/dev/zero", 1 << 20, ErrNotRegular, "/dev/zero: not a regular file (a character device)"},
		{"random", "/dev/urandom", 1 << 20, ErrNotRegular, "/dev/urandom: not a regular file (a character device)"},
		{"fifo", fifo, 1 << 20, ErrNotRegular, fifo + ": not a regular file (a named pipe)"},
		{"directory", dir, 1 << 20, ErrNotRegular, dir + ": not a regular file (a directory)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(tc.path, tc.max)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				if string(b) != "12345" {
					t.Fatalf("got %q", b)
				}
				return
			}
			if err.Error() != tc.msg {
				t.Fatalf("got %q, want %q", err, tc.msg)
			}
		})
	}
}
