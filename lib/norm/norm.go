// Package norm holds the normalisation statistics of the training frames
// (DESIGN: "subtract the global mean image of the training frames, then
// normalise to zero mean and unit variance"): how they are accumulated
// from a stream of frames, applied to a frame, and stored in a small
// self-describing file.
//
// A frame x is normalised as (x - M) / s, where M is the per-pixel mean
// image of the training frames and s the standard deviation of all
// mean-subtracted training pixels taken together. No scalar offset is
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
	// Frames is the number of training frames they were computed from.
	Frames int64
	// Mean is the mean image, row-major, Width*Height values in [0,1].
	Mean []float32
	// Std is the standard deviation of the mean-subtracted training
	// pixels (whose mean is zero).
	Std float64
}

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
	w, h  int
	n     int64
	sum   []float64
	sumSq []float64
}

// NewAccumulator returns an accumulator for width x height frames.
func NewAccumulator(width, height int) *Accumulator {
	return &Accumulator{w: width, h: height, sum: make([]float64, width*height), sumSq: make([]float64, width*height)}
}

// Add adds one frame (row-major, Width*Height values).
func (a *Accumulator) Add(frame []float32) error {
	if len(frame) != len(a.sum) {
		return fmt.Errorf("%d values, want %dx%d=%d: %w", len(frame), a.w, a.h, len(a.sum), ErrFrameSize)
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
	s := &Stats{Width: a.w, Height: a.h, Frames: a.n, Mean: make([]float32, len(a.sum))}
	// The variance of all mean-subtracted pixels together is the mean of
	// the per-pixel variances, since every pixel's deviations average to 0.
	var v float64
	for i, sm := range a.sum {
		m := sm / n
		s.Mean[i] = float32(m)
		v += max(0, a.sumSq[i]/n-m*m)
	}
	s.Std = math.Sqrt(v / float64(len(a.sum)))
	// Below this the frames are constant up to float rounding; dividing by
	// it would amplify nothing but rounding error.
	if s.Std < 1e-6 {
		return nil, ErrNoVariance
	}
	return s, nil
}

// Apply normalises frame in place: (x - Mean) / Std.
func (s *Stats) Apply(frame []float32) error {
	if len(frame) != len(s.Mean) {
		return fmt.Errorf("%d values, want %dx%d=%d: %w", len(frame), s.Width, s.Height, len(s.Mean), ErrFrameSize)
	}
	inv := float32(1 / s.Std)
	for i, m := range s.Mean {
		frame[i] = (frame[i] - m) * inv
	}
	return nil
}
