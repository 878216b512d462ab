// Package alarm turns a per-frame score, one frame at a time, into alarms:
// spans of frames during which the score stayed high, reported as soon as
// they are certain. It is the live counterpart of lib/persistence, which
// needs a whole video.
//
// A Detector follows one video (or one live stream). Each frame is pushed
// as (frame number, time in seconds, score); higher scores are more
// abnormal. The rules, with On the onset threshold, Off ≤ On the release
// threshold, M = MinFrames and G = MaxGap:
//
//   - An alarm opens when the score is above On (s > On) for M consecutive
//     frames. It starts at the first of them. A shorter blip raises nothing.
//   - An open alarm stays open while the score is above Off (s > Off); a dip
//     at or below Off of at most G consecutive frames is bridged, so two
//     bursts separated by a short dip make one alarm.
//   - The alarm closes at the (G+1)-th consecutive frame at or below Off.
//     It ends at its last frame above Off. Flush closes an alarm still open
//     at the end of the stream, and drops a blip not yet M frames long.
//
// Delays are bounded and counted in pushed frames: the Open event comes
// with the M-th frame above On, M-1 frames after the alarm's start; the
// Close event comes with the (G+1)-th frame of the dip, G+1 frames after
// the alarm's end. Nothing waits on the rest of the video, so the same
// detector serves files and live streams, and its output does not depend
// on how the input was split into reads.
//
// Durations count pushed frames, not frame numbers: streams carry every
// frame, and a caller that subsamples should scale M and G itself.
package alarm

import (
	"errors"
	"fmt"
	"math"
)

// Config is an alarm rule.
type Config struct {
	// On opens an alarm: the score must exceed it for MinFrames frames.
	On float64
	// Off releases it: an alarm ends when the score is at or below Off for
	// more than MaxGap frames. Off ≤ On; Off = On means no hysteresis.
	Off float64
	// MinFrames is the shortest alarm, in frames; at least 1.
	MinFrames int
	// MaxGap is the longest dip (frames at or below Off) that does not end
	// an alarm; 0 ends it at the first such frame.
	MaxGap int
	// EmitOpen asks for an Open event when an alarm opens, besides the
	// Close event when it closes.
	EmitOpen bool
}

// Errors from Config.Validate and Detector.Push.
var (
	ErrConfig    = errors.New("invalid alarm configuration")
	ErrNotFinite = errors.New("value is not finite")
	ErrOrder     = errors.New("frames out of order")
)

// maxFrames bounds MinFrames and MaxGap: a day of 1000 frames/s. Larger
// values are certainly a mistake and would make the delays meaningless.
const maxFrames = 1000 * 86400

// Validate reports whether c is a usable rule.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.On) || math.IsInf(c.On, 0):
		return fmt.Errorf("%w: on threshold %v is not finite", ErrConfig, c.On)
	case math.IsNaN(c.Off) || math.IsInf(c.Off, 0):
		return fmt.Errorf("%w: off threshold %v is not finite", ErrConfig, c.Off)
	case c.Off > c.On:
		return fmt.Errorf("%w: off threshold %v is above on threshold %v", ErrConfig, c.Off, c.On)
	case c.MinFrames < 1 || c.MinFrames > maxFrames:
		return fmt.Errorf("%w: min frames %d is not in [1, %d]", ErrConfig, c.MinFrames, maxFrames)
	case c.MaxGap < 0 || c.MaxGap > maxFrames:
		return fmt.Errorf("%w: max gap %d is not in [0, %d]", ErrConfig, c.MaxGap, maxFrames)
	}
	return nil
}

// Kind says what an Event reports. The values are append-only.
type Kind uint8

const (
	// Open: an alarm has just become certain; End and Peak are so far.
	Open Kind = iota + 1
	// Close: an alarm is over; the event describes all of it.
	Close
)

