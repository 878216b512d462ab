// Tests of the optional sections: a checkpoint carrying its normalisation
// statistics and a calibration round-trips, is written as version 2, and
// LoadStats and LoadCalibration take it in place of the separate files.

package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"stae/lib/calib"
	"stae/lib/norm"
)

func sampleStats(t testing.TB) *norm.Stats {
	t.Helper()
	s := &norm.Stats{Width: 43, Height: 35, Frames: 12, Std: []float64{0.25}, Mean: make([]float32, 43*35)}
	for i := range s.Mean {
		s.Mean[i] = float32(i%7) / 7
	}
	return s
}

func sampleCalibration(t testing.TB) *calib.Calibration {
	t.Helper()
	c, err := calib.FromErrors([]float64{1, 2, 3, 2.5, 1.5, 4}, calib.Options{FPS: 10, Scoring: "model_digest=m1 smooth=0"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withSections is sample with the statistics (and their digest in Frame)
// and, if cal, a calibration.
func withSections(t testing.TB, withTrain, stats, cal bool) *Checkpoint {
	ck := sample(t, withTrain)
	if stats {
		ck.Stats = sampleStats(t)
		d, err := ck.StatsDigest()
		if err != nil {
			t.Fatal(err)
		}
		ck.Frame.StatsDigest = d
	}
	if cal {
		ck.Calibration = sampleCalibration(t)
	}
	return ck
}

func TestSectionsRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name           string
		train, st, cal bool
		wantVersion    uint32
	}{
		{"none", false, false, false, 1},
		{"stats", false, true, false, 2},
		{"calibration", false, false, true, 2},
		{"both, with training state", true, true, true, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := withSections(t, c.train, c.st, c.cal)
			got, b := saveAndLoad(t, ck)
			if v := binary.LittleEndian.Uint32(b[8:]); v != c.wantVersion {
				t.Errorf("version %d, want %d", v, c.wantVersion)
			}
			if got.Digest != ck.Digest {
				t.Errorf("digest %q after load, %q after save", got.Digest, ck.Digest)
			}
			if !reflect.DeepEqual(got.Stats, ck.Stats) {
				t.Errorf("statistics differ after load")
			}
			if (got.Calibration == nil) != (ck.Calibration == nil) {
				t.Fatalf("calibration %v after load, saved %v", got.Calibration, ck.Calibration)
			}
			if ck.Calibration != nil {
				a, _ := got.Calibration.MarshalJSON()
				b, _ := ck.Calibration.MarshalJSON()
				if !bytes.Equal(a, b) {
					t.Errorf("calibration after load %s, saved %s", a, b)
				}
			}
			if !bytes.Equal(encoded(t, got), b) {
				t.Errorf("re-encoding the loaded checkpoint changed its bytes")
			}
		})
	}
}

// The digests that tie a model to its files are those of the files the
// tools write.
func TestLoadFromModel(t *testing.T) {
	dir := t.TempDir()
	statsPath, calPath := filepath.Join(dir, "stats.bin"), filepath.Join(dir, "c.json")
	statsDigest, err := norm.WriteFile(statsPath, sampleStats(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := sampleCalibration(t).Save(calPath); err != nil {
		t.Fatal(err)
	}
	_, calDigest, err := calib.LoadDigest(calPath)
	if err != nil {
		t.Fatal(err)
	}
	full, bare := filepath.Join(dir, "full.stae"), filepath.Join(dir, "bare.stae")
	if err := Save(full, withSections(t, false, true, true)); err != nil {
		t.Fatal(err)
	}
	if err := Save(bare, sample(t, false)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{statsPath, full} {
		st, d, err := LoadStats(p)
		if err != nil || d != statsDigest || !reflect.DeepEqual(st, sampleStats(t)) {
			t.Errorf("LoadStats(%s): digest %q, error %v; want %q", filepath.Base(p), d, err, statsDigest)
		}
	}
	for _, p := range []string{calPath, full} {
		_, d, err := LoadCalibration(p)
		if err != nil || d != calDigest {
			t.Errorf("LoadCalibration(%s): digest %q, error %v; want %q", filepath.Base(p), d, err, calDigest)
		}
	}
	if _, _, err := LoadStats(bare); err == nil || !strings.Contains(err.Error(), "retrain it with fit --stats, or pass the statistics file") {
		t.Errorf("LoadStats of a model without statistics: %v", err)
	}
	if _, _, err := LoadCalibration(bare); err == nil || !strings.Contains(err.Error(), "carries no calibration") {
		t.Errorf("LoadCalibration of a model without one: %v", err)
	}
	if _, _, err := LoadStats(calPath); !errors.Is(err, norm.ErrNotStats) {
		t.Errorf("LoadStats of a calibration: %v, want %v", err, norm.ErrNotStats)
	}
}

func TestSectionRefusals(t *testing.T) {
	b := encoded(t, withSections(t, false, true, true))
	asV1 := bytes.Clone(b)
	binary.LittleEndian.PutUint32(asV1[8:], 1)
	for _, c := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"sections in a version 1 file", asV1, "sections in a version 1 file"},
		{"cut in a section", b[:len(b)-10], "the header promises"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("got %v, want %v containing %q", err, ErrCorrupt, c.msg)
			}
		})
	}
}
