// Tests of the folder writer, the cleaning of a killed run's leftovers,
// writing through a symbolic link and the early writability check.

package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestDirWholeOrNothing(t *testing.T) {
	parent := t.TempDir()
	target := filepath.Join(parent, "plots")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(target, "old.png"), []byte("old"), 0o644)

	// Aborted: the earlier folder stays as it was, nothing else is left.
	d, err := NewDir(target)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.Path, "half.png"), []byte("half"), 0o644)
	d.Abort()
	if got := names(t, parent); !slices.Equal(got, []string{"plots"}) {
		t.Errorf("after Abort the parent holds %v", got)
	}
	if got := names(t, target); !slices.Equal(got, []string{"old.png"}) {
		t.Errorf("after Abort the folder holds %v", got)
	}

	// Committed: the new folder replaces the old one whole.
	d, err = NewDir(target)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, target); !slices.Equal(got, []string{"old.png"}) {
		t.Errorf("before Commit the folder holds %v", got)
	}
	os.WriteFile(filepath.Join(d.Path, "new.png"), []byte("new"), 0o644)
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"plots"}) {
		t.Errorf("after Commit the parent holds %v", got)
	}
	if got := names(t, target); !slices.Equal(got, []string{"new.png"}) {
		t.Errorf("after Commit the folder holds %v", got)
	}
}

func TestCleanRemovesDeadRunsLeftovers(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "m.stae")
	// pid 1 is alive on every system; 2^22+1 is above Linux's pid limit.
	dead := ".m.stae.tmp-4194305-123"
	live := ".m.stae.tmp-1-456"
	other := ".n.stae.tmp-4194305-789"
	for _, n := range []string{dead, live, other} {
		os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600)
	}
	os.Mkdir(filepath.Join(dir, ".m.stae.tmp-4194305-dir"), 0o700)
	if err := Write(target, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	got := names(t, dir)
	want := []string{live, other, "m.stae"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
}

func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	os.WriteFile(real, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("real.csv", link); err != nil {
		t.Skip(err)
	}
	if err := Write(link, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("link target holds %q, want new", b)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err == nil {
		if err := Write(filepath.Join(dir, "dangling"), 0o644, func(io.Writer) error { return nil }); err == nil {
			t.Errorf("writing through a dangling link succeeded")
		}
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "m.stae")); err != nil {
		t.Errorf("writable folder: %v", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("left %v", got)
	}
	if err := CheckWritable(filepath.Join(dir, "missing", "m.stae")); err == nil {
		t.Errorf("a missing folder is writable")
	}
}
