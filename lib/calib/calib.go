// Package calib describes how large a model's frame errors are on normal
// footage, so that a frame can be scored on its own, the moment it arrives,
// against that description instead of against the rest of its video.
//
// A Calibration is built from the per-frame errors e(t) that recon writes
// for normal footage the model was not trained on. It keeps the sorted
// sample of those errors (capped, see Options.MaxSample), the number of
// frames and the frame rate and seconds they span, and, when it is small
// enough, the errors in frame order, video by video, so that an alarm
// threshold can be set by replaying the alarm rule over them.
//
// Scores derived from it are causal and comparable across videos and
// cameras calibrated the same way: Rank(e) is the fraction of normal frames
// with a lower error (ties count half), so a normal frame's rank is roughly
// uniform on [0,1] and an anomaly's is near 1. Rank saturates at 1 above the
// largest normal error; Surprise keeps ordering there on a log scale.
//
// The errors must come from the same scoring (model, frame size, error
// kind) as the frames that will be scored; Scoring records what that was.
package calib

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Defaults and hard bounds.
const (
	// DefaultMaxSample is the sample size kept when Options.MaxSample is 0.
	DefaultMaxSample = 4096
	// MaxSample bounds any stored sample.
	MaxSample = 1 << 16
	// DefaultMaxSeries is the longest ordered series kept when
	// Options.MaxSeries is 0: about 3.6 hours at 10 frames/s.
	DefaultMaxSeries = 1 << 17
	// MaxSeries bounds any stored series (all videos together).
	MaxSeries = 1 << 20
	// MaxFrames bounds the frame count (float64 counts exactly below 2^53).
	MaxFrames = 1 << 53
	// MaxScoring bounds the length of the Scoring text.
	MaxScoring = 4096
	// MaxSurprise is Surprise's ceiling: an exceedance of 1e-300.
	MaxSurprise = 300
)

// Sentinel errors; wrapped with context by the functions that return them.
var (
	ErrNotFinite = errors.New("value is not finite")
	ErrEmpty     = errors.New("no normal frames")
	ErrInvalid   = errors.New("invalid calibration")
	ErrArgument  = errors.New("invalid argument")
)

// Options control Build.
type Options struct {
	// MaxSample caps the stored sample; 0 means DefaultMaxSample, and it
	// must be at least 2 and at most MaxSample. With n frames and a cap
	// N < n, the sample is the order statistics
	//
	//	sample[i] = x[⌊i·(n−1)/(N−1)⌋],  i = 0..N−1,
	//
	// of the sorted errors x[0] ≤ … ≤ x[n−1]: the minimum, the maximum and
	// N−2 evenly spaced quantiles between them, each a real observed error.
	// With n ≤ N the sample is x itself.
	MaxSample int
	// MaxSeries keeps the ordered errors when there are at most this many
	// frames; 0 means DefaultMaxSeries, negative never keeps them. It is
	// clipped to MaxSeries.
	MaxSeries int
	// FPS is the frame rate of the footage, if known (0 if not).
	FPS float64
	// Scoring says what made the errors, e.g. recon's model digest and
	// error kind, so a later stage can refuse errors of another kind.
	Scoring string
}

// Builder accumulates normal errors, in frame order, video by video. It
// keeps every error until Build (8 bytes a frame).
type Builder struct {
	videos [][]float64
	cur    []float64
	n      int
	secs   float64
}

// Add appends the next frame's error to the current video.
func (b *Builder) Add(e float64) error {
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return fmt.Errorf("frame %d: error %v: %w", b.n, e, ErrNotFinite)
	}
	if b.n >= MaxFrames {
		return fmt.Errorf("%w: more than %d frames", ErrArgument, int64(MaxFrames))
	}
	b.cur = append(b.cur, e)
	b.n++
	return nil
}

// EndVideo ends the current video: alarms are never replayed across it.
func (b *Builder) EndVideo() {
	if len(b.cur) > 0 {
		b.videos = append(b.videos, b.cur)
		b.cur = nil
	}
}

// AddVideo adds one whole video's errors. On error nothing is added.
func (b *Builder) AddVideo(errs []float64) error {
	for i, e := range errs {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return fmt.Errorf("video %d frame %d: error %v: %w", len(b.videos), i, e, ErrNotFinite)
		}
	}
	if b.n+len(errs) > MaxFrames {
		return fmt.Errorf("%w: more than %d frames", ErrArgument, int64(MaxFrames))
	}
	b.EndVideo()
	b.cur = append([]float64(nil), errs...)
	b.n += len(errs)
	b.EndVideo()
	return nil
}

