// Behaviour of the statistics: exact values for small frames, the file
// format's round trip and its rejections, and a fuzzed decoder.

package norm

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// statsOf adds frames to a and returns its Stats; any error fails t.
func statsOf(t testing.TB, a *Accumulator, frames ...[]float32) *Stats {
	t.Helper()
	for _, f := range frames {
		if err := a.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	s, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two 2x1 frames: pixel 0 takes 0 and 1, pixel 1 takes 0.25 both times.
// Mean image (0.5, 0.25); deviations +-0.5 and 0, 0; variance of the four
// deviations (0.25+0.25+0+0)/4 = 0.125.
func twoFrames(t *testing.T) *Stats {
	t.Helper()
	return statsOf(t, NewAccumulator(2, 1), []float32{0, 0.25}, []float32{1, 0.25})
}

func TestStats(t *testing.T) {
	s := twoFrames(t)
	if !slices.Equal(s.Mean, []float32{0.5, 0.25}) {
		t.Errorf("mean %v, want [0.5 0.25]", s.Mean)
	}
	if want := math.Sqrt(0.125); s.Std[0] != want {
		t.Errorf("std %v, want %v", s.Std, want)
	}
	if s.Frames != 2 || s.Width != 2 || s.Height != 1 {
		t.Errorf("frames %d size %dx%d, want 2 frames 2x1", s.Frames, s.Width, s.Height)
	}
}

func TestApply(t *testing.T) {
	s := twoFrames(t)
	tests := []struct {
		name string
		in   []float32
		want []float32
	}{
		{"the mean goes to zero", []float32{0.5, 0.25}, []float32{0, 0}},
		{"one std above", []float32{0.5 + float32(math.Sqrt(0.125)), 0.25}, []float32{1, 0}},
		{"training frame", []float32{1, 0.25}, []float32{float32(0.5 / math.Sqrt(0.125)), 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := slices.Clone(tt.in)
			if err := s.Apply(f); err != nil {
				t.Fatal(err)
			}
			for i := range f {
				if math.Abs(float64(f[i]-tt.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", f, tt.want)
				}
			}
		})
	}
	if err := s.Apply(make([]float32, 3)); !errors.Is(err, ErrFrameSize) {
		t.Errorf("3 values into 2x1: got %v, want ErrFrameSize", err)
	}
}

// The training frames, normalised, have mean 0 and variance 1.
func TestApplyStandardises(t *testing.T) {
	frames := [][]float32{{0.1, 0.9, 0.3}, {0.2, 0.7, 0.3}, {0.6, 0.8, 0.35}, {0.0, 1.0, 0.2}}
	s := statsOf(t, NewAccumulator(3, 1), frames...)
	var sum, sq float64
	for _, f := range frames {
		g := slices.Clone(f)
		if err := s.Apply(g); err != nil {
			t.Fatal(err)
		}
		for _, v := range g {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
	}
	n := float64(len(frames) * 3)
	if math.Abs(sum/n) > 1e-6 || math.Abs(sq/n-1) > 1e-5 {
		t.Errorf("normalised training pixels: mean %v variance %v, want 0 and 1", sum/n, sq/n)
	}
}

func TestStatsErrors(t *testing.T) {
	a := NewAccumulator(2, 2)
	if _, err := a.Stats(); !errors.Is(err, ErrNoFrames) {
		t.Errorf("no frames: got %v, want ErrNoFrames", err)
	}
	if err := a.Add(make([]float32, 5)); err == nil || err.Error() != "5 values, want 2x2=4: frame size does not match the statistics" {
		t.Errorf("wrong size: got %v", err)
	}
	for range 3 {
		if err := a.Add([]float32{0.5, 0.5, 0.5, 0.5}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Stats(); !errors.Is(err, ErrNoVariance) {
		t.Errorf("constant frames: got %v, want ErrNoVariance", err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	s := twoFrames(t)
	path := filepath.Join(t.TempDir(), "stats.bin")
	digest, err := WriteFile(path, s)
	if err != nil {
		t.Fatal(err)
	}
	got, gotDigest, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if gotDigest != digest || len(digest) != 64 {
		t.Errorf("digest read %q, written %q", gotDigest, digest)
	}
	if got.Width != 2 || got.Height != 1 || got.Frames != 2 || !slices.Equal(got.Std, s.Std) || !slices.Equal(got.Mean, s.Mean) {
		t.Errorf("read %+v, wrote %+v", got, s)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != headerSize+2*4+4 || string(b[:8]) != "staenorm" {
		t.Errorf("file is %d bytes starting %q, want %d starting staenorm", len(b), b[:8], headerSize+12)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	good, err := twoFrames(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	tests := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotStats, "not a stae statistics file"},
		{"other magic", []byte("stae\x01\x00\x00\x00 and more bytes than a header"), ErrNotStats, "not a stae statistics file"},
		{"short header", good[:20], ErrCorrupt, "20 bytes, header needs 36: corrupt statistics file"},
		{"version 3", edit(func(b []byte) []byte { b[8] = 3; return b }), ErrVersion, "version 3, this build reads 1 and 2: unsupported statistics file version"},
		{"zero width", edit(func(b []byte) []byte { b[12] = 0; return b }), ErrCorrupt, "size 0x1 out of range 1..8192: corrupt statistics file"},
		{"huge height", edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 1<<30); return b }), ErrCorrupt, "size 2x1073741824 out of range 1..8192: corrupt statistics file"},
		{"truncated", good[:len(good)-1], ErrCorrupt, "47 bytes, a 2x1 file has 48: corrupt statistics file"},
		{"flipped bit", edit(func(b []byte) []byte { b[40] ^= 1; return b }), ErrCorrupt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stats
			err := s.UnmarshalBinary(tt.b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("got %q, want %q", err, tt.msg)
			}
		})
	}
}

// twoPlanes: 2x1 frames of a gray and a diff plane. Gray as twoFrames;
// diff pixel 0 takes -1 and 1 (mean 0), pixel 1 takes 3 both times:
// deviations +-1, 0, 0, variance 0.5.
func twoPlanes(t testing.TB) *Stats {
	t.Helper()
	return statsOf(t, NewAccumulator(2, 1, "gray", "diff"), []float32{0, 0.25, -1, 3}, []float32{1, 0.25, 1, 3})
}

func TestPlanes(t *testing.T) {
	s := twoPlanes(t)
	if !slices.Equal(s.Mean, []float32{0.5, 0.25, 0, 3}) || !slices.Equal(s.Std, []float64{math.Sqrt(0.125), math.Sqrt(0.5)}) {
		t.Fatalf("mean %v std %v, want [0.5 0.25 0 3] [%v %v]", s.Mean, s.Std, math.Sqrt(0.125), math.Sqrt(0.5))
	}
	f := []float32{1, 0.25, 1, 3}
	if err := s.Apply(f); err != nil {
		t.Fatal(err)
	}
	if want := []float32{float32(0.5 / math.Sqrt(0.125)), 0, float32(1 / math.Sqrt(0.5)), 0}; !slices.Equal(f, want) {
		t.Errorf("applied: %v, want %v", f, want)
	}
	if err := s.Apply([]float32{1, 2}); !errors.Is(err, ErrFrameSize) || err.Error() != "2 values, want 2x2x1=4: frame size does not match the statistics" {
		t.Errorf("one plane for two: %v", err)
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != 2 {
		t.Errorf("two planes written as version %d, want 2", v)
	}
	var back Stats
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Channels, []string{"gray", "diff"}) || !slices.Equal(back.Std, s.Std) || !slices.Equal(back.Mean, s.Mean) {
		t.Errorf("read back %+v, wrote %+v", back, s)
	}
	// Cut anywhere, a version 2 file is refused, never a panic.
	for n := 0; n < len(b); n++ {
		if err := new(Stats).UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("cut to %d of %d bytes: accepted", n, len(b))
		}
	}
}

// TestGrayPlaneIsVersion1: statistics of one gray plane, named or not,
// are the version 1 file byte for byte, so their digests do not move.
func TestGrayPlaneIsVersion1(t *testing.T) {
	named := statsOf(t, NewAccumulator(2, 1, "gray"), []float32{0, 0.25}, []float32{1, 0.25})
	b1, _ := named.MarshalBinary()
	b2, _ := twoFrames(t).MarshalBinary()
	if string(b1) != string(b2) || binary.LittleEndian.Uint32(b1[8:]) != 1 {
		t.Errorf("a named gray plane gives another file than an unnamed one")
	}
}

func FuzzUnmarshal(f *testing.F) {
	good, err := (&Stats{Width: 2, Height: 1, Frames: 2, Mean: []float32{0.5, 0.25}, Std: []float64{0.35}}).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("staenorm"))
	if two, err := twoPlanes(f).MarshalBinary(); err == nil {
		f.Add(two)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Stats
		if s.UnmarshalBinary(b) != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded but does not encode: %v", err)
		}
		if string(again) != string(b) {
			t.Fatalf("re-encoding differs")
		}
	})
}
