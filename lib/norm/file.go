// The statistics file: a small binary format that says what it is, checked
// whole before use, a lib/container file of kind Stats.
//
// Layout, little-endian (magic, version and crc are the container's).
// Version 1, one gray plane (written whenever a frame is one gray plane,
// so such files keep their bytes and digests):
//
//	magic    8 bytes  "staenorm"
//	version  uint32   1
//	width    uint32
//	height   uint32
//	frames   uint64   training frames the statistics come from
//	std      float64  standard deviation of the mean-subtracted pixels
//	mean     width*height float32, row-major
//	crc      uint32   CRC-32 (IEEE) of everything before it
//
// Version 2, frames of several planes: after frames,
//
//	planes   uint32   P, 1..MaxPlanes
//	names    P times: uint8 length (1..MaxName), that many bytes
//	std      P float64
//	mean     P*width*height float32, plane after plane
//
// The file's SHA-256 (Digest) names it in stream provenance.

package norm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"unicode/utf8"

	"stae/lib/container"
	"stae/lib/digest"
	"stae/lib/fileio"
)

// Magic and Version identify the file format; version 1 files (one gray
// plane) are still written and read.
const (
	Magic     = "staenorm"
	Version   = 2
	versionV1 = 1
)

// Bounds on a version 2 file's plane list.
const (
	MaxPlanes = 16
	MaxName   = 32
)

// MaxSide bounds width and height read from a file, before anything is
// allocated from them.
const MaxSide = 8192

// fixedSize is the payload's size before the mean image; headerSize the
// file's.
const (
	fixedSize  = 4 + 4 + 8 + 8
	headerSize = container.HeadSize + fixedSize
)

// Errors a caller may test for with errors.Is. "Not a stats file" and "a
// stats file of a version this build does not read" are different. They
// match lib/container's ErrNotOurs, ErrVersion and ErrCorrupt too.
var (
	ErrNotStats = container.Sentinel("not a stae statistics file", container.ErrNotOurs)
	ErrVersion  = container.Sentinel("unsupported statistics file version", container.ErrVersion)
	ErrCorrupt  = container.Sentinel("corrupt statistics file", container.ErrCorrupt)
)

// MarshalBinary encodes the statistics in the file format.
func (s *Stats) MarshalBinary() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return container.Marshal(container.Stats, s.version(), s.writePayload)
}

// version is the file version the statistics are written in: 1 for one
// gray plane, as before channels existed.
func (s *Stats) version() uint32 {
	if len(s.Channels) == 0 {
		return versionV1
	}
	return Version
}

// writePayload writes the container's payload: everything between the
// version and the checksum.
func (s *Stats) writePayload(w io.Writer) error {
	le := binary.LittleEndian
	b := make([]byte, 0, fixedSize+4*len(s.Mean)+(8+1+MaxName)*len(s.Channels))
	b = le.AppendUint32(b, uint32(s.Width))
	b = le.AppendUint32(b, uint32(s.Height))
	b = le.AppendUint64(b, uint64(s.Frames))
	if s.version() == versionV1 {
		b = le.AppendUint64(b, math.Float64bits(s.Std[0]))
	} else {
		b = le.AppendUint32(b, uint32(len(s.Channels)))
		for _, c := range s.Channels {
			b = append(append(b, byte(len(c))), c...)
		}
		for _, sd := range s.Std {
			b = le.AppendUint64(b, math.Float64bits(sd))
		}
	}
	for _, m := range s.Mean {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m))
	}
	_, err := w.Write(b)
	return err
}

// Validate checks that the statistics are usable.
func (s *Stats) Validate() error {
	switch {
	case s.Width < 1 || s.Height < 1 || s.Width > MaxSide || s.Height > MaxSide:
		return fmt.Errorf("size %dx%d out of range 1..%d: %w", s.Width, s.Height, MaxSide, ErrCorrupt)
	case len(s.Channels) > MaxPlanes:
		return fmt.Errorf("%d planes, at most %d: %w", len(s.Channels), MaxPlanes, ErrCorrupt)
	case len(s.Mean) != s.Planes()*s.Width*s.Height:
		return fmt.Errorf("mean image has %d values, want %s: %w", len(s.Mean), shape(s.Planes(), s.Width, s.Height), ErrCorrupt)
	case len(s.Std) != s.Planes():
		return fmt.Errorf("%d standard deviations for %d planes: %w", len(s.Std), s.Planes(), ErrCorrupt)
	case s.Frames < 1:
		return fmt.Errorf("%d frames: %w", s.Frames, ErrCorrupt)
	}
	for i, c := range s.Channels {
		if len(c) < 1 || len(c) > MaxName || !utf8.ValidString(c) || slices.Contains(s.Channels[:i], c) {
			return fmt.Errorf("plane name %q: %w", c, ErrCorrupt)
		}
	}
	for _, sd := range s.Std {
		if !(sd > 0) || math.IsInf(sd, 0) {
			return fmt.Errorf("standard deviation %v: %w", sd, ErrCorrupt)
		}
	}
	for i, m := range s.Mean {
		if math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
			return fmt.Errorf("mean pixel %d is %v: %w", i, m, ErrCorrupt)
		}
	}
	return nil
}