// AddSeconds records the duration of footage added, for callers that know
// times rather than a frame rate (used when Options.FPS is 0).
func (b *Builder) AddSeconds(s float64) error {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return fmt.Errorf("%w: seconds %v", ErrArgument, s)
	}
	b.secs += s
	return nil
}

// Frames is the number of errors added so far.
func (b *Builder) Frames() int { return b.n }

// Build makes the calibration of everything added. The builder stays
// usable; later additions make later calibrations larger.
func (b *Builder) Build(o Options) (*Calibration, error) {
	if b.n == 0 {
		return nil, ErrEmpty
	}
	maxSample := o.MaxSample
	if maxSample == 0 {
		maxSample = DefaultMaxSample
	}
	if maxSample < 2 || maxSample > MaxSample {
		return nil, fmt.Errorf("%w: max sample %d is not in [2, %d]", ErrArgument, maxSample, MaxSample)
	}
	if math.IsNaN(o.FPS) || math.IsInf(o.FPS, 0) || o.FPS < 0 {
		return nil, fmt.Errorf("%w: frame rate %v", ErrArgument, o.FPS)
	}
	if len(o.Scoring) > MaxScoring {
		return nil, fmt.Errorf("%w: scoring text of %d bytes (at most %d)", ErrArgument, len(o.Scoring), MaxScoring)
	}
	videos := b.videos
	if len(b.cur) > 0 {
		videos = append(slices.Clip(videos), b.cur)
	}
	all := make([]float64, 0, b.n)
	for _, v := range videos {
		all = append(all, v...)
	}
	slices.Sort(all)
	w := wire{Format: Format, Version: Version, Scoring: o.Scoring, Frames: int64(b.n), FPS: o.FPS,
		Sample: capSample(all, maxSample)}
	if o.FPS > 0 {
		w.Seconds = float64(b.n) / o.FPS
	} else {
		w.Seconds = b.secs
	}
	maxSeries := o.MaxSeries
	if maxSeries == 0 {
		maxSeries = DefaultMaxSeries
	}
	maxSeries = min(maxSeries, MaxSeries)
	if b.n <= maxSeries {
		for _, v := range videos {
			w.Series = append(w.Series, slices.Clone(v))
		}
	}
	return fromWire(w)
}

// FromErrors is Build for the errors of one video.
func FromErrors(errs []float64, o Options) (*Calibration, error) {
	var b Builder
	if err := b.AddVideo(errs); err != nil {
		return nil, err
	}
	return b.Build(o)
}

// capSample picks the documented order statistics of sorted x.
func capSample(x []float64, max int) []float64 {
	n := len(x)
	if n <= max {
		return slices.Clone(x)
	}
	s := make([]float64, max)
	for i := range s {
		s[i] = x[rankOf(i, max, int64(n))]
	}
	return s
}

// rankOf is the index among n sorted frames of sample[i] in a sample of m:
// ⌊i·(n−1)/(m−1)⌋ (i itself when m = n). With i < 2^16 the integer product
// fits below n = 2^46; above that it is done in float64.
func rankOf(i, m int, n int64) int64 {
	if m <= 1 {
		return 0
	}
	if n < 1<<46 {
		return int64(i) * (n - 1) / int64(m-1)
	}
	return int64(math.Floor(float64(i) * float64(n-1) / float64(m-1)))
}

// Calibration is an immutable description of normal frame errors; make one
// with Builder.Build, FromErrors or by unmarshalling JSON. The zero value
// describes nothing: its scores are NaN and its quantiles ErrEmpty.
type Calibration struct {
	w wire
	// Exponential tail above u: exceedance pu·exp(−(e−u)/beta).
	u, pu, beta float64
}

// Frames is the number of normal frames described.
func (c *Calibration) Frames() int64 { return c.w.Frames }

// FPS is their frame rate, 0 if unknown.
func (c *Calibration) FPS() float64 { return c.w.FPS }

// Seconds is the footage's duration, 0 if unknown.
func (c *Calibration) Seconds() float64 { return c.w.Seconds }

