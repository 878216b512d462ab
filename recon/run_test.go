// Tests of recon run in process: how a frame's error is gathered from the
// windows that cover it (mean, last), the error maps, the worst-region
// error, the no-model baseline, and the refusals.

package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"stae/lib/metrics"
	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/stream"
	"stae/lib/stream/streamtest"
	"stae/lib/window"
)

const side, length = 27, 3

// frameData is frame f of the test video: a deterministic pattern.
func frameData(f int) []float32 {
	d := make([]float32, side*side)
	for i := range d {
		d[i] = float32(math.Sin(float64(i*(f+1))*0.37) * float64(1+f%3))
	}
	return d
}

// volumes is the stride-1 volume stream of one video of n frames, with the
// header a frames | volumes pipeline would write.
func volumes(t *testing.T, n, width int, digest string) ([]byte, [][]int) {
	t.Helper()
	h := streamtest.Header(stream.KindVolume, "volumes", map[string]any{"width": width, "height": width,
		"normalised": true, "stats_digest": digest, "length": length})
	var recs []stream.Record
	var wins [][]int
	for _, w := range (window.Spec{Length: length, Strides: []int{1}, Hop: 1}).All(n) {
		v := &stream.Volume{Video: "A", Frames: w, Shape: []int{length, width, width}}
		for _, f := range w {
			fd := frameData(f)
			if width != side {
				fd = make([]float32, width*width)
			}
			v.Data = append(v.Data, fd...)
		}
		recs = append(recs, v)
		wins = append(wins, w)
	}
	return streamtest.Encode(t, h, false, recs...), wins
}

