// regions_test.go: --regions boxes in the source's pixels (or the model's
// when the stream does not say the source's size), and --overlay drawn at
// the source's size.

package main

import (
	"bytes"
	"image"
	"image/png"
	"path/filepath"
	"testing"

	"stae/lib/metrics"
	"stae/lib/render/rendertest"
	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// baselineStream is one video of n frames (27x27, frameData) as volumes of
// length 1, with the source's size in the header when srcW > 0.
func baselineStream(t *testing.T, n, srcW, srcH int) []byte {
	t.Helper()
	p := map[string]any{"width": side, "height": side, "normalised": true, "stats_digest": "abc", "length": 1}
	if srcW > 0 {
		p["source_width"], p["source_height"] = srcW, srcH
	}
	h := streamtest.Header(stream.KindVolume, "volumes", p)
	var recs []stream.Record
	for f := range n {
		recs = append(recs, &stream.Volume{Video: "A", Frames: []int{f}, Shape: []int{1, side, side}, Data: frameData(f)})
	}
	return streamtest.Encode(t, h, false, recs...)
}

func TestRegions(t *testing.T) {
	energy := func(f int) []float32 {
		d := frameData(f)
		for i := range d {
			d[i] *= d[i]
		}
		return d
	}
	for _, tc := range []struct {
		name       string
		srcW, srcH int
	}{{"source pixels", 360, 240}, {"model pixels", 0, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			got, stderr, code := runRecon(t, baselineStream(t, 3, tc.srcW, tc.srcH), "--baseline", "--error", "region:8", "--regions", "3")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, e := range got {
				want, err := metrics.WorstRegions(energy(e.Frame), side, side, 8, 3)
				if err != nil {
					t.Fatal(err)
				}
				if len(e.Regions) != 3 {
					t.Fatalf("frame %d: %d regions, want 3", e.Frame, len(e.Regions))
				}
				if !near(e.Regions[0].Error, e.Error) {
					t.Errorf("frame %d: worst region %v, the frame's error %v", e.Frame, e.Regions[0].Error, e.Error)
				}
				for i, b := range want {
					if tc.srcW > 0 {
						b = b.Scale(side, side, tc.srcW, tc.srcH)
					}
					g := e.Regions[i]
					if g.X != b.X || g.Y != b.Y || g.W != b.W || g.H != b.H || !near(g.Error, b.Error) {
						t.Errorf("frame %d region %d: %+v, want %+v", e.Frame, i, g, b)
					}
				}
			}
		})
	}
	t.Run("default side is a quarter of the frame", func(t *testing.T) {
		got, stderr, code := runRecon(t, baselineStream(t, 1, 0, 0), "--baseline", "--regions", "1")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if r := got[0].Regions[0]; r.W != side/4 || r.H != side/4 {
			t.Errorf("region %+v, want %dx%d", r, side/4, side/4)
		}
	})
}

func TestOverlayAtSourceSize(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "heat")
	_, stderr, code := runRecon(t, baselineStream(t, 2, 360, 240), "--baseline", "--regions", "2", "--overlay", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"000000.png", "000001.png"} {
		img := rendertest.ReadPNG(t, filepath.Join(dir, "A", name))
		if b := img.Bounds(); b.Dx() != 360 || b.Dy() != 240 {
			t.Errorf("%s is %dx%d, want the source's 360x240", name, b.Dx(), b.Dy())
		}
	}
}

// With the source's pictures in the stream (frames --pictures), the heat
// lies over the original pixels: where the error is zero the overlay is
// the picture itself; the error and time of each record are unchanged
// by the pictures.
func TestOverlayOverTheSourcePicture(t *testing.T) {
	photo := image.NewRGBA(image.Rect(0, 0, 36, 24))
	for i := 0; i < len(photo.Pix); i += 4 {
		copy(photo.Pix[i:], []byte{200, 40, 40, 255}) // a red scene
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, photo); err != nil {
		t.Fatal(err)
	}
	p := map[string]any{"width": side, "height": side, "normalised": true, "stats_digest": "abc",
		"length": 1, "strides": []int{1}, "hop": 1, "source_width": 36, "source_height": 24}
	h := streamtest.Header(stream.KindVolume, "volumes", p)
	h.Version = stream.VersionWindows
	var recs []stream.Record
	for f := range 2 {
		data := make([]float32, side*side) // zero error, but in the frame's middle
		data[side*side/2] = 3
		recs = append(recs, &stream.Frame{Video: "A", Frame: f, Shape: []int{side, side}, Data: data,
			Timed: true, T: 0.5 * float64(f), Picture: pic.Bytes()},
			&stream.Window{Video: "A", Frames: []int{f}})
	}
	dir := filepath.Join(t.TempDir(), "heat")
	got, stderr, code := runRecon(t, streamtest.Encode(t, h, false, recs...), "--baseline", "--overlay", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for i, e := range got {
		if !e.Timed || e.T != 0.5*float64(i) || e.Error != 9 {
			t.Errorf("frame %d: time %v (timed %v), error %v; want %v, 9", e.Frame, e.T, e.Timed, e.Error, 0.5*float64(i))
		}
	}
	img := rendertest.ReadPNG(t, filepath.Join(dir, "A", "000000.png"))
	if r, g, b, _ := img.At(2, 2).RGBA(); r>>8 != 200 || g>>8 != 40 || b>>8 != 40 {
		t.Errorf("a corner without error is %d,%d,%d, want the picture's 200,40,40", r>>8, g>>8, b>>8)
	}
}
