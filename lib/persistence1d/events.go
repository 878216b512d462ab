// Grouping of significant minima of a regularity score into events.

package persistence1d

import (
	"fmt"
	"math"
	"sort"
)

// Event is a span of frames (0-based, inclusive) holding one or more kept
// minima of the regularity score. Deepest is the frame of its lowest minimum
// (the earliest on ties) and Regularity the score there; Persistence is the
// largest persistence among its minima, i.e. how clearly the event stands
// out of the noise.
type Event struct {
	Start, End  int
	Deepest     int
	Regularity  float64
	Persistence float64
}

// Options select which minima make events.
type Options struct {
	// MinPersistence keeps minima whose persistence is at least this.
	// Minima of zero persistence are never kept.
	MinPersistence float64
	// MaxRegularity keeps minima whose score is at most this; +Inf (as in
	// DefaultOptions) keeps all.
	MaxRegularity float64
	// Window joins kept minima at most this many frames apart into one
	// event; 0 makes each kept minimum its own event. The paper uses 50.
	Window int
}

// DefaultOptions are the paper's: every minimum, a 50-frame window.
func DefaultOptions() Options {
	return Options{MaxRegularity: math.Inf(1), Window: 50}
}

// Events finds the minima of one video's regularity score, keeps those that
// pass o (and have persistence above zero), and groups them into events in frame order. frames[i] is the frame
// number of reg[i] (increasing); nil means reg[i] is frame i.
func Events(frames []int, reg []float64, o Options) ([]Event, error) {
	if o.Window < 0 {
		return nil, fmt.Errorf("window %d is negative", o.Window)
	}
	if frames != nil && len(frames) != len(reg) {
		return nil, fmt.Errorf("%d frame numbers for %d scores", len(frames), len(reg))
	}
	mins, err := Minima(reg)
	if err != nil {
		return nil, err
	}
	kept := mins[:0]
	for _, m := range mins {
		// Zero persistence marks no dip at all, only a tie (a flat video's
		// first frame, the foot of a plateau), so it is never kept.
		if m.Persistence > 0 && m.Persistence >= o.MinPersistence && reg[m.Min] <= o.MaxRegularity {
			kept = append(kept, m)
		}
	}
	return Group(kept, frames, reg, o.Window), nil
}

// Group joins minima into events: in frame order, a minimum at most window
// frames after the previous one belongs to the previous one's event, so a
// chain of minima may make an event longer than window. Minima index into
// reg and frames (frame numbers, increasing; nil means index = frame).
func Group(mins []Minimum, frames []int, reg []float64, window int) []Event {
	frame := func(i int) int {
		if frames == nil {
			return i
		}
		return frames[i]
	}
	mins = append([]Minimum(nil), mins...)
	sort.Slice(mins, func(a, b int) bool { return mins[a].Min < mins[b].Min })
	var out []Event
	for i, m := range mins {
		f := frame(m.Min)
		if i > 0 && f-frame(mins[i-1].Min) <= window {
			e := &out[len(out)-1]
			e.End = f
			if reg[m.Min] < e.Regularity {
				e.Deepest, e.Regularity = f, reg[m.Min]
			}
			e.Persistence = max(e.Persistence, m.Persistence)
			continue
		}
		out = append(out, Event{Start: f, End: f, Deepest: f, Regularity: reg[m.Min], Persistence: m.Persistence})
	}
	return out
}
