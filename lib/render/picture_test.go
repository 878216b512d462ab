// picture_test.go: the picture at the source's size with its boxes and
// scale bar, and the sink chosen by the output's name.

package render

import (
	"errors"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

func TestDrawAtSourceSize(t *testing.T) {
	// A 4x4 model frame shown at 360x240 with a box on its right half.
	p := Picture{Gray: ramp(4, 4, 1), Err: ramp(4, 4, 0), Width: 360, Height: 240,
		Boxes: []image.Rectangle{image.Rect(180, 0, 360, 120)}}
	img, err := Draw(p, Options{ErrMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 360 || b.Dy() != 240 {
		t.Fatalf("picture is %dx%d, want 360x240", b.Dx(), b.Dy())
	}
	// The outline is 2 pixels wide inside the box; inside it the frame.
	for _, pt := range []image.Point{{180, 0}, {181, 60}, {359, 119}, {300, 118}} {
		if c := img.RGBAAt(pt.X, pt.Y); c != BoxColour {
			t.Errorf("outline at %v: %v", pt, c)
		}
	}
	if c := img.RGBAAt(270, 60); c == BoxColour || c.R != c.G || c.G != c.B {
		t.Errorf("inside the box: %v, want the gray frame", c)
	}
	// The gray ramp runs dark at the top left to light at the bottom right.
	if a, b := img.RGBAAt(5, 5), img.RGBAAt(170, 200); a.R >= b.R {
		t.Errorf("resized frame not a ramp: %v then %v", a, b)
	}
	if _, err := Draw(Picture{Gray: ramp(4, 4, 1), Err: ramp(4, 4, 1), Width: 360}, Options{}); err == nil {
		t.Error("a picture of width alone: no error")
	}
}

func TestResize(t *testing.T) {
	// 1x2 to 1x4: pixel centres at 0.25 steps of the source, clamped at
	// the edges.
	got := Resize(Tensor{Shape: []int{1, 2}, Data: []float32{0, 4}}, 4, 1)
	want := []float32{0, 1, 3, 4}
	for i := range want {
		if got.Data[i] != want[i] {
			t.Fatalf("got %v, want %v", got.Data, want)
		}
	}
}

func TestScaleBar(t *testing.T) {
	img, err := Draw(Picture{Gray: ramp(24, 36, 1), Err: ramp(24, 36, 0), Width: 360, Height: 240}, Options{ErrMax: 12.5})
	if err != nil {
		t.Fatal(err)
	}
	// The band's bottom 17 rows: the gradient runs from Heat(0) (dark
	// red) at its left end to Heat(1) (yellow) at its right, in the
	// band's middle row.
	y := 240 - barBand/2
	var left, right image.Point
	found := false
	for x := range 360 {
		if c := img.RGBAAt(x, y); c == heatRGBA(0) {
			if !found {
				left, found = image.Pt(x, y), true
			}
		}
		if c := img.RGBAAt(x, y); c == heatRGBA(1) {
			right = image.Pt(x, y)
		}
	}
	if !found || right.X <= left.X+100 {
		t.Errorf("gradient from %v to %v, want dark red at the left, yellow >100 px to its right", left, right)
	}
	// Labels in white: "0" left of the gradient, "12.5 squared error"
	// right of it.
	white := func(x0, x1 int) int {
		n := 0
		for yy := 240 - barBand; yy < 240; yy++ {
			for x := x0; x < x1; x++ {
				if c := img.RGBAAt(x, yy); c.R == 255 && c.G == 255 && c.B == 255 {
					n++
				}
			}
		}
		return n
	}
	if white(0, left.X) == 0 || white(right.X+1, 360) < 50 {
		t.Errorf("labels missing: %d white pixels left of the bar, %d right", white(0, left.X), white(right.X+1, 360))
	}
	// Above the band the picture is untouched: the heat is nil, so gray.
	if c := img.RGBAAt(200, 240-barBand-1); c.R != c.G || c.G != c.B {
		t.Errorf("above the band: %v", c)
	}
	// A small picture gets the gradient alone along its last rows.
	small, err := Draw(Picture{Gray: ramp(8, 8, 1), Err: ramp(8, 8, 0), Width: 64, Height: 64}, Options{ErrMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := small.RGBAAt(0, 63); c != heatRGBA(0) {
		t.Errorf("small picture, bottom left: %v, want %v", c, heatRGBA(0))
	}
	if c := small.RGBAAt(63, 63); c != heatRGBA(1) {
		t.Errorf("small picture, bottom right: %v, want %v", c, heatRGBA(1))
	}
}

// heatRGBA is Heat(e) as the 8-bit colour the scale bar draws.
func heatRGBA(e float64) color.RGBA {
	r, g, b := Heat(e)
	return color.RGBA{mix(r, r, 1), mix(g, g, 1), mix(b, b, 1), 255}
}

func TestOpenByName(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		want string // "png", a codec, or the error
	}{
		{"maps", "png"},
		{".", "png"}, // an existing folder
		{"street_heat.mp4", "mp4v"},
		{"street_heat.AVI", "MJPG"},
		{"street_heat.mkv", "MJPG"},
		{"street_heat.mp3", "street_heat.mp3: not a folder (a name without extension) or a video file (.avi, .m4v, .mkv, .mov, .mp4)"},
		{"notes.txt", "not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.name
			if path != "." {
				path = filepath.Join(dir, tc.name)
			}
			s, err := Open(path, 10)
			switch x := s.(type) {
			case *PNGDir:
				x.Abort()
				if tc.want != "png" {
					t.Errorf("a PNG folder, want %s", tc.want)
				}
			case *VideoFile:
				if x.Codec != tc.want {
					t.Errorf("codec %s, want %s", x.Codec, tc.want)
				}
			default:
				if !errors.Is(err, ErrNotSink) || !strings.HasSuffix(err.Error(), tc.want) && !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want ErrNotSink: %s", err, tc.want)
				}
			}
		})
	}
}

// Each container Open accepts is written and read back at its size.
func TestVideoContainers(t *testing.T) {
	for ext := range VideoCodecs {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "heat"+ext)
			s, err := Open(path, 10)
			if err != nil {
				t.Fatal(err)
			}
			for f := range 3 {
				img, err := Draw(Picture{Gray: ramp(8, 8, float32(f+1)), Err: ramp(8, 8, 1), Width: 160, Height: 120}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Write("Test001", f, img); err != nil {
					t.Fatal(err)
				}
			}
			vc := closeAndOpen(t, s, path)
			if w, h := vc.Get(gocv.VideoCaptureFrameWidth), vc.Get(gocv.VideoCaptureFrameHeight); w != 160 || h != 120 {
				t.Errorf("%vx%v, want 160x120", w, h)
			}
		})
	}
}
