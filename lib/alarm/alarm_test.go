package alarm

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

// closeEv is a Close event over frames start..end peaking at peak, emitted
// at frame at; the series in these tests run at 1 frame/s, so times equal
// frame numbers.
func closeEv(start, end, peak int, score float64, at int) Event {
	return Event{Kind: Close, Start: start, End: end, StartTime: float64(start), EndTime: float64(end),
		Peak: peak, PeakScore: score, At: at, AtTime: float64(at)}
}

func openEv(start, end, peak int, score float64, at int) Event {
	ev := closeEv(start, end, peak, score, at)
	ev.Kind = Open
	return ev
}

func TestRun(t *testing.T) {
	base := Config{On: 5, Off: 3, MinFrames: 3, MaxGap: 2}
	withOpen := base
	withOpen.EmitOpen = true
	noGap := base
	noGap.MaxGap = 0
	tests := []struct {
		name   string
		c      Config
		scores []float64
		want   []Event
	}{
		{"quiet", base, []float64{0, 1, 2, 5, 4, 5, 1}, nil},
		{"blip shorter than min frames", base, []float64{0, 6, 7, 0, 0, 9, 0, 0}, nil},
		{"blip at end of stream is dropped", base, []float64{0, 0, 6, 7}, nil},
		// Frames 2-4 above On open the alarm; 5 (4, between Off and On)
		// keeps it; 6-7 (3, 2: at or below Off) are a dip of 2 ≤ MaxGap;
		// 8 resumes it; 9-11 are a dip of 3 > MaxGap, closing at 11.
		{"one anomaly despite flicker", base,
			[]float64{0, 1, 6, 8, 6, 4, 3, 2, 6, 1, 1, 1, 0},
			[]Event{closeEv(2, 8, 3, 8, 11)}},
		{"open event after min frames", withOpen,
			[]float64{0, 1, 6, 8, 6, 4, 3, 2, 6, 1, 1, 1, 0},
			[]Event{openEv(2, 4, 3, 8, 4), closeEv(2, 8, 3, 8, 11)}},
		{"no gap splits at the first dip", noGap,
			[]float64{0, 1, 6, 8, 6, 4, 3, 2, 6, 1, 1, 1, 0},
			[]Event{closeEv(2, 5, 3, 8, 6)}},
		{"two anomalies far apart", base,
			[]float64{9, 9, 9, 0, 0, 0, 0, 0, 0, 7, 8, 8, 7, 0, 0, 0},
			[]Event{closeEv(0, 2, 0, 9, 5), closeEv(9, 12, 10, 8, 15)}},
		{"closed by flush", withOpen,
			[]float64{0, 6, 6, 6, 4, 2},
			[]Event{openEv(1, 3, 1, 6, 3), closeEv(1, 4, 1, 6, 5)}},
		{"equal to On does not open, equal to Off releases", Config{On: 5, Off: 5, MinFrames: 1},
			[]float64{5, 6, 5, 5.5},
			[]Event{closeEv(1, 1, 1, 6, 2), closeEv(3, 3, 3, 5.5, 3)}},
		{"min frames 1 opens at once", Config{On: 0, Off: 0, MinFrames: 1, EmitOpen: true},
			[]float64{1, 0},
			[]Event{openEv(0, 0, 0, 1, 0), closeEv(0, 0, 0, 1, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(tt.c, tt.scores, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestDelay checks the bounds the package promises on a family of inputs:
// Open comes MinFrames-1 frames after the start, Close MaxGap+1 after the
// end, and nothing is emitted for frames the rule has not yet seen.
func TestDelay(t *testing.T) {
	for m := 1; m <= 5; m++ {
		for g := 0; g <= 3; g++ {
			c := Config{On: 1, Off: 1, MinFrames: m, MaxGap: g, EmitOpen: true}
			scores := make([]float64, 40)
			for i := 10; i < 20; i++ {
				scores[i] = 2
			}
			evs, err := Run(c, scores, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 {
				t.Fatalf("m=%d g=%d: got %d events, want 2", m, g, len(evs))
			}
			if o := evs[0]; o.Kind != Open || o.Start != 10 || o.At != 10+m-1 {
				t.Errorf("m=%d g=%d: open %+v, want start 10 at %d", m, g, o, 10+m-1)
			}
			if c := evs[1]; c.Kind != Close || c.End != 19 || c.At != 19+g+1 {
				t.Errorf("m=%d g=%d: close %+v, want end 19 at %d", m, g, c, 19+g+1)
			}
		}
	}
}

func TestFlushResets(t *testing.T) {
	d, err := New(Config{On: 0, Off: 0, MinFrames: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []float64{1, 1} {
		if _, _, err := d.Push(i, float64(i), s); err != nil {
			t.Fatal(err)
		}
	}
	if ev, ok := d.Flush(); !ok || ev.Start != 0 || ev.End != 1 || ev.At != 1 {
		t.Errorf("flush: got %+v %v", ev, ok)
	}
	if _, ok := d.Flush(); ok {
		t.Error("second flush emitted an event")
	}
	// A new video may start again at frame 0.
	if _, _, err := d.Push(0, 0, 0); err != nil {
		t.Errorf("after flush: %v", err)
	}
}

func TestPushErrors(t *testing.T) {
	tests := []struct {
		name  string
		frame int
		t, s  float64
		want  error
	}{
		{"NaN score", 5, 5, math.NaN(), ErrNotFinite},
		{"infinite score", 5, 5, math.Inf(1), ErrNotFinite},
		{"NaN time", 5, math.NaN(), 0, ErrNotFinite},
		{"same frame", 3, 5, 0, ErrOrder},
		{"earlier frame", 2, 5, 0, ErrOrder},
		{"time going back", 5, 2, 0, ErrOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(Config{On: 1, Off: 1, MinFrames: 2})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.Push(3, 3, 2); err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.Push(tt.frame, tt.t, tt.s); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			// The rejected frame changed nothing: frame 4 still opens.
			d.c.EmitOpen = true
			if ev, ok, err := d.Push(4, 4, 2); err != nil || !ok || ev.Start != 3 {
				t.Errorf("after rejection: %+v %v %v", ev, ok, err)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"ok", Config{On: 2, Off: 1, MinFrames: 1}, true},
		{"off above on", Config{On: 1, Off: 2, MinFrames: 1}, false},
		{"NaN on", Config{On: math.NaN(), Off: 1, MinFrames: 1}, false},
		{"infinite off", Config{On: 1, Off: math.Inf(-1), MinFrames: 1}, false},
		{"zero min frames", Config{On: 1, Off: 1}, false},
		{"negative gap", Config{On: 1, Off: 1, MinFrames: 1, MaxGap: -1}, false},
		{"huge gap", Config{On: 1, Off: 1, MinFrames: 1, MaxGap: maxFrames + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
			if _, err := New(tt.c); (err == nil) != tt.ok {
				t.Errorf("New: got %v", err)
			}
		})
	}
}
