// Tests of regscore run in process on streams built with lib/stream.

package main

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// errorStream encodes (video, frame, error) triples as an error stream.
func errorStream(t *testing.T, kind stream.Kind, recs ...stream.Record) []byte {
	t.Helper()
	return streamtest.Encode(t, stream.NewHeader(kind, nil, stream.Stage{Tool: "recon", Version: "test"}), false, recs...)
}

func runRegscore(t *testing.T, in []byte, args ...string) (*stream.Header, []*stream.Score, string, int) {
	t.Helper()
	return streamtest.Run[*stream.Score](t, run, stream.KindScore, in, append([]string{"regscore"}, args...)...)
}

func errRec(video string, frame int, e float64) *stream.Error {
	return &stream.Error{Video: video, Frame: frame, Error: e}
}

func TestRegscore(t *testing.T) {
	in := errorStream(t, stream.KindError,
		errRec("A", 0, 2), errRec("A", 1, 4), errRec("A", 2, 6),
		errRec("B", 0, 3), errRec("B", 1, 3))
	tests := []struct {
		name string
		args []string
		reg  []float64
		norm string
		note string
	}{
		{"minmax per video", nil, []float64{1, 0.5, 0, 1, 1}, "minmax", "regscore: note: B: error is 3 in all 2 frames; regularity 1 everywhere\n"},
		// B is constant but max e is 3, not 0: (3-3)/3 = 0, no division by zero.
		{"paper divides by max", []string{"--norm", "paper"}, []float64{1, 2.0 / 3, 1.0 / 3, 1, 1}, "paper", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, got, stderr, code := runRegscore(t, in, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var reg []float64
			for _, s := range got {
				reg = append(reg, s.Regularity)
				if math.Abs(s.Abnormality+s.Regularity-1) > 1e-15 {
					t.Errorf("%s %d: abnormality %v + regularity %v != 1", s.Video, s.Frame, s.Abnormality, s.Regularity)
				}
			}
			if len(reg) != len(tc.reg) {
				t.Fatalf("regularity %v, want %v", reg, tc.reg)
			}
			for i := range reg {
				if math.Abs(reg[i]-tc.reg[i]) > 1e-12 {
					t.Fatalf("regularity %v, want %v", reg, tc.reg)
				}
			}
			if stderr != tc.note {
				t.Errorf("stderr %q, want %q", stderr, tc.note)
			}
			if norm, _ := h.Param("norm"); norm != tc.norm || len(h.Provenance) != 2 {
				t.Errorf("header norm %q with %d stages, want %q after recon", norm, len(h.Provenance), tc.norm)
			}
		})
	}
}

func TestRegscoreSmooth(t *testing.T) {
	// An isolated spike is spread over its neighbours before min-max, so the
	// spike frame stays the most abnormal but its neighbours rise too.
	in := errorStream(t, stream.KindError, errRec("A", 0, 0), errRec("A", 1, 0), errRec("A", 2, 10), errRec("A", 3, 0), errRec("A", 4, 0))
	h, got, stderr, code := runRegscore(t, in, "--smooth", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got[2].Abnormality != 1 || got[0].Abnormality != 0 || got[4].Abnormality != 0 {
		t.Errorf("abnormality ends and peak: %v %v %v", got[0].Abnormality, got[2].Abnormality, got[4].Abnormality)
	}
	wantNeighbour := (math.Exp(-0.5) - math.Exp(-2)) / (1 - math.Exp(-2)) // (k1-k2)/(k0-k2), normalised
	if math.Abs(got[1].Abnormality-wantNeighbour) > 1e-9 || math.Abs(got[3].Abnormality-wantNeighbour) > 1e-9 {
		t.Errorf("neighbours: got %v %v, want %v", got[1].Abnormality, got[3].Abnormality, wantNeighbour)
	}
	if s, _ := h.Param("smooth"); s != 1.0 {
		t.Errorf("smooth param %v", s)
	}
	if _, _, stderr, code := runRegscore(t, in, "--smooth", "-1"); code != 2 || !strings.HasPrefix(stderr, `regscore: --smooth "-1": want a number from 0 to 1000`) {
		t.Errorf("negative sigma: exit %d %q", code, stderr)
	}
}

func TestRegscoreRescoresScoreStream(t *testing.T) {
	in := errorStream(t, stream.KindScore,
		&stream.Score{Video: "A", Frame: 5, Error: 1, Regularity: 0.3},
		&stream.Score{Video: "A", Frame: 7, Error: 3, Regularity: 0.3})
	_, got, stderr, code := runRegscore(t, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []*stream.Score{{Video: "A", Frame: 5, Error: 1, Abnormality: 0, Regularity: 1}, {Video: "A", Frame: 7, Error: 3, Abnormality: 1, Regularity: 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestRegscoreBadInput(t *testing.T) {
	streamtest.Refuses(t, run, "regscore", []streamtest.Refusal{
		{Name: "video not contiguous", In: errorStream(t, stream.KindError, errRec("A", 0, 1), errRec("A", 1, 2), errRec("B", 0, 1), errRec("B", 1, 2), errRec("A", 2, 1)), Code: 1,
			Stderr: "regscore: record 5: video A appears again after B; a video's records must be contiguous\n"},
		{Name: "frames out of order", In: errorStream(t, stream.KindError, errRec("A", 1, 1), errRec("A", 1, 1)), Code: 1,
			Stderr: "regscore: record 2: A frame 1 follows frame 1; frames must increase\n"},
		{Name: "wrong kind", In: errorStream(t, stream.KindEvent), Code: 1, Stderr: "regscore: wrong record kind: want an error or score stream, got event\n"},
		{Name: "empty input", Code: 1, Stderr: "regscore: empty input: no stream header\n"},
		{Name: "bad norm", Args: []string{"--norm", "max"}, Code: 2, Stderr: `regscore: --norm: unknown normalisation "max" (want minmax or paper) (see regscore --help)` + "\n"},
		{Name: "argument", Args: []string{"file"}, Code: 2, Stderr: `regscore: unexpected argument "file": regscore reads stdin (see regscore --help)` + "\n"},
	})
}

func TestRegscoreHelp(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"regscore", "--help"}, strings.NewReader(""), &out, &errb)
	for _, want := range []string{"--norm", "minmax", "EXAMPLES", "EXIT STATUS", "INPUT:", "OUTPUT:", "--json"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
}
