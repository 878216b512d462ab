// Tests of atomicfile.Write: the file is whole or untouched, whatever fails
// (the writer, the device filling up, a missing folder), and no temporary
// file is left behind.

package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const previous = "the previous good file\n"

// setup returns a folder holding target with the previous content.
func setup(t *testing.T) (dir, target string) {
	t.Helper()
	dir = t.TempDir()
	target = filepath.Join(dir, "out.bin")
	if err := os.WriteFile(target, []byte(previous), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, target
}

// checkLeft requires target to hold want and to be the folder's only file.
func checkLeft(t *testing.T, dir, target, want string) {
	t.Helper()
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", filepath.Base(target), got, want)
	}
	if left := names(t, dir); len(left) != 1 {
		t.Errorf("folder holds %v, want only %s", left, filepath.Base(target))
	}
}

func TestWriteReplaces(t *testing.T) {
	dir, target := setup(t)
	if err := Write(target, 0o600, func(w io.Writer) error {
		_, err := io.WriteString(w, "new content\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	checkLeft(t, dir, target, "new content\n")
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestWriteFailures(t *testing.T) {
	full := fmt.Errorf("write: %w", syscall.ENOSPC)
	tests := []struct {
		name  string
		write func(w io.Writer) error
		want  error
	}{
		{"the writer fails at once", func(io.Writer) error { return errors.New("encoder broke") }, nil},
		{"the writer fails after some bytes", func(w io.Writer) error {
			io.WriteString(w, strings.Repeat("x", 3<<20)) // past the buffer: bytes reach the file
			return errors.New("encoder broke")
		}, nil},
		{"the device is full", func(w io.Writer) error {
			io.WriteString(w, "partial")
			return full
		}, syscall.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, target := setup(t)
			err := Write(target, 0o644, tt.write)
			if err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want one wrapping %v", err, tt.want)
			}
			checkLeft(t, dir, target, previous)
		})
	}
}

func TestWriteMissingFolder(t *testing.T) {
	target := filepath.Join(t.TempDir(), "no", "such", "out.bin")
	err := Write(target, 0o644, func(w io.Writer) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "creating "+target+": ") {
		t.Errorf("got %v, want \"creating %s: ...\" wrapping ErrNotExist", err, target)
	}
}

// childEnv makes the test binary, run again, write under a file-size limit.
const childEnv = "ATOMICFILE_TEST_FSIZE_TARGET"

// TestWriteFileSizeLimit fills the "device" for real: a child process with
// RLIMIT_FSIZE of 4 KiB writes 64 KiB, so the operating system refuses the
// write (EFBIG; Go ignores SIGXFSZ). The previous file stays whole.
func TestWriteFileSizeLimit(t *testing.T) {
	if target := os.Getenv(childEnv); target != "" {
		lim := &syscall.Rlimit{Cur: 4096, Max: 4096}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
			fmt.Println("setrlimit:", err)
			os.Exit(3)
		}
		err := Write(target, 0o644, func(w io.Writer) error {
			_, err := w.Write(bytes.Repeat([]byte("y"), 64<<10))
			return err
		})
		fmt.Println(err)
		if err == nil {
			os.Exit(0)
		}
		if errors.Is(err, syscall.EFBIG) {
			os.Exit(1)
		}
		os.Exit(2)
	}
	dir, target := setup(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileSizeLimit$")
	cmd.Env = append(os.Environ(), childEnv+"="+target)
	out, _ := cmd.CombinedOutput()
	switch code := cmd.ProcessState.ExitCode(); code {
	case 1:
	case 3:
		t.Skipf("cannot limit the file size here: %s", out)
	default:
		t.Fatalf("child exited %d, want 1 (an EFBIG error): %s", code, out)
	}
	checkLeft(t, dir, target, previous)
}
