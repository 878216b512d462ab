// Tests of calibrated, causal scoring: regscore calibrate and
// regscore --calibration, in process.

package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stae/lib/calib"
	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

func reconStream(t *testing.T, digest string, recs ...stream.Record) []byte {
	t.Helper()
	h := stream.NewHeader(stream.KindError, nil, stream.Stage{Tool: "recon", Version: "test",
		Params: map[string]any{"error": "sum", "frame_error": "mean", "model_digest": digest}})
	return streamtest.Encode(t, h, false, recs...)
}

// calibrateFile runs regscore calibrate on errs (one video) and returns the
// file's path.
func calibrateFile(t *testing.T, errs []float64, args ...string) string {
	t.Helper()
	var recs []stream.Record
	for i, e := range errs {
		recs = append(recs, errRec("N", i, e))
	}
	out := filepath.Join(t.TempDir(), "calib.json")
	var stdout, stderr bytes.Buffer
	argv := append([]string{"regscore", "calibrate", "--out", out}, args...)
	if code := run(context.Background(), argv, bytes.NewReader(reconStream(t, "m1", recs...)), &stdout, &stderr); code != 0 {
		t.Fatalf("calibrate: exit %d: %s", code, stderr.String())
	}
	return out
}

func TestCalibrate(t *testing.T) {
	path := calibrateFile(t, []float64{4, 1, 3, 2}, "--fps", "25")
	c, err := calib.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Scoring(), "error=sum frame_error=mean model_digest=m1 smooth=0"; got != want {
		t.Errorf("scoring %q, want %q", got, want)
	}
	if c.Frames() != 4 || c.FPS() != 25 || c.Seconds() != 0.16 {
		t.Errorf("frames %d fps %v seconds %v, want 4, 25, 0.16", c.Frames(), c.FPS(), c.Seconds())
	}
	if !c.Ordered() {
		t.Error("series not kept")
	}
}

// Hand values: normal errors {1,2,3,4}; Rank(e) = (#below + #equal/2)/4.
func TestCalibratedScoreHandValues(t *testing.T) {
	path := calibrateFile(t, []float64{4, 1, 3, 2})
	in := reconStream(t, "m1", errRec("A", 0, 0.5), errRec("A", 1, 2), errRec("A", 2, 2.5), errRec("A", 3, 9),
		errRec("B", 0, 3))
	h, got, stderr, code := runRegscore(t, in, "--calibration", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []float64{0, 0.375, 0.5, 1, 0.625}
	for i, s := range got {
		if s.Abnormality != want[i] || s.Regularity != 1-want[i] {
			t.Errorf("record %d (%s %d, e %v): abnormality %v regularity %v, want %v", i, s.Video, s.Frame, s.Error, s.Abnormality, s.Regularity, want[i])
		}
	}
	if fps, _ := h.ParamFloat("fps"); fps != 10 {
		t.Errorf("fps %v, want the default 10", fps)
	}
}

// The causal smoothing is an EMA restarted per video, the same in
// calibrate and in scoring.
func TestCalibratedSmoothing(t *testing.T) {
	tau := 2.0
	a := 1 - math.Exp(-1/tau)
	path := calibrateFile(t, []float64{0, 10}, "--smooth", "2")
	c, _ := calib.Load(path)
	if s := c.Sample(); s[0] != 0 || math.Abs(s[1]-10*a) > 1e-12 {
		t.Errorf("calibration sample %v, want [0 %v]", s, 10*a)
	}
	in := reconStream(t, "m1", errRec("A", 0, 10), errRec("A", 1, 0), errRec("B", 0, 4))
	_, got, stderr, code := runRegscore(t, in, "--calibration", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []float64{10, 10 + a*(0-10), 4}
	for i, s := range got {
		if math.Abs(s.Error-want[i]) > 1e-12 {
			t.Errorf("record %d: smoothed error %v, want %v", i, s.Error, want[i])
		}
	}
	if _, _, stderr, code := runRegscore(t, in, "--calibration", path, "--smooth", "3"); code != 2 {
		t.Errorf("--smooth 3 against a calibration of 2: exit %d (%s), want 2", code, stderr)
	}
}

func TestCalibratedRefusesOtherModel(t *testing.T) {
	path := calibrateFile(t, []float64{1, 2})
	in := reconStream(t, "m2", errRec("A", 0, 1))
	_, _, stderr, code := runRegscore(t, in, "--calibration", path)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `model_digest=m2`) || !strings.Contains(stderr, `model_digest=m1`) {
		t.Errorf("exit %d, stderr %q: want 1 and one line naming both models", code, stderr)
	}
}

// Each score is written (and flushed) as soon as its error is read: with
// the input held open after one record, its score already reached stdout.
func TestCalibratedScoreFlows(t *testing.T) {
	path := calibrateFile(t, []float64{1, 2})
	in := reconStream(t, "m1", errRec("A", 0, 1.5))
	pr, pw := io.Pipe()
	or, ow := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"regscore", "--calibration", path}, pr, ow, io.Discard)
		ow.Close()
	}()
	go pw.Write(in)
	got := make(chan *stream.Score, 1)
	go func() {
		r, err := stream.NewReader(or, stream.KindScore)
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		s, err := r.NextScore()
		if err != nil {
			t.Error(err)
		}
		got <- s
		io.Copy(io.Discard, or)
	}()
	select {
	case s := <-got:
		if s == nil || s.Abnormality != 0.5 {
			t.Errorf("got %+v, want abnormality 0.5", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no score while the input stays open")
	}
	cancel()
	if code := <-done; code != 1 {
		t.Errorf("interrupted: exit %d, want 1", code)
	}
}
