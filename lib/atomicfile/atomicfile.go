// Package atomicfile writes a file or a folder whole or not at all: into a
// temporary sibling of the target, synced, then renamed over it. A crash, a
// full disk or an interrupted writer leaves the previous file intact.
//
// Temporary names are recognisable: ".<name>.tmp-<pid>-<random>", beside
// the target. A run killed outright (SIGKILL, a power cut) cannot remove its
// own; the next write of the same target removes those whose process is
// gone (Clean).
//
// A target that is a symbolic link is written through: the link stays and
// its target gets the new content (the temporary file is made beside the
// link's target, so the rename stays on one file system).
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tempPrefix is the start of every temporary name made for target's base.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// tempPattern is the os.CreateTemp/MkdirTemp pattern for base, holding
// this process's id so Clean can tell a live writer's from a dead one's.
func tempPattern(base string) string {
	return tempPrefix(base) + strconv.Itoa(os.Getpid()) + "-*"
}

// Resolve is where writing path puts its content: path itself, or the
// file a symbolic link at path points to.
func Resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return path, nil
	}
	to, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("writing %s: a symbolic link to nothing: %w", path, err)
	}
	return to, nil
}

// Clean removes the leftovers beside path (files or folders named by
// tempPattern) of runs whose process no longer exists.
func Clean(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || alive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// alive reports whether process pid exists (it may be another user's).
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Temp creates an empty temporary file beside path (after Clean), named so
// that it ends in path's extension (a video writer picks its container by
// it). The caller renames it onto path or removes it.
func Temp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	Clean(path)
	return os.CreateTemp(dir, tempPattern(base)+filepath.Ext(base))
}

// CheckWritable fails unless a file can be created beside path: a run
// that writes path at its end learns at its start that it could not.
func CheckWritable(path string) error {
	to, err := Resolve(path)
	if err != nil {
		return err
	}
	f, err := Temp(to)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write creates path with the bytes write produces. If write or any step
// after it fails, the temporary file is removed and path is untouched.
func Write(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	to, err := Resolve(path)
	if err != nil {
		return err
	}
	f, err := Temp(to)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		// Name the file the user asked for, not the temporary one.
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Path == tmp {
			return fmt.Errorf("writing %s: %w", path, pe.Err)
		}
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, to); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Dir is a folder of outputs written whole or not at all: its files go
// into a temporary sibling folder (Path), which Commit renames into place,
// replacing an earlier folder only once the new one is complete.
type Dir struct {
	Target string // the folder asked for
	Path   string // where to write until Commit
}

// NewDir makes the temporary sibling of target (after Clean). Its parent
// must exist or be creatable.
func NewDir(target string) (*Dir, error) {
	target = filepath.Clean(target)
	parent, base := filepath.Split(target)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("folder %s: %w", target, err)
	}
	if fi, err := os.Stat(target); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("folder %s: a file of that name exists", target)
	}
	Clean(target)
	tmp, err := os.MkdirTemp(parent, tempPattern(base))
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", target, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("folder %s: %w", target, err)
	}
	return &Dir{Target: target, Path: tmp}, nil
}

// Commit puts the finished folder in place: an earlier folder of that
// name is moved aside, the new one renamed in, then the old one removed.
func (d *Dir) Commit() error {
	if d.Path == "" {
		return errors.New("folder " + d.Target + ": already committed or aborted")
	}
	parent, base := filepath.Split(d.Target)
	if parent == "" {
		parent = "."
	}
	var old string
	if _, err := os.Lstat(d.Target); err == nil {
		// An empty temporary name to move the old folder to: made and
		// removed so the rename below has a name no one else takes.
		o, err := os.MkdirTemp(parent, tempPattern(base))
		if err != nil {
			d.Abort()
			return fmt.Errorf("folder %s: %w", d.Target, err)
		}
		if err := os.Remove(o); err != nil || os.Rename(d.Target, o) != nil {
			os.Remove(o)
			d.Abort()
			return fmt.Errorf("folder %s: cannot move the earlier folder aside", d.Target)
		}
		old = o
	}
	if err := os.Rename(d.Path, d.Target); err != nil {
		if old != "" {
			os.Rename(old, d.Target) // put the earlier one back
		}
		d.Abort()
		return fmt.Errorf("folder %s: %w", d.Target, err)
	}
	d.Path = ""
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// Abort removes the temporary folder and what was written into it.
func (d *Dir) Abort() {
	if d.Path != "" {
		os.RemoveAll(d.Path)
		d.Path = ""
	}
}
