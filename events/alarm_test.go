// Tests of events --alarm, in process.

package main

import (
	"reflect"
	"testing"

	"stae/lib/stream"
)

// abn turns abnormalities into the regularities scoreStream takes.
func abn(a ...float64) []float64 {
	r := make([]float64, len(a))
	for i, x := range a {
		r[i] = 1 - x
	}
	return r
}

func TestAlarmEmission(t *testing.T) {
	// A: a blip of 1 frame (too short), an alarm over 4..7 with a bridged
	// dip at 6, peak at 5; B: an alarm still open when the video ends.
	in := scoreStream(t, []string{"A", "B"},
		abn(0, 0.95, 0, 0, 0.95, 0.99, 0.5, 0.96, 0, 0),
		abn(0, 0.97, 0.98))
	args := []string{"--alarm", "--threshold", "0.9", "--min-frames", "2", "--max-gap", "1", "--fps", "10", "--open"}
	_, got, ends, stderr, code := runEventsVideos(t, in, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ev := func(v string, start, end, peak int, a float64, state string) stream.Event {
		return stream.Event{Video: v, Start: start, End: end, Deepest: peak, Regularity: 1 - a, Persistence: a - 0.9,
			State: state, Timed: true, StartS: float64(start) / 10, EndS: float64(end) / 10}
	}
	want := []stream.Event{
		ev("A", 4, 5, 5, 0.99, "open"), ev("A", 4, 7, 5, 0.99, ""),
		ev("B", 1, 2, 2, 0.98, "open"), ev("B", 1, 2, 2, 0.98, ""),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g := got[i]
		// Float sums: compare within rounding.
		if d := g.Persistence - want[i].Persistence; d > 1e-12 || d < -1e-12 {
			t.Errorf("event %d persistence %v, want %v", i, g.Persistence, want[i].Persistence)
		}
		if d := g.Regularity - want[i].Regularity; d > 1e-12 || d < -1e-12 {
			t.Errorf("event %d regularity %v, want %v", i, g.Regularity, want[i].Regularity)
		}
		g.Persistence, g.Regularity = want[i].Persistence, want[i].Regularity
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("event %d: got %+v, want %+v", i, g, want[i])
		}
	}
	if wantEnds := []stream.VideoEnd{{Video: "A", Frames: 10}, {Video: "B", Frames: 3}}; !reflect.DeepEqual(ends, wantEnds) {
		t.Errorf("video ends %+v, want %+v", ends, wantEnds)
	}
}

func TestAlarmUsage(t *testing.T) {
	in := scoreStream(t, []string{"A"}, abn(0))
	for _, args := range [][]string{
		{"--alarm"},
		{"--alarm", "--threshold", "0.9", "--false-alarms-per-hour", "1"},
		{"--alarm", "--false-alarms-per-hour", "1"},
		{"--threshold", "0.9"},
		{"--alarm", "--threshold", "0.9", "--release", "0.95"},
	} {
		if _, _, stderr, code := runEvents(t, in, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}
