// render_test.go: the overlay on synthetic arrays (gray where the error is
// nil, heat where it is large), and both sinks read back.

package render

import (
	"image"
	"io"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"stae/lib/render/rendertest"
)

// ramp is an h x w frame whose values run 0..(h*w-1), scaled by k.
func ramp(h, w int, k float32) Tensor {
	t := Tensor{Shape: []int{h, w}, Data: make([]float32, h*w)}
	for i := range t.Data {
		t.Data[i] = float32(i) * k
	}
	return t
}

func TestOverlayPixels(t *testing.T) {
	// A 2x2 frame in an arbitrary range (-3..3); error only at (1,1).
	gray := Tensor{Shape: []int{2, 2}, Data: []float32{-3, 0, 3, 3}}
	errMap := Tensor{Shape: []int{2, 2}, Data: []float32{0, 0, 0, 8}}
	img, err := Overlay(gray, errMap, Options{Opacity: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y    int
		r, g, b uint8
	}{
		{0, 0, 0, 0, 0},       // least value: black, no heat
		{1, 0, 128, 128, 128}, // middle of the range: mid gray
		{0, 1, 255, 255, 255}, // greatest value: white
		// full error: half white, half yellow (1, 1, 0)
		{1, 1, 255, 255, 128},
	} {
		c := img.RGBAAt(tc.x, tc.y)
		if c.R != tc.r || c.G != tc.g || c.B != tc.b || c.A != 255 {
			t.Errorf("pixel %d,%d = %v, want %d,%d,%d", tc.x, tc.y, c, tc.r, tc.g, tc.b)
		}
	}
}

func TestOverlayScaleAndFloor(t *testing.T) {
	gray := Tensor{Shape: []int{1, 3}, Data: []float32{1, 1, 1}} // constant: mid gray
	errMap := Tensor{Shape: []int{1, 3}, Data: []float32{1, 2, 4}}
	img, err := Overlay(gray, errMap, Options{ErrMax: 8, Floor: 0.2, Opacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 1/8 is under the floor: untouched gray. 2/8 and 4/8: heat of 0.25 and
	// 0.5 at opacities 0.25 and 0.5, more red the larger the error.
	if c := img.RGBAAt(0, 0); c.R != 128 || c.G != 128 || c.B != 128 {
		t.Errorf("below the floor: %v, want gray 128", c)
	}
	c1, c2 := img.RGBAAt(1, 0), img.RGBAAt(2, 0)
	if !(c1.R > 128 && c2.R > c1.R && c2.B < c1.B && c1.B < 128) {
		t.Errorf("heat does not grow with error: %v then %v", c1, c2)
	}
}

func TestOverlayRefusesBadShapes(t *testing.T) {
	good := ramp(2, 3, 1)
	for name, tc := range map[string]struct {
		gray, errMap Tensor
		o            Options
	}{
		"sizes differ":   {good, ramp(3, 2, 1), Options{}},
		"data too short": {Tensor{Shape: []int{2, 3}, Data: make([]float32, 5)}, good, Options{}},
		"not 2-d":        {Tensor{Shape: []int{6}, Data: make([]float32, 6)}, good, Options{}},
		"opacity > 1":    {good, good, Options{Opacity: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Overlay(tc.gray, tc.errMap, tc.o); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestPNGDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "maps")
	d, err := NewPNGDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Overlay(ramp(24, 32, 0.1), ramp(24, 32, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for f := range 3 {
		if err := d.Write("Test001", f, img); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for f := range 3 {
		p := filepath.Join(dir, "Test001", []string{"000000.png", "000001.png", "000002.png"}[f])
		got := rendertest.ReadPNG(t, p)
		if b := got.Bounds(); b.Dx() != 32 || b.Dy() != 24 {
			t.Errorf("%s is %dx%d, want 32x24", p, b.Dx(), b.Dy())
		}
		// The last pixel has the greatest error: heat, not gray.
		if r, g, b, _ := got.At(31, 23).RGBA(); r == g && g == b {
			t.Errorf("%s: no heat at the largest error", p)
		}
	}
}

func TestVideoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Test001.avi")
	v := NewVideoFile(path, 10)
	for f := range 5 {
		img, err := Overlay(ramp(24, 32, float32(f+1)), ramp(24, 32, 1), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Write("Test001", f, img); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Write("Test001", 5, image.NewRGBA(image.Rect(0, 0, 8, 8))); err == nil {
		t.Error("a picture of another size: no error")
	}
	vc := closeAndOpen(t, v, path)
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	for vc.Read(&m) && !m.Empty() {
		if m.Cols() != 32 || m.Rows() != 24 {
			t.Errorf("frame %d is %dx%d, want 32x24", n, m.Cols(), m.Rows())
		}
		n++
	}
	if n != 5 {
		t.Errorf("read back %d frames, want 5", n)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// closeAndOpen closes a writer of the video at path and opens the video,
// closed again at the end of t.
func closeAndOpen(t *testing.T, w io.Closer, path string) *gocv.VideoCapture {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vc.Close() })
	return vc
}
