// Tests of the container frame: what Open, Verify and Identify say of
// foreign, short, damaged and good files, and that a file written by
// WriteFile is the frame around its payload.

package container

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func sample(t testing.TB, k Kind, version uint32, payload string) []byte {
	t.Helper()
	b, err := Marshal(k, version, func(w io.Writer) error {
		_, err := io.WriteString(w, payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLayout(t *testing.T) {
	got := sample(t, Stats, 1, "abc")
	want := []byte("staenorm\x01\x00\x00\x00abc")
	if !bytes.HasPrefix(got, want) || len(got) != len(want)+TrailSize {
		t.Fatalf("got % x, want % x and a CRC", got, want)
	}
	f, err := Open(got, Stats)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify(); err != nil {
		t.Fatal(err)
	}
	if f.Kind != Stats || f.Version != 1 || string(f.Payload) != "abc" {
		t.Errorf("got kind %v, version %d, payload %q; want statistics, 1, \"abc\"", f.Kind, f.Version, f.Payload)
	}
}

func TestOpen(t *testing.T) {
	good := sample(t, Checkpoint, 3, "payload")
	flipped := bytes.Clone(good)
	flipped[14] ^= 1
	tests := []struct {
		name string
		in   []byte
		kind Kind
		want error // from Open, else from Verify
		msg  string
	}{
		{"empty", nil, Checkpoint, ErrNotOurs, "not a stae file"},
		{"other kind", good, Stats, ErrNotOurs, "not a stae file"},
		{"cut in the frame", good[:15], Checkpoint, ErrCorrupt, "truncated or damaged file: 15 bytes, shorter than the frame"},
		{"one bit flipped", flipped, Checkpoint, ErrCorrupt, ""},
		{"good", good, Checkpoint, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(tc.in, tc.kind)
			if err == nil {
				err = f.Verify()
			}
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("got %q, want %q", err, tc.msg)
			}
		})
	}
}

func TestChecksumError(t *testing.T) {
	b := sample(t, Stats, 1, "x")
	b[len(b)-1] ^= 0xff
	f, err := Open(b, Stats)
	if err != nil {
		t.Fatal(err)
	}
	var ce *ChecksumError
	if err := f.Verify(); !errors.As(err, &ce) || ce.Computed == ce.Stored {
		t.Fatalf("got %v, want a *ChecksumError", err)
	}
}

func TestIdentify(t *testing.T) {
	for _, k := range kinds {
		got, err := Identify(sample(t, k, 1, ""))
		if err != nil || got != k {
			t.Errorf("Identify(%v file) = %v, %v", k, got, err)
		}
	}
	if _, err := Identify([]byte("\x84\xa5magic")); !errors.Is(err, ErrNotOurs) {
		t.Errorf("Identify(msgpack) = %v, want ErrNotOurs", err)
	}
}

func TestSentinel(t *testing.T) {
	err := Sentinel("not a stae checkpoint", ErrNotOurs)
	if !errors.Is(err, ErrNotOurs) || errors.Is(err, ErrCorrupt) || err.Error() != "not a stae checkpoint" {
		t.Errorf("got %q, matching ErrNotOurs %v", err, errors.Is(err, ErrNotOurs))
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	b, err := WriteFile(path, 0o644, Stats, 1, func(w io.Writer) error {
		_, err := io.WriteString(w, "abc")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	on, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(on, b) || !bytes.Equal(b, sample(t, Stats, 1, "abc")) {
		t.Errorf("file % x, returned % x", on, b)
	}
	// A failing payload leaves no file.
	failed := filepath.Join(t.TempDir(), "g")
	boom := errors.New("boom")
	if _, err := WriteFile(failed, 0o644, Stats, 1, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("failed write left %s: %v", failed, err)
	}
}
