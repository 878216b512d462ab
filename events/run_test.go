// Tests of events run in process on score streams built with lib/stream.

package main

import (
	"bytes"
	"reflect"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// scoreStream encodes one score record per regularity value, frames from 0.
func scoreStream(t *testing.T, videos []string, regs ...[]float64) []byte {
	t.Helper()
	var recs []stream.Record
	for i, v := range videos {
		for f, r := range regs[i] {
			recs = append(recs, &stream.Score{Video: v, Frame: f, Abnormality: 1 - r, Regularity: r})
		}
	}
	return streamtest.Encode(t, stream.NewHeader(stream.KindScore, nil, stream.Stage{Tool: "regscore", Version: "test"}), false, recs...)
}

func runEvents(t *testing.T, in []byte, args ...string) (*stream.Header, []stream.Event, string, int) {
	t.Helper()
	h, got, _, stderr, code := runEventsVideos(t, in, args...)
	return h, got, stderr, code
}

// runEventsVideos runs events and returns, besides its events, the records
// closing each video.
func runEventsVideos(t *testing.T, in []byte, args ...string) (*stream.Header, []stream.Event, []stream.VideoEnd, string, int) {
	t.Helper()
	h, recs, stderr, code := streamtest.Run[stream.Record](t, run, stream.KindEvent, in, append([]string{"events"}, args...)...)
	if code != 0 {
		return nil, nil, nil, stderr, code
	}
	var got []stream.Event
	var ends []stream.VideoEnd
	for _, rec := range recs {
		switch x := rec.(type) {
		case *stream.Event:
			got = append(got, *x)
		case *stream.VideoEnd:
			ends = append(ends, *x)
		}
	}
	return h, got, ends, stderr, code
}

// dips is a flat score of n frames at 1 with dips of the given depth.
func dips(n int, at map[int]float64) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = 1
	}
	for f, v := range at {
		r[f] = v
	}
	return r
}

func TestEventsWindow(t *testing.T) {
	tests := []struct {
		name string
		gap  int
		args []string
		want []stream.Event
	}{
		{"49 apart", 49, nil, []stream.Event{{Video: "A", Start: 10, End: 59, Deepest: 10, Regularity: 0.2, Persistence: 0.8}}},
		{"50 apart", 50, nil, []stream.Event{{Video: "A", Start: 10, End: 60, Deepest: 10, Regularity: 0.2, Persistence: 0.8}}},
		{"51 apart", 51, nil, []stream.Event{
			{Video: "A", Start: 10, End: 10, Deepest: 10, Regularity: 0.2, Persistence: 0.8},
			{Video: "A", Start: 61, End: 61, Deepest: 61, Regularity: 0.6, Persistence: 0.4}}},
		{"window 0", 2, []string{"--window", "0"}, []stream.Event{
			{Video: "A", Start: 10, End: 10, Deepest: 10, Regularity: 0.2, Persistence: 0.8},
			{Video: "A", Start: 12, End: 12, Deepest: 12, Regularity: 0.6, Persistence: 0.4}}},
		{"min persistence drops the shallow dip", 2, []string{"--window", "0", "--min-persistence", "0.5"}, []stream.Event{
			{Video: "A", Start: 10, End: 10, Deepest: 10, Regularity: 0.2, Persistence: 0.8}}},
		{"max regularity drops the high dip", 2, []string{"--window", "0", "--max-regularity", "0.5"}, []stream.Event{
			{Video: "A", Start: 10, End: 10, Deepest: 10, Regularity: 0.2, Persistence: 0.8}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := scoreStream(t, []string{"A"}, dips(200, map[int]float64{10: 0.2, 10 + tc.gap: 0.6}))
			_, got, stderr, code := runEvents(t, in, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("events %+v, want %+v", got, tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Video != w.Video || g.Start != w.Start || g.End != w.End || g.Deepest != w.Deepest ||
					g.Regularity != w.Regularity || abs(g.Persistence-w.Persistence) > 1e-12 {
					t.Fatalf("events %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestEventsListVideos(t *testing.T) {
	// B is flat: no event, but the stream still names it, each video in a
	// record after its events.
	in := scoreStream(t, []string{"A", "B"}, dips(20, map[int]float64{5: 0}), dips(7, nil))
	h, got, ends, stderr, code := runEventsVideos(t, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(got) != 1 || got[0].Video != "A" {
		t.Errorf("events %+v, want one in A", got)
	}
	var videos []string
	var counts []int
	for _, e := range ends {
		videos, counts = append(videos, e.Video), append(counts, e.Frames)
	}
	window, _ := h.Param("window")
	if !reflect.DeepEqual(videos, []string{"A", "B"}) || !reflect.DeepEqual(counts, []int{20, 7}) || window != any(int64(50)) {
		t.Errorf("videos %v frames %v window %v; want [A B] [20 7] 50", videos, counts, window)
	}
}

func TestEventsBadInput(t *testing.T) {
	streamtest.Refuses(t, run, "events", []streamtest.Refusal{
		{Name: "negative window", Args: []string{"--window", "-1"}, Code: 2,
			Stderr: "events: --window \"-1\": want a whole number from 0 to 1073741824 (see events --help)\n"},
		{Name: "not contiguous", In: scoreStream(t, []string{"A", "B", "A"}, []float64{1}, []float64{1}, []float64{1}), Code: 1,
			Stderr: "events: record 3: video A appears again after B; a video's records must be contiguous\n"},
		{Name: "error stream", In: func() []byte {
			var buf bytes.Buffer
			w, _ := stream.NewWriter(&buf, stream.NewHeader(stream.KindError, nil, stream.Stage{Tool: "recon"}), false)
			w.Close()
			return buf.Bytes()
		}(), Code: 1, Stderr: "events: wrong record kind: want a score stream, got error; did you forget regscore?\n"},
	})
}