// String names the kind as a log or JSON view would.
func (k Kind) String() string {
	switch k {
	case Open:
		return "open"
	case Close:
		return "close"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Event reports an alarm. Frames are the caller's frame numbers (0-based
// in stae's streams), inclusive; times are the seconds pushed with them.
type Event struct {
	Kind Kind
	// Start and End are the alarm's first and last frames above threshold
	// (for Open, End is the frame that opened it).
	Start, End         int
	StartTime, EndTime float64
	// Peak is the frame of the highest score in the alarm, the earliest on
	// ties, and PeakScore that score.
	Peak      int
	PeakScore float64
	// At is the frame whose push emitted the event and AtTime its time
	// (for Flush, the last frame pushed); At - Start or At - End is the
	// detection delay.
	At     int
	AtTime float64
}

// Detector is the state of one stream. The zero value is not usable; make
// one with New.
type Detector struct {
	c Config

	pushed   bool
	last     int     // last frame pushed
	lastTime float64 // its time
	run      int     // idle: consecutive frames above On so far
	open     bool    // an alarm is open
	dip      int     // open: consecutive frames at or below Off so far
	cur      Event   // the candidate or open alarm
}

// New makes a detector for one stream under rule c.
func New(c Config) (*Detector, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Detector{c: c}, nil
}

// Config returns the detector's rule.
func (d *Detector) Config() Config { return d.c }

// Reset forgets the stream, as for the start of another video; an open
// alarm is dropped, so call Flush first to keep it.
func (d *Detector) Reset() { *d = Detector{c: d.c} }

// Push feeds the next frame. It returns the event this frame makes certain,
// if any (at most one: opens happen on frames above On, closes on frames at
// or below Off). Frame numbers must increase and times must not decrease;
// a rejected frame leaves the detector as it was.
func (d *Detector) Push(frame int, t, score float64) (Event, bool, error) {
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return Event{}, false, fmt.Errorf("frame %d: score %v: %w", frame, score, ErrNotFinite)
	}
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return Event{}, false, fmt.Errorf("frame %d: time %v: %w", frame, t, ErrNotFinite)
	}
	if d.pushed && frame <= d.last {
		return Event{}, false, fmt.Errorf("%w: frame %d after frame %d", ErrOrder, frame, d.last)
	}
	if d.pushed && t < d.lastTime {
		return Event{}, false, fmt.Errorf("%w: frame %d at %vs after frame %d at %vs", ErrOrder, frame, t, d.last, d.lastTime)
	}
	d.pushed, d.last, d.lastTime = true, frame, t

	if d.open {
		if score > d.c.Off {
			d.dip = 0
			d.extend(frame, t, score)
			return Event{}, false, nil
		}
		d.dip++
		if d.dip <= d.c.MaxGap {
			return Event{}, false, nil
		}
		ev := d.cur
		ev.Kind, ev.At, ev.AtTime = Close, frame, t
		d.open, d.dip, d.run = false, 0, 0
		// This frame is at or below Off ≤ On: it starts no run.
		return ev, true, nil
	}

	if score <= d.c.On {
		d.run = 0
		return Event{}, false, nil
	}
	if d.run == 0 {
		d.cur = Event{Start: frame, StartTime: t, End: frame, EndTime: t, Peak: frame, PeakScore: score}
	} else {
		d.extend(frame, t, score)
	}
	d.run++
	if d.run < d.c.MinFrames {
		return Event{}, false, nil
	}
	d.open, d.dip, d.run = true, 0, 0
	if !d.c.EmitOpen {
		return Event{}, false, nil
	}
	ev := d.cur
	ev.Kind, ev.At, ev.AtTime = Open, frame, t
	return ev, true, nil
}

func (d *Detector) extend(frame int, t, score float64) {
	d.cur.End, d.cur.EndTime = frame, t
	if score > d.cur.PeakScore {
		d.cur.Peak, d.cur.PeakScore = frame, score
	}
}

// Flush ends the stream: an open alarm closes (At is the last frame
// pushed), a blip shorter than MinFrames is dropped, and the detector is
// reset for another stream.
func (d *Detector) Flush() (Event, bool) {
	ev, ok := d.cur, d.open
	ev.Kind, ev.At, ev.AtTime = Close, d.last, d.lastTime
	d.Reset()
	if !ok {
		return Event{}, false
	}
	return ev, true
}

// Run applies rule c to a whole series, frame i at i/fps seconds (0 when
// fps ≤ 0), flushing at the end: the events a Detector would emit.
func Run(c Config, scores []float64, fps float64) ([]Event, error) {
	d, err := New(c)
	if err != nil {
		return nil, err
	}
	var evs []Event
	for i, s := range scores {
		t := 0.0
		if fps > 0 {
			t = float64(i) / fps
		}
		ev, ok, err := d.Push(i, t, s)
		if err != nil {
			return nil, err
		}
		if ok {
			evs = append(evs, ev)
		}
	}
	if ev, ok := d.Flush(); ok {
		evs = append(evs, ev)
	}
	return evs, nil
}
