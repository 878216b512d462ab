package calib

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, o := range []Options{
		{FPS: 10, Scoring: "recon: sse, model sha256:ab"},
		{MaxSample: 64, MaxSeries: -1},
	} {
		c := mustBuild(t, normalSeries(5, 1000), o)
		path := filepath.Join(t.TempDir(), "normal.calib")
		if err := c.Save(path); err != nil {
			t.Fatal(err)
		}
		d, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Sample(), c.Sample()) || d.Frames() != c.Frames() || d.FPS() != c.FPS() ||
			d.Seconds() != c.Seconds() || d.Scoring() != c.Scoring() || d.Ordered() != c.Ordered() {
			t.Errorf("round trip changed the calibration")
		}
		for _, e := range []float64{50, 100, 130, 1000} {
			if d.Rank(e) != c.Rank(e) || d.Surprise(e) != c.Surprise(e) {
				t.Errorf("scores of %v differ after the round trip", e)
			}
		}
		// Inside another object, as in a checkpoint.
		type holder struct {
			Calibration *Calibration `json:"calibration"`
		}
		b, err := json.Marshal(holder{c})
		if err != nil {
			t.Fatal(err)
		}
		var h holder
		if err := json.Unmarshal(b, &h); err != nil || !slices.Equal(h.Calibration.Sample(), c.Sample()) {
			t.Errorf("embedded: %v", err)
		}
	}
}

func TestJSONRefused(t *testing.T) {
	big := `[` + strings.Repeat(`1,`, MaxSample) + `1]`
	tests := []struct {
		name string
		json string
		want error
	}{
		{"not JSON", `{"format":`, ErrFormat},
		{"NaN", `{"format":"stae-calibration","version":1,"frames":2,"fps":0,"seconds":0,"sample":[1,NaN]}`, ErrFormat},
		{"out of range", `{"format":"stae-calibration","version":1,"frames":2,"fps":0,"seconds":0,"sample":[1,1e400]}`, ErrFormat},
		{"unknown field", `{"format":"stae-calibration","version":1,"frames":1,"sample":[1],"extra":1}`, ErrFormat},
		{"other format", `{"format":"stae","version":1,"frames":1,"sample":[1]}`, ErrFormat},
		{"no format", `{"version":1,"frames":1,"sample":[1]}`, ErrFormat},
		{"wrong version", `{"format":"stae-calibration","version":2,"frames":1,"sample":[1]}`, ErrVersion},
		{"unsorted", `{"format":"stae-calibration","version":1,"frames":3,"sample":[1,3,2]}`, ErrInvalid},
		{"empty sample", `{"format":"stae-calibration","version":1,"frames":1,"sample":[]}`, ErrInvalid},
		{"null sample", `{"format":"stae-calibration","version":1,"frames":1,"sample":null}`, ErrInvalid},
		{"sample too large", `{"format":"stae-calibration","version":1,"frames":100000,"sample":` + big + `}`, ErrInvalid},
		{"more sample than frames", `{"format":"stae-calibration","version":1,"frames":1,"sample":[1,2]}`, ErrInvalid},
		{"zero frames", `{"format":"stae-calibration","version":1,"frames":0,"sample":[1]}`, ErrInvalid},
		{"too many frames", `{"format":"stae-calibration","version":1,"frames":9007199254740993,"sample":[1,2]}`, ErrInvalid},
		{"capped single value", `{"format":"stae-calibration","version":1,"frames":5,"sample":[1]}`, ErrInvalid},
		{"negative fps", `{"format":"stae-calibration","version":1,"frames":1,"fps":-1,"sample":[1]}`, ErrInvalid},
		{"seconds disagree", `{"format":"stae-calibration","version":1,"frames":10,"fps":10,"seconds":2,"sample":[1,2]}`, ErrInvalid},
		{"series short", `{"format":"stae-calibration","version":1,"frames":3,"sample":[1,2,3],"series":[[1,2]]}`, ErrInvalid},
		{"series empty video", `{"format":"stae-calibration","version":1,"frames":2,"sample":[1,2],"series":[[1,2],[]]}`, ErrInvalid},
		{"series disagrees", `{"format":"stae-calibration","version":1,"frames":2,"sample":[1,2],"series":[[1,3]]}`, ErrInvalid},
		{"long scoring", `{"format":"stae-calibration","version":1,"frames":1,"sample":[1],"scoring":"` + strings.Repeat("x", MaxScoring+1) + `"}`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.json))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	ok := `{"format":"stae-calibration","version":1,"frames":2,"fps":0,"seconds":0,"sample":[1,2],"series":[[2],[1]]}`
	if _, err := Read(strings.NewReader(ok)); err != nil {
		t.Errorf("valid calibration refused: %v", err)
	}
	var zero Calibration
	if _, err := json.Marshal(&zero); err == nil {
		t.Error("zero calibration marshalled")
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"format":"stae-calibration","version":1,"frames":2,"fps":0,"seconds":0,"sample":[1,2],"series":[[2],[1]]}`))
	f.Add([]byte(`{"format":"stae-calibration","version":1,"frames":9,"fps":3,"seconds":3,"sample":[-1,0,7]}`))
	f.Add([]byte(`{"format":"stae-calibration","version":1,"frames":1,"sample":[5]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		// What decodes scores without panicking and re-encodes to itself.
		for _, e := range []float64{-1e300, -1, 0, 1, 1e300} {
			_ = c.Rank(e)
			_ = c.Surprise(e)
		}
		_, _ = c.Quantile(0.5)
		_, _ = c.ThresholdForRate(1, 10, 3)
		var out bytes.Buffer
		if err := c.Write(&out); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		d, err := Read(&out)
		if err != nil {
			t.Fatalf("decode of re-encoded: %v", err)
		}
		if !slices.Equal(d.Sample(), c.Sample()) || d.Frames() != c.Frames() {
			t.Fatal("re-encoding changed the calibration")
		}
	})
}