// UnmarshalBinary decodes and validates a statistics file's bytes.
func (s *Stats) UnmarshalBinary(b []byte) error {
	f, err := container.Open(b, container.Stats)
	if errors.Is(err, container.ErrNotOurs) {
		return ErrNotStats
	}
	if err != nil || len(b) < headerSize || len(f.Payload) < fixedSize {
		return fmt.Errorf("%d bytes, header needs %d: %w", len(b), headerSize, ErrCorrupt)
	}
	le := binary.LittleEndian
	if f.Version != Version && f.Version != versionV1 {
		return fmt.Errorf("version %d, this build reads 1 and %d: %w", f.Version, Version, ErrVersion)
	}
	p := f.Payload
	w, h := le.Uint32(p), le.Uint32(p[4:])
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("size %dx%d out of range 1..%d: %w", w, h, MaxSide, ErrCorrupt)
	}
	frames := le.Uint64(p[8:])
	if frames > math.MaxInt64 {
		return fmt.Errorf("%d frames: %w", frames, ErrCorrupt)
	}
	d := &Stats{Width: int(w), Height: int(h), Frames: int64(frames)}
	rest := p[16:]
	if f.Version == versionV1 {
		d.Std = []float64{math.Float64frombits(le.Uint64(rest))}
		rest = rest[8:]
	} else {
		var err error
		if d.Channels, d.Std, rest, err = readPlanes(rest); err != nil {
			return err
		}
	}
	meanBytes := 4 * d.Planes() * int(w) * int(h)
	if len(rest) != meanBytes {
		return fmt.Errorf("%d bytes, a %s file has %d: %w", len(b), shape(d.Planes(), int(w), int(h)), len(b)-len(rest)+meanBytes, ErrCorrupt)
	}
	var sumErr *container.ChecksumError
	if err := f.Verify(); errors.As(err, &sumErr) {
		return fmt.Errorf("checksum %08x, content gives %08x: %w", sumErr.Stored, sumErr.Computed, ErrCorrupt)
	}
	d.Mean = make([]float32, d.Planes()*int(w)*int(h))
	for i := range d.Mean {
		d.Mean[i] = math.Float32frombits(le.Uint32(rest[4*i:]))
	}
	if err := d.Validate(); err != nil {
		return err
	}
	*s = *d
	return nil
}

// readPlanes reads a version 2 file's plane names and standard
// deviations, every length checked before it is used, and returns the
// bytes after them.
func readPlanes(p []byte) (names []string, std []float64, rest []byte, err error) {
	if len(p) < 4 {
		return nil, nil, nil, fmt.Errorf("no plane count: %w", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(p)
	if n < 1 || n > MaxPlanes {
		return nil, nil, nil, fmt.Errorf("%d planes, want 1 to %d: %w", n, MaxPlanes, ErrCorrupt)
	}
	p = p[4:]
	for i := 0; i < int(n); i++ {
		if len(p) < 1 || int(p[0]) > len(p)-1 {
			return nil, nil, nil, fmt.Errorf("plane %d's name is cut short: %w", i, ErrCorrupt)
		}
		n := 1 + int(p[0]) // in int: a byte's 1+255 would wrap to 0
		names, p = append(names, string(p[1:n])), p[n:]
	}
	if len(p) < 8*int(n) {
		return nil, nil, nil, fmt.Errorf("standard deviations cut short: %w", ErrCorrupt)
	}
	for i := 0; i < int(n); i++ {
		std, p = append(std, math.Float64frombits(binary.LittleEndian.Uint64(p))), p[8:]
	}
	return names, std, p, nil
}

// Digest is the hex SHA-256 of a statistics file's bytes.
func Digest(b []byte) string { return digest.Of(b) }

// ReadFile reads and validates a statistics file, returning it with its
// Digest.
func ReadFile(path string) (*Stats, string, error) {
	// The largest valid file bounds what is read, so a huge wrong file is
	// not slurped whole, and only a regular file is read at all.
	limit := int64(headerSize + 4 + (1+MaxName+8)*MaxPlanes + 4*MaxPlanes*MaxSide*MaxSide + container.TrailSize)
	f, _, err := fileio.Open(path, limit)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	// The magic first: a large file of something else is refused from
	// its first bytes.
	head := make([]byte, len(Magic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if _, err := container.Identify(head[:n]); err != nil || n < len(Magic) {
		var s Stats
		return nil, "", fmt.Errorf("%s: %w", path, s.UnmarshalBinary(head[:n]))
	}
	rest, err := fileio.ReadAll(f, limit-int64(n))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	b := append(head, rest...)
	var s Stats
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return &s, Digest(b), nil
}

// WriteFile writes the statistics to path, whole or not at all, and
// returns the file's Digest.
func WriteFile(path string, s *Stats) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	b, err := container.WriteFile(path, 0o644, container.Stats, s.version(), s.writePayload)
	if err != nil {
		return "", err
	}
	return Digest(b), nil
}