// tinyModel saves an untrained eighth-width model and returns its path.
func tinyModel(t *testing.T) (string, *model.Model) {
	t.Helper()
	c := model.Paper(side, side).Scaled(0.125)
	c.Length = length
	m, err := model.New(c, 7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.stae")
	ck := &checkpoint.Checkpoint{Model: m, Frame: checkpoint.Frame{Width: side, Height: side, Normalised: true, StatsDigest: "abc"},
		History: checkpoint.History{BestValLoss: math.Inf(1)}}
	if err := checkpoint.Save(path, ck); err != nil {
		t.Fatal(err)
	}
	return path, m
}

func runRecon(t *testing.T, in []byte, args ...string) ([]*stream.Error, string, int) {
	t.Helper()
	_, got, stderr, code := streamtest.Run[*stream.Error](t, run, stream.KindError, in, append([]string{"recon", "--quiet"}, args...)...)
	return got, stderr, code
}

// perWindow reconstructs each window with m and returns, per window, the
// squared error of each of its frames.
func perWindow(t *testing.T, m *model.Model, wins [][]int) [][]float64 {
	t.Helper()
	tr := model.NewTrainer(m, 0, 1)
	defer tr.Close()
	var vols [][]float32
	for _, w := range wins {
		var d []float32
		for _, f := range w {
			d = append(d, frameData(f)...)
		}
		vols = append(vols, d)
	}
	out := make([][]float64, len(wins))
	err := tr.Reconstruct(vols, func(i int, x, y []float32) {
		for k := range wins[i] {
			var e float64
			for j := k * side * side; j < (k+1)*side*side; j++ {
				d := float64(y[j] - x[j])
				e += d * d
			}
			out[i] = append(out[i], e)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestFrameErrorMeanAndLast(t *testing.T) {
	path, m := tinyModel(t)
	in, wins := volumes(t, 5, side, "abc")
	pw := perWindow(t, m, wins) // windows [0 1 2] [1 2 3] [2 3 4]
	want := map[string][]float64{
		// mean over the windows covering the frame
		"mean": {pw[0][0], (pw[0][1] + pw[1][0]) / 2, (pw[0][2] + pw[1][1] + pw[2][0]) / 3, (pw[1][2] + pw[2][1]) / 2, pw[2][2]},
		// the window ending on the frame; before the first window ends, the first window
		"last": {pw[0][0], pw[0][1], pw[0][2], pw[1][2], pw[2][2]},
	}
	for mode, w := range want {
		t.Run(mode, func(t *testing.T) {
			got, stderr, code := runRecon(t, in, "--model", path, "--frame-error", mode)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if len(got) != 5 {
				t.Fatalf("%d records, want 5", len(got))
			}
			for f, e := range got {
				if e.Video != "A" || e.Frame != f || !near(e.Error, w[f]) {
					t.Errorf("record %d: %s frame %d error %v, want A frame %d error %v", f, e.Video, e.Frame, e.Error, f, w[f])
				}
			}
		})
	}
}

func TestMapsSumToTheError(t *testing.T) {
	path, _ := tinyModel(t)
	in, _ := volumes(t, 4, side, "abc")
	got, stderr, code := runRecon(t, in, "--model", path, "--maps")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, e := range got {
		if len(e.Shape) != 2 || e.Shape[0] != side || e.Shape[1] != side {
			t.Fatalf("frame %d: map shape %v", e.Frame, e.Shape)
		}
		var s float64
		for _, v := range e.Data {
			s += float64(v)
		}
		if !near(s, e.Error) {
			t.Errorf("frame %d: map sums to %v, error is %v", e.Frame, s, e.Error)
		}
	}
}

func TestBaselineAndRegionError(t *testing.T) {
	in, _ := volumes(t, 4, side, "abc")
	energy := func(f int) []float32 {
		d := frameData(f)
		for i := range d {
			d[i] *= d[i]
		}
		return d
	}
	t.Run("baseline is the frame's energy", func(t *testing.T) {
		got, stderr, code := runRecon(t, in, "--baseline")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, e := range got {
			var s float64
			for _, v := range energy(e.Frame) {
				s += float64(v)
			}
			if !near(e.Error, s) {
				t.Errorf("frame %d: %v, want %v", e.Frame, e.Error, s)
			}
		}
	})
	t.Run("region:8 is the worst 8x8 mean", func(t *testing.T) {
		got, stderr, code := runRecon(t, in, "--baseline", "--error", "region:8")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, e := range got {
			want, err := metrics.WorstRegion(energy(e.Frame), side, side, 8)
			if err != nil {
				t.Fatal(err)
			}
			if !near(e.Error, want) {
				t.Errorf("frame %d: %v, want %v", e.Frame, e.Error, want)
			}
		}
	})
}

func TestRefusals(t *testing.T) {
	path, _ := tinyModel(t)
	good, _ := volumes(t, 4, side, "abc")
	otherStats, _ := volumes(t, 4, side, "xyz")
	otherSize, _ := volumes(t, 4, 35, "abc")
	tests := []struct {
		name string
		in   []byte
		args []string
		code int
		msg  string
	}{
		{"other frame size", otherSize, []string{"--model", path}, 1, "recon: frame size 35x35 differs from the model's 27x27\n"},
		{"other statistics", otherStats, []string{"--model", path}, 1, `recon: normalisation differs: stats digest "xyz", the model's is "abc"` + "\n"},
		{"no model", good, nil, 2, "recon: --model is required (or --baseline)"},
		{"model and baseline", good, []string{"--model", path, "--baseline"}, 2, "recon: --baseline scores without a model; drop --model"},
		{"bad error mode", good, []string{"--baseline", "--error", "max"}, 2, `recon: --error: "max": want sum or region:N`},
		{"missing model file", good, []string{"--model", filepath.Join(t.TempDir(), "none.stae")}, 1, "recon: model: "},
		{"overlay of an unknown kind", good, []string{"--baseline", "--overlay", "street_heat.mp3"}, 2,
			"recon: --overlay street_heat.mp3: not a folder (a name without extension) or a video file (.avi, .m4v, .mkv, .mov, .mp4)"},
		{"too many regions", good, []string{"--baseline", "--regions", "65"}, 2, "recon: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runRecon(t, tc.in, tc.args...)
			if code != tc.code || !strings.HasPrefix(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("got exit %d %q, want %d and a line starting %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

// TestWritesBeforeTheVideoEnds: a live video never ends, so recon writes a
// frame's error as soon as no later window can change it, with its input
// still open.
func TestWritesBeforeTheVideoEnds(t *testing.T) {
	h := streamtest.Header(stream.KindVolume, "volumes", map[string]any{"width": side, "height": side,
		"normalised": true, "stats_digest": "abc", "length": length, "strides": []int{1}, "hop": 1})
	var recs []stream.Record
	for _, w := range (window.Spec{Length: length, Strides: []int{1}, Hop: 1}).All(40) {
		v := &stream.Volume{Video: "A", Frames: w, Shape: []int{length, side, side}}
		for _, f := range w {
			v.Data = append(v.Data, frameData(f)...)
		}
		recs = append(recs, v)
	}
	for _, mode := range []string{"mean", "last"} {
		t.Run(mode, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			done := make(chan int, 1)
			go func() {
				var errb bytes.Buffer
				done <- run(context.Background(), []string{"recon", "--quiet", "--baseline", "--batch", "2", "--frame-error", mode}, inR, outW, &errb)
				outW.Close()
			}()
			wrote := make(chan error, 1)
			in := streamtest.Encode(t, h, false, recs...)
			go func() { _, err := inW.Write(in); wrote <- err }() // and the input stays open
			r, err := stream.NewReader(outR, stream.KindError)
			if err != nil {
				t.Fatal(err)
			}
			for want := 0; want < 5; want++ {
				rec, err := r.Next()
				if err != nil {
					t.Fatalf("record %d before the input ended: %v", want, err)
				}
				if e := rec.(*stream.Error); e.Frame != want {
					t.Fatalf("record %d is frame %d", want, e.Frame)
				}
			}
			go io.Copy(io.Discard, outR)
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
			inW.Close()
			if code := <-done; code != 0 {
				t.Errorf("exit %d", code)
			}
		})
	}
}
