// Tests of the once-a-frame reconstruction path against the whole net
// run per volume.

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"

	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/stream"
	"stae/lib/stream/streamtest"
	"stae/lib/window"
)

// TestOnceIsPerVolume checks that encoding each frame once, running the
// ConvLSTM per window and decoding only the scored outputs gives every
// frame's error as running each volume through the whole net does, for
// both --frame-error modes, both targets, one and two planes, several
// videos with batches across them, and skip strides.
func TestOnceIsPerVolume(t *testing.T) {
	for _, target := range []model.Target{model.TargetReconstruct, model.TargetNext} {
		for _, planes := range []int{1, 2} {
			for _, strides := range [][]int{{1}, {2}, {1, 2}} {
				ck, in := onceCase(t, target, planes, strides)
				for _, mode := range []string{"mean", "last"} {
					t.Run(fmt.Sprintf("%s/%d planes/strides %v/%s", target, planes, strides, mode), func(t *testing.T) {
						old := reconErrors(t, &recon{ck: ck, last: mode == "last", maps: true, batch: 3, perVolume: true}, in)
						got := reconErrors(t, &recon{ck: ck, last: mode == "last", maps: true, batch: 3}, in)
						if len(got) != len(old) {
							t.Fatalf("%d records, want %d", len(got), len(old))
						}
						for i, g := range got {
							w := old[i]
							if g.Video != w.Video || g.Frame != w.Frame {
								t.Fatalf("record %d is %s frame %d, want %s frame %d", i, g.Video, g.Frame, w.Video, w.Frame)
							}
							if !within(g.Error, w.Error) {
								t.Errorf("%s frame %d: error %g, want %g", g.Video, g.Frame, g.Error, w.Error)
							}
							for j := range g.Data {
								if !within(float64(g.Data[j]), float64(w.Data[j])) {
									t.Fatalf("%s frame %d: map value %d is %g, want %g", g.Video, g.Frame, j, g.Data[j], w.Data[j])
								}
							}
						}
					})
				}
			}
		}
	}
}

func within(a, b float64) bool { return math.Abs(a-b) <= 1e-5*math.Abs(b)+1e-12 }

// onceCase is a tiny untrained model and a stream of two videos (7 and 5
// frames) cut with the given strides.
func onceCase(t *testing.T, target model.Target, planes int, strides []int) (*checkpoint.Checkpoint, []byte) {
	t.Helper()
	c := model.Paper(side, side).Scaled(0.125)
	c.Length, c.Target = length, target
	if planes > 1 {
		c.Channels = planes
	}
	m, err := model.New(c, 11)
	if err != nil {
		t.Fatal(err)
	}
	frame := checkpoint.Frame{Width: side, Height: side, Normalised: true, StatsDigest: "abc"}
	params := map[string]any{"width": side, "height": side, "normalised": true, "stats_digest": "abc", "length": c.VolumeFrames()}
	shape := []int{c.VolumeFrames(), side, side}
	if planes > 1 {
		frame.Channels = []string{"gray", "diff"}
		params["channels"] = frame.Channels
		shape = []int{c.VolumeFrames(), planes, side, side}
	}
	var recs []stream.Record
	for vi, n := range []int{7, 5} {
		for _, w := range (window.Spec{Length: c.VolumeFrames(), Strides: strides, Hop: 1}).All(n) {
			v := &stream.Volume{Video: fmt.Sprintf("V%d", vi), Frames: w, Shape: shape}
			for _, f := range w {
				for p := range planes {
					v.Data = append(v.Data, frameData(f+10*vi+3*p)...)
				}
			}
			recs = append(recs, v)
		}
	}
	ck := &checkpoint.Checkpoint{Model: m, Frame: frame, History: checkpoint.History{BestValLoss: math.Inf(1)}}
	return ck, streamtest.Encode(t, streamtest.Header(stream.KindVolume, "volumes", params), false, recs...)
}

// reconErrors runs r on a volume stream and returns its error records.
func reconErrors(t *testing.T, r *recon, in []byte) []*stream.Error {
	t.Helper()
	var out bytes.Buffer
	if err := r.run(context.Background(), []string{"recon"}, false, true, bytes.NewReader(in), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, recs := streamtest.Decode[*stream.Error](t, out.Bytes(), stream.KindError)
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	return recs
}

// TestFrameCacheEncodesOnce counts the frames the cache has encoded over
// the windows volumes cuts from one video: each frame once at a single
// stride; with several, the few frames dropped before the widest window
// first came again.
func TestFrameCacheEncodesOnce(t *testing.T) {
	for _, tc := range []struct {
		strides []int
		want    int
	}{{[]int{1}, 30}, {[]int{3}, 30}, {[]int{1, 2}, 33}} {
		var c frameCache
		encoded, most := 0, 0
		for _, w := range (window.Spec{Length: 4, Strides: tc.strides, Hop: 1}).All(30) {
			c.open("A", w)
			for _, f := range w {
				if _, fresh := c.get(f, frameData(f)); fresh {
					encoded++
				}
			}
			most = max(most, len(c.frames))
		}
		if encoded != tc.want {
			t.Errorf("strides %v: %d frames encoded, want %d", tc.strides, encoded, tc.want)
		}
		if limit := 1 + 3*slices.Max(tc.strides); most > limit {
			t.Errorf("strides %v: %d frames held, want at most %d", tc.strides, most, limit)
		}
	}
}