// Scoring says what made the errors.
func (c *Calibration) Scoring() string { return c.w.Scoring }

// Sample returns a copy of the sorted sample.
func (c *Calibration) Sample() []float64 { return slices.Clone(c.w.Sample) }

// Ordered reports whether the errors are kept in frame order, so that
// ThresholdForRate replays the alarm rule over them.
func (c *Calibration) Ordered() bool { return len(c.w.Series) > 0 }

// Capped reports whether the sample holds fewer values than frames.
func (c *Calibration) Capped() bool { return int64(len(c.w.Sample)) < c.w.Frames }

// Rank is the fraction of normal frames with an error strictly below e plus
// half the fraction equal to it, in [0,1]: 0 below every normal error, 1
// above every one, about 0.5 at the median. It is computed on the stored
// sample by binary search: exact when the sample is not capped, within
// about 1/(N−1) of the exact fraction when it holds N values of more frames. NaN
// gives NaN.
func (c *Calibration) Rank(e float64) float64 {
	if math.IsNaN(e) {
		return math.NaN()
	}
	s := c.w.Sample
	if len(s) == 0 {
		return math.NaN()
	}
	lo := sort.SearchFloat64s(s, e) // first ≥ e
	hi := lo
	for hi < len(s) && s[hi] == e {
		hi++
	}
	// Ties are few; a second search bounds the worst case anyway.
	if hi-lo > 8 {
		hi = lo + sort.Search(len(s)-lo, func(i int) bool { return s[lo+i] > e })
	}
	return (float64(lo) + 0.5*float64(hi-lo)) / float64(len(s))
}

// Exceedance is 1 − Rank(e): about how often a normal frame's error is at
// least e.
func (c *Calibration) Exceedance(e float64) float64 { return 1 - c.Rank(e) }

// Surprise is −log10 of a tail probability that keeps decreasing above the
// largest normal error, where Rank stops at 1: a score in [0, MaxSurprise]
// that grows with e everywhere (non-decreasing, strictly above the tail
// start). Below the tail start u, the probability is Exceedance(e); from u
// on it is Exceedance(u)·exp(−(e−u)/β), an exponential tail whose scale β
// is the mean excess over u of the k = ⌈N/20⌉ largest sampled errors, u the
// (k+1)-th largest. 2 means about one frame in a hundred of normal footage
// is as bad; each further unit is ten times rarer, extrapolated. NaN gives
// NaN.
func (c *Calibration) Surprise(e float64) float64 {
	if math.IsNaN(e) || len(c.w.Sample) == 0 {
		return math.NaN()
	}
	var p float64
	switch {
	case e < c.u:
		p = c.Exceedance(e)
	case c.beta > 0:
		p = c.pu * math.Exp(-(e-c.u)/c.beta)
	case e == c.u:
		p = c.pu
	default: // no spread in the tail: anything above it is off the scale
		p = 0
	}
	if p <= 1e-300 {
		return MaxSurprise
	}
	return math.Min(-math.Log10(p), MaxSurprise)
}

// tail sets the exponential tail of Surprise from the sample.
func (c *Calibration) tail() {
	s := c.w.Sample
	n := len(s)
	k := (n + 19) / 20
	if k > n-1 {
		k = n - 1
	}
	if k < 1 { // a single value: no tail to fit
		c.u, c.pu, c.beta = s[0], c.Exceedance(s[0]), 0
		return
	}
	c.u = s[n-1-k]
	c.pu = c.Exceedance(c.u)
	sum := 0.0
	for _, x := range s[n-k:] {
		sum += x - c.u
	}
	c.beta = sum / float64(k)
}

// Quantile is the q-quantile of the normal errors, q in [0,1], by linear
// interpolation between sampled order statistics (R's type 7 on the
// sample): Quantile(0) is the smallest normal error and Quantile(1) the
// largest.
func (c *Calibration) Quantile(q float64) (float64, error) {
	if math.IsNaN(q) || q < 0 || q > 1 {
		return 0, fmt.Errorf("%w: quantile %v is not in [0,1]", ErrArgument, q)
	}
	s := c.w.Sample
	if len(s) == 0 {
		return 0, ErrEmpty
	}
	h := q * float64(len(s)-1)
	i := int(math.Floor(h))
	if i >= len(s)-1 {
		return s[len(s)-1], nil
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i]), nil
}
