// The stored form of a calibration: one JSON object, decoded then
// validated, kept in its own file or inside a checkpoint.

package calib

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"stae/lib/atomicfile"
	"stae/lib/digest"
	"stae/lib/fileio"
)

// Format names the JSON object; Version is its layout's version.
const (
	Format  = "stae-calibration"
	Version = 1
	// MaxJSONBytes bounds what Read accepts: a full series of MaxSeries
	// errors at 25 bytes each, with room to spare.
	MaxJSONBytes = 64 << 20
)

// ErrFormat is JSON that is not a calibration; ErrVersion is a calibration
// of a layout this package does not read.
var (
	ErrFormat  = errors.New("not a stae calibration")
	ErrVersion = errors.New("unsupported calibration version")
)

// wire is the JSON object, field for field:
//
//	{"format":"stae-calibration","version":1,"scoring":"...","frames":2550,
//	 "fps":10,"seconds":255,"sample":[...sorted...],"series":[[...],[...]]}
//
// series, when present, holds every frame's error in order, one array per
// video, and the sample must be exactly what Build would take from it.
type wire struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	Scoring string      `json:"scoring,omitempty"`
	Frames  int64       `json:"frames"`
	FPS     float64     `json:"fps"`
	Seconds float64     `json:"seconds"`
	Sample  []float64   `json:"sample"`
	Series  [][]float64 `json:"series,omitempty"`
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func (w *wire) validate() error {
	if w.Format != Format {
		return fmt.Errorf("%w: format %q, want %q", ErrFormat, w.Format, Format)
	}
	if w.Version != Version {
		return fmt.Errorf("%w: version %d (this program reads %d)", ErrVersion, w.Version, Version)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	switch {
	case len(w.Scoring) > MaxScoring:
		return bad("scoring text of %d bytes (at most %d)", len(w.Scoring), MaxScoring)
	case w.Frames < 1 || w.Frames > MaxFrames:
		return bad("%d frames (want 1 to %d)", w.Frames, int64(MaxFrames))
	case !finite(w.FPS) || w.FPS < 0:
		return bad("frame rate %v", w.FPS)
	case !finite(w.Seconds) || w.Seconds < 0:
		return bad("duration %v s", w.Seconds)
	case w.FPS > 0 && math.Abs(w.Seconds-float64(w.Frames)/w.FPS) > 1e-9*math.Max(1, w.Seconds):
		return bad("duration %v s is not %d frames at %v frames/s", w.Seconds, w.Frames, w.FPS)
	case len(w.Sample) < 1 || len(w.Sample) > MaxSample:
		return bad("sample of %d values (want 1 to %d)", len(w.Sample), MaxSample)
	case int64(len(w.Sample)) > w.Frames:
		return bad("sample of %d values from %d frames", len(w.Sample), w.Frames)
	case int64(len(w.Sample)) < w.Frames && len(w.Sample) < 2:
		return bad("capped sample of %d value", len(w.Sample))
	}
	for i, x := range w.Sample {
		if !finite(x) {
			return bad("sample[%d] = %v is not finite", i, x)
		}
		if i > 0 && x < w.Sample[i-1] {
			return bad("sample is not sorted at %d: %v after %v", i, x, w.Sample[i-1])
		}
	}
	if w.Series == nil {
		return nil
	}
	if w.Frames > MaxSeries {
		return bad("series of %d frames (at most %d)", w.Frames, MaxSeries)
	}
	var total int64
	for v, s := range w.Series {
		if len(s) == 0 {
			return bad("series video %d is empty", v)
		}
		total += int64(len(s))
		if total > w.Frames {
			return bad("series holds more than %d frames", w.Frames)
		}
		for i, x := range s {
			if !finite(x) {
				return bad("series video %d frame %d = %v is not finite", v, i, x)
			}
		}
	}
	if total != w.Frames {
		return bad("series holds %d frames, not %d", total, w.Frames)
	}
	all := make([]float64, 0, total)
	for _, s := range w.Series {
		all = append(all, s...)
	}
	slices.Sort(all)
	if !slices.Equal(capSample(all, len(w.Sample)), w.Sample) {
		return bad("sample does not match the series")
	}
	return nil
}

// fromWire validates w and makes the calibration it describes.
func fromWire(w wire) (*Calibration, error) {
	if err := w.validate(); err != nil {
		return nil, err
	}
	c := &Calibration{w: w}
	c.tail()
	return c, nil
}

// MarshalJSON writes the stored form.
func (c *Calibration) MarshalJSON() ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil calibration", ErrInvalid)
	}
	if err := c.w.validate(); err != nil {
		return nil, err
	}
	return json.Marshal(c.w)
}

// UnmarshalJSON reads the stored form, refusing unknown fields, values
// that are not finite, an unsorted or oversized sample, a series that
// disagrees with it, and other formats or versions. On error c is
// unchanged.
func (c *Calibration) UnmarshalJSON(b []byte) error {
	var w wire
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	nc, err := fromWire(w)
	if err != nil {
		return err
	}
	*c = *nc
	return nil
}

// Read decodes one calibration of at most MaxJSONBytes from r.
func Read(r io.Reader) (*Calibration, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read calibration: %w", err)
	}
	if len(b) > MaxJSONBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrInvalid, MaxJSONBytes)
	}
	var c Calibration
	if err := c.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return &c, nil
}

// Write encodes c to w as one line of JSON.
func (c *Calibration) Write(w io.Writer) error {
	b, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Load reads a calibration file: a regular file of at most MaxJSONBytes.
func Load(path string) (*Calibration, error) {
	f, _, err := fileio.Open(path, MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Save writes c to path whole or not at all.
func (c *Calibration) Save(path string) error {
	return atomicfile.Write(path, 0o644, c.Write)
}

// LoadDigest is Load that also returns the sha256 of the file's bytes (hex),
// so that a stream scored against the file can name it and a later stage
// can check it was given the same one.
func LoadDigest(path string) (*Calibration, string, error) {
	f, _, err := fileio.Open(path, MaxJSONBytes)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	h := digest.New()
	c, err := Read(io.TeeReader(f, h))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return c, h.Sum(), nil
}
