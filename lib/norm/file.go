// The statistics file: a small binary format that says what it is, checked
// whole before use, a lib/container file of kind Stats.
//
// Layout, little-endian (magic, version and crc are the container's):
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
// The file's SHA-256 (Digest) names it in stream provenance.

package norm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"stae/lib/container"
)

// Magic and Version identify the file format.
const (
	Magic   = "staenorm"
	Version = 1
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
	return container.Marshal(container.Stats, Version, s.writePayload)
}

// writePayload writes the container's payload: everything between the
// version and the checksum.
func (s *Stats) writePayload(w io.Writer) error {
	b := make([]byte, 0, fixedSize+4*len(s.Mean))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Width))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Height))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Frames))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Std))
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
	case len(s.Mean) != s.Width*s.Height:
		return fmt.Errorf("mean image has %d values, want %dx%d: %w", len(s.Mean), s.Width, s.Height, ErrCorrupt)
	case s.Frames < 1:
		return fmt.Errorf("%d frames: %w", s.Frames, ErrCorrupt)
	case !(s.Std > 0) || math.IsInf(s.Std, 0):
		return fmt.Errorf("standard deviation %v: %w", s.Std, ErrCorrupt)
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
	if err != nil || len(b) < headerSize {
		return fmt.Errorf("%d bytes, header needs %d: %w", len(b), headerSize, ErrCorrupt)
	}
	le := binary.LittleEndian
	if f.Version != Version {
		return fmt.Errorf("version %d, this build reads %d: %w", f.Version, Version, ErrVersion)
	}
	p := f.Payload
	w, h := le.Uint32(p), le.Uint32(p[4:])
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("size %dx%d out of range 1..%d: %w", w, h, MaxSide, ErrCorrupt)
	}
	want := headerSize + 4*int(w)*int(h) + container.TrailSize
	if len(b) != want {
		return fmt.Errorf("%d bytes, a %dx%d file has %d: %w", len(b), w, h, want, ErrCorrupt)
	}
	var sumErr *container.ChecksumError
	if err := f.Verify(); errors.As(err, &sumErr) {
		return fmt.Errorf("checksum %08x, content gives %08x: %w", sumErr.Stored, sumErr.Computed, ErrCorrupt)
	}
	frames := le.Uint64(p[8:])
	if frames > math.MaxInt64 {
		return fmt.Errorf("%d frames: %w", frames, ErrCorrupt)
	}
	d := &Stats{
		Width:  int(w),
		Height: int(h),
		Frames: int64(frames),
		Std:    math.Float64frombits(le.Uint64(p[16:])),
		Mean:   make([]float32, int(w)*int(h)),
	}
	for i := range d.Mean {
		d.Mean[i] = math.Float32frombits(le.Uint32(p[fixedSize+4*i:]))
	}
	if err := d.Validate(); err != nil {
		return err
	}
	*s = *d
	return nil
}

// Digest is the hex SHA-256 of a statistics file's bytes.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ReadFile reads and validates a statistics file, returning it with its
// Digest.
func ReadFile(path string) (*Stats, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	// The largest valid file bounds what is read, so a huge wrong file
	// is not slurped whole.
	limit := int64(headerSize + 4*MaxSide*MaxSide + container.TrailSize)
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
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
	b, err := container.WriteFile(path, 0o644, container.Stats, Version, s.writePayload)
	if err != nil {
		return "", err
	}
	return Digest(b), nil
}
