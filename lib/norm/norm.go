// Package norm holds the normalisation statistics of the training frames
// (DESIGN: "subtract the global mean image of the training frames, then
// normalise to zero mean and unit variance"): how they are accumulated
// from a stream of frames, applied to a frame, and stored in a small
// self-describing file.
//
// A frame x is normalised as (x - M) / s, where M is the per-pixel mean
// image of the training frames and s the standard deviation of all
// mean-subtracted training pixels taken together. A frame of several
// planes (gray beside motion channels, lib/motion) is normalised plane by
// plane, each with its own mean image and standard deviation. No scalar offset is
// subtracted as well: over the training frames the mean-subtracted pixels
// have mean exactly zero by construction (each pixel's deviations from its
// own mean sum to zero), so that offset would be 0 up to rounding. On
// test frames the mean is whatever it is, and shifting it would hide a
// scene that is brighter than usual.
package norm

import (
	"errors"
	"fmt"
	"math"
)

// Stats are the normalisation statistics for frames of one size.
type Stats struct {
	Width, Height int
	// Channels names the planes of a frame, as lib/motion names them;
	// empty means one gray plane (every version 1 file).
	Channels []string
	// Frames is the number of training frames they were computed from.
	Frames int64
	// Mean is the mean image of each plane, plane after plane, row-major,
	// Planes()*Width*Height values.
	Mean []float32
	// Std is, for each plane, the standard deviation of its
	// mean-subtracted training pixels (whose mean is zero).
	Std []float64
}

// Gray is the name of the appearance plane, the only one before
// channels existed (lib/motion names the others).
const Gray = "gray"

// Planes is the number of planes a frame has.
func (s *Stats) Planes() int { return max(1, len(s.Channels)) }

// Errors a caller may test for with errors.Is.
var (
	ErrNoFrames   = errors.New("no frames")
	ErrNoVariance = errors.New("training frames do not vary (standard deviation 0)")
	ErrFrameSize  = errors.New("frame size does not match the statistics")
)

// Accumulator computes Stats from frames added one at a time, in O(pixels)
// memory whatever the number of frames. Sums are float64: float32 running
// sums would lose the low digits after a few thousand frames.
type Accumulator struct {
	w, h     int
	channels []string
	n        int64
	sum      []float64
	sumSq    []float64
}

// NewAccumulator returns an accumulator for width x height frames of the
// named planes (none: one gray plane).
func NewAccumulator(width, height int, channels ...string) *Accumulator {
	if len(channels) == 1 && channels[0] == Gray {
		channels = nil // one gray plane is the version 1 file, digest and all
	}
	n := max(1, len(channels)) * width * height
	return &Accumulator{w: width, h: height, channels: channels, sum: make([]float64, n), sumSq: make([]float64, n)}
}

// Add adds one frame (plane after plane, row-major).
func (a *Accumulator) Add(frame []float32) error {
	if len(frame) != len(a.sum) {
		return fmt.Errorf("%d values, want %s=%d: %w", len(frame), shape(len(a.channels), a.w, a.h), len(a.sum), ErrFrameSize)
	}
	for i, v := range frame {
		x := float64(v)
		a.sum[i] += x
		a.sumSq[i] += x * x
	}
	a.n++
	return nil
}

// Stats returns the statistics of the frames added so far.
func (a *Accumulator) Stats() (*Stats, error) {
	if a.n == 0 {
		return nil, ErrNoFrames
	}
	n := float64(a.n)
	s := &Stats{Width: a.w, Height: a.h, Channels: a.channels, Frames: a.n, Mean: make([]float32, len(a.sum))}
	plane := a.w * a.h
	for p := 0; p < s.Planes(); p++ {
		// The variance of all mean-subtracted pixels together is the mean
		// of the per-pixel variances, since every pixel's deviations
		// average to 0.
		var v float64
		for i := p * plane; i < (p+1)*plane; i++ {
			m := a.sum[i] / n
			s.Mean[i] = float32(m)
			v += max(0, a.sumSq[i]/n-m*m)
		}
		std := math.Sqrt(v / float64(plane))
		// Below this the frames are constant up to float rounding;
		// dividing by it would amplify nothing but rounding error.
		if std < 1e-6 {
			if len(a.channels) > 0 {
				return nil, fmt.Errorf("plane %s: %w", a.channels[p], ErrNoVariance)
			}
			return nil, ErrNoVariance
		}
		s.Std = append(s.Std, std)
	}
	return s, nil
}

// Apply normalises frame in place, plane by plane: (x - Mean) / Std.
func (s *Stats) Apply(frame []float32) error {
	if len(frame) != len(s.Mean) {
		return fmt.Errorf("%d values, want %s=%d: %w", len(frame), shape(len(s.Channels), s.Width, s.Height), len(s.Mean), ErrFrameSize)
	}
	plane := s.Width * s.Height
	for p, std := range s.Std {
		inv := float32(1 / std)
		for i := p * plane; i < (p+1)*plane; i++ {
			frame[i] = (frame[i] - s.Mean[i]) * inv
		}
	}
	return nil
}

// shape writes a frame's shape as WxH, or CxWxH for several planes.
func shape(channels, w, h int) string {
	if channels > 1 {
		return fmt.Sprintf("%dx%dx%d", channels, w, h)
	}
	return fmt.Sprintf("%dx%d", w, h)
}
