// Package container is the frame that stae's files other than its streams
// share: model checkpoints (model.stae) and normalisation statistics
// (stats.bin). A container names its kind in its first eight bytes, so a
// reader can tell which kind of file it holds before it decodes anything
// (Identify), and ends with a checksum of everything before it.
//
// Layout, little-endian:
//
//	magic    8 bytes  the kind: "STAECKPT" checkpoint, "staenorm" statistics
//	version  uint32   the kind's format version
//	payload  the kind's own layout, versioned by version
//	crc      uint32   CRC-32 (IEEE) of everything before it
//
// This is, byte for byte, the frame both kinds had before this package
// existed, so files written then read unchanged.
//
// Reading goes in steps, so that each kind reports its own errors in its
// own order: Open checks the magic and the frame's size and hands over the
// version and payload; the kind checks the version and bounds every
// length its payload declares against the payload's size before it
// allocates; Verify checks the checksum.
package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"stae/lib/atomicfile"
)

// Kind is what a container holds, named by its magic.
type Kind struct{ magic, name string }

// The kinds, append-only: a magic once given keeps its meaning.
var (
	Checkpoint = Kind{magic: "STAECKPT", name: "checkpoint"}
	Stats      = Kind{magic: "staenorm", name: "statistics"}
)

var kinds = []Kind{Checkpoint, Stats}

// String names the kind.
func (k Kind) String() string { return k.name }

// Magic is the kind's eight opening bytes.
func (k Kind) Magic() string { return k.magic }

// Sizes of the frame around the payload.
const (
	HeadSize  = 8 + 4 // magic and version
	TrailSize = 4     // CRC
)

// Errors a caller may test for with errors.Is: "not one of our files",
// "ours, in a version this build does not read", and "ours, but truncated
// or damaged" are different.
var (
	ErrNotOurs = errors.New("not a stae file")
	ErrVersion = errors.New("unsupported file format version")
	ErrCorrupt = errors.New("truncated or damaged file")
)

// Sentinel returns an error that reads msg and matches base (one of the
// errors above) with errors.Is: a kind's own sentinel, in its own words,
// that callers of this package recognise too.
func Sentinel(msg string, base error) error { return &sentinel{msg, base} }

type sentinel struct {
	msg  string
	base error
}

func (s *sentinel) Error() string        { return s.msg }
func (s *sentinel) Is(target error) bool { return target == s.base }

// Identify returns the kind of container b opens with, or ErrNotOurs.
func Identify(b []byte) (Kind, error) {
	for _, k := range kinds {
		if bytes.HasPrefix(b, []byte(k.magic)) {
			return k, nil
		}
	}
	return Kind{}, ErrNotOurs
}

// File is a container's frame as read by Open. Payload is a slice of the
// bytes given to Open.
type File struct {
	Kind    Kind
	Version uint32
	Payload []byte
	b       []byte
}

// Open reads b's frame as a container of kind k: ErrNotOurs if b does not
// open with k's magic, an error matching ErrCorrupt if it is too short to
// hold the frame. It neither checks the version nor the checksum.
func Open(b []byte, k Kind) (*File, error) {
	if !bytes.HasPrefix(b, []byte(k.magic)) {
		return nil, ErrNotOurs
	}
	if len(b) < HeadSize+TrailSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the frame", ErrCorrupt, len(b))
	}
	return &File{
		Kind:    k,
		Version: binary.LittleEndian.Uint32(b[8:]),
		Payload: b[HeadSize : len(b)-TrailSize],
		b:       b,
	}, nil
}

// ChecksumError is a container whose checksum does not match its content.
type ChecksumError struct{ Computed, Stored uint32 }

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%v: checksum %08x, file says %08x", ErrCorrupt, e.Computed, e.Stored)
}

// Is makes a ChecksumError match ErrCorrupt.
func (e *ChecksumError) Is(target error) bool { return target == ErrCorrupt }

// Verify checks the checksum; its error is a *ChecksumError.
func (f *File) Verify() error {
	n := len(f.b) - TrailSize
	computed, stored := crc32.ChecksumIEEE(f.b[:n]), binary.LittleEndian.Uint32(f.b[n:])
	if computed != stored {
		return &ChecksumError{Computed: computed, Stored: stored}
	}
	return nil
}

// Encode writes a container of kind k and the given version around the
// payload that payload writes to the writer it is given.
func Encode(w io.Writer, k Kind, version uint32, payload func(w io.Writer) error) error {
	crc := crc32.NewIEEE()
	mw := io.MultiWriter(w, crc)
	head := binary.LittleEndian.AppendUint32([]byte(k.magic), version)
	if _, err := mw.Write(head); err != nil {
		return err
	}
	if err := payload(mw); err != nil {
		return err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// Marshal is Encode into memory.
func Marshal(k Kind, version uint32, payload func(w io.Writer) error) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, k, version, payload); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes a container to path, whole or not at all
// (lib/atomicfile), and returns the bytes it wrote, for a digest.
func WriteFile(path string, perm os.FileMode, k Kind, version uint32, payload func(w io.Writer) error) ([]byte, error) {
	b, err := Marshal(k, version, payload)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}); err != nil {
		return nil, err
	}
	return b, nil
}
