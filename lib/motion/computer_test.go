package motion

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func newComputer(t testing.TB, cfg Config) *Computer {
	t.Helper()
	c, err := NewComputer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func next(t testing.TB, c *Computer, frame []float32, w, h int) []float32 {
	t.Helper()
	p, err := c.Next(frame, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(p)
}

func TestDiff(t *testing.T) {
	c := newComputer(t, Config{Channels: []Channel{Gray, Diff}, Width: 3, Height: 2})
	frames := [][]float32{
		{0, 0.25, 0.5, 0.75, 1, 1},
		{0.25, 0.25, 0, 1, 0.5, 1},
		{1, 0, 0, 0, 0, 0.5},
	}
	want := [][]float32{
		{0, 0.25, 0.5, 0.75, 1, 1, 0, 0, 0, 0, 0, 0}, // d_0 = 0
		{0.25, 0.25, 0, 1, 0.5, 1, 0.25, 0, -0.5, 0.25, -0.5, 0},
		{1, 0, 0, 0, 0, 0.5, 0.75, -0.25, 0, -1, -0.5, -0.5},
	}
	for i, f := range frames {
		if got := next(t, c, f, 3, 2); !slices.Equal(got, want[i]) {
			t.Errorf("frame %d: got %v, want %v", i, got, want[i])
		}
	}

	// A new video starts again from zero, at another size if it likes.
	c.Reset()
	got := next(t, c, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 6, 2)
	if want := []float32{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("first frame after Reset: got %v, want %v", got, want)
	}
}

func TestDiffResized(t *testing.T) {
	// 4x2 frames shrink to 2x1 by averaging 2x2 blocks; the difference is
	// taken between the shrunk frames.
	c := newComputer(t, Config{Channels: []Channel{Diff, Gray}, Width: 2, Height: 1})
	next(t, c, []float32{0, 0, 1, 1, 0, 0, 1, 1}, 4, 2) // [0 1]
	got := next(t, c, []float32{0.5, 0.5, 0.5, 0, 1, 0.5, 0.5, 1}, 4, 2)
	want := []float32{0.625, -0.5, 0.625, 0.5} // [0.625 0.5]
	if !close(got, want, 1e-6) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func close(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

// pattern is a smooth texture in [0.1,0.9]: sinusoids in several
// directions, with periods of 23 to 53 pixels, so that every
// neighbourhood has structure in both directions and Farneback's coarsest
// level (a quarter of the size) still sees it unaliased.
func pattern(x, y float64) float64 {
	return 0.5 +
		0.13*math.Sin(2*math.Pi*(x/37+y/53)) +
		0.13*math.Cos(2*math.Pi*(x/29-y/41)) +
		0.1*math.Sin(2*math.Pi*y/23+1)*math.Cos(2*math.Pi*x/31)
}

// shifted is the pattern moved right by dx and down by dy pixels.
func shifted(w, h int, dx, dy float64) []float32 {
	f := make([]float32, w*h)
	for y := range h {
		for x := range w {
			f[y*w+x] = float32(pattern(float64(x)-dx, float64(y)-dy))
		}
	}
	return f
}

// meanFlow is the mean of the flow planes over the pixels at least margin
// (a fraction of the size) away from the border, where Farneback lacks
// context.
func meanFlow(planes []float32, off, w, h int, margin float64) (dx, dy float64) {
	mx, my := int(margin*float64(w)), int(margin*float64(h))
	n := 0
	for y := my; y < h-my; y++ {
		for x := mx; x < w-mx; x++ {
			dx += float64(planes[off*w*h+y*w+x])
			dy += float64(planes[(off+1)*w*h+y*w+x])
			n++
		}
	}
	return dx / float64(n), dy / float64(n)
}

func TestFlowTranslation(t *testing.T) {
	// Ped2's geometry: 360x240 source frames, flow at the default 180x120,
	// where the 4x2 source-pixel shift is 2x1.
	const sw, sh = 360, 240
	tests := []struct {
		w, h   int
		dx, dy float64 // in output pixels
	}{
		{180, 120, 2, 1}, // the working size itself
		{360, 240, 4, 2}, // the source size
		{90, 60, 1, 0.5},
		{227, 227, 2 * 227.0 / 180, 227.0 / 120},
	}
	for _, tt := range tests {
		c := newComputer(t, Config{Channels: []Channel{Gray, Flow}, Width: tt.w, Height: tt.h})
		first := next(t, c, shifted(sw, sh, 0, 0), sw, sh)
		if w, h := c.FlowSize(); w != 180 || h != 120 {
			t.Fatalf("flow size %dx%d, want 180x120", w, h)
		}
		n := tt.w * tt.h
		if !slices.Equal(first[n:], make([]float32, 2*n)) {
			t.Errorf("%dx%d: first frame's flow is not 0", tt.w, tt.h)
		}
		for i := 1; i <= 3; i++ {
			p := next(t, c, shifted(sw, sh, 4*float64(i), 2*float64(i)), sw, sh)
			dx, dy := meanFlow(p, 1, tt.w, tt.h, 0.15)
			t.Logf("%dx%d frame %d: mean interior flow (%.4f, %.4f)", tt.w, tt.h, i, dx, dy)
			if math.Abs(dx-tt.dx) > 0.02*tt.dx || math.Abs(dy-tt.dy) > 0.02*tt.dy {
				t.Errorf("%dx%d frame %d: mean flow (%.3f, %.3f), want (%.3f, %.3f) within 2%%", tt.w, tt.h, i, dx, dy, tt.dx, tt.dy)
			}
		}
	}
}

func TestFlowScaling(t *testing.T) {
	// Shrinking the flow by exactly 2 with INTER_AREA keeps its mean, so
	// the whole-frame mean at half size is exactly half, in half-size
	// pixels: the documented outW/workW and outH/workH.
	const w, h = 120, 80
	frames := [][]float32{shifted(w, h, 0, 0), shifted(w, h, 1.5, -1)}
	mean := func(outW, outH int) (float64, float64) {
		c := newComputer(t, Config{Channels: []Channel{Flow}, Width: outW, Height: outH, FlowWidth: w, FlowHeight: h})
		next(t, c, frames[0], w, h)
		return meanFlow(next(t, c, frames[1], w, h), 0, outW, outH, 0)
	}
	fx, fy := mean(w, h)
	t.Logf("mean flow at the working size (%.4f, %.4f)", fx, fy)
	if math.Abs(fx-1.5) > 0.15 || math.Abs(fy+1) > 0.1 {
		t.Errorf("flow at the working size (%.3f, %.3f), want about (1.5, -1)", fx, fy)
	}
	for _, tt := range []struct {
		w, h   int
		sx, sy float64
	}{{w / 2, h / 2, 0.5, 0.5}, {w / 2, h / 4, 0.5, 0.25}} {
		gx, gy := mean(tt.w, tt.h)
		if math.Abs(gx-tt.sx*fx) > 1e-4 || math.Abs(gy-tt.sy*fy) > 1e-4 {
			t.Errorf("%dx%d: mean flow (%.5f, %.5f), want (%.5f, %.5f)", tt.w, tt.h, gx, gy, tt.sx*fx, tt.sy*fy)
		}
	}
}

func TestStill(t *testing.T) {
	// A still video: no difference, and no flow away from the border.
	// (Farneback treats the pixels past the last row and column as
	// unmatched, so a little flow appears along the border even between
	// equal frames.)
	const w, h = 64, 48
	chs := []Channel{Diff, Flow}
	c := newComputer(t, Config{Channels: chs, Width: w, Height: h})
	f := shifted(w, h, 0, 0)
	for i := range 3 {
		p := next(t, c, f, w, h)
		if e := Energy(ChannelData(p, chs, Diff)); e != 0 {
			t.Errorf("frame %d: diff energy %v, want 0", i, e)
		}
		var worst float64
		for y := h / 4; y < h-h/4; y++ {
			for x := w / 4; x < w-w/4; x++ {
				worst = max(worst, math.Abs(float64(p[w*h+y*w+x])), math.Abs(float64(p[2*w*h+y*w+x])))
			}
		}
		if worst > 1e-3 {
			t.Errorf("frame %d: flow up to %v px in the interior, want 0", i, worst)
		}
	}
}

func TestFlowSize(t *testing.T) {
	tests := []struct {
		fw, fh, sw, sh int
		w, h           int
	}{
		{0, 0, 360, 240, 180, 120},
		{0, 0, 640, 360, 180, 101},
		{0, 0, 160, 120, 160, 120}, // never enlarged
		{90, 0, 360, 240, 90, 60},
		{0, 60, 360, 240, 90, 60},
		{100, 50, 360, 240, 100, 50},
	}
	for _, tt := range tests {
		cfg := Config{FlowWidth: tt.fw, FlowHeight: tt.fh}
		if w, h := cfg.FlowSize(tt.sw, tt.sh); w != tt.w || h != tt.h {
			t.Errorf("%dx%d for %dx%d: got %dx%d, want %dx%d", tt.fw, tt.fh, tt.sw, tt.sh, w, h, tt.w, tt.h)
		}
	}
}

func TestComputerErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		is   error
		want string
	}{
		{"no channels", Config{Width: 8, Height: 8}, ErrNoChannels, "no channels"},
		{"unknown", Config{Channels: []Channel{"motion"}, Width: 8, Height: 8}, ErrUnknownChannel, `"motion": unknown channel (want gray, diff or flow)`},
		{"size", Config{Channels: []Channel{Gray}, Width: 0, Height: 8}, ErrBadSize, "output size 0x8: size must be positive"},
		{"flow size", Config{Channels: []Channel{Flow}, Width: 8, Height: 8, FlowWidth: -1}, ErrBadSize, "flow size -1x0: size must be positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewComputer(tt.cfg)
			if !errors.Is(err, tt.is) || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}

	c := newComputer(t, Config{Channels: []Channel{Gray, Diff}, Width: 2, Height: 2})
	if _, err := c.Next(make([]float32, 3), 2, 2); err == nil || err.Error() != "frame of 3 values, want 2x2 = 4" {
		t.Errorf("short frame: got %v", err)
	}
	next(t, c, make([]float32, 4), 2, 2)
	if _, err := c.Next(make([]float32, 6), 3, 2); !errors.Is(err, ErrSizeChanged) ||
		err.Error() != "frame 3x2 after 2x2: frame size changed within a video (Reset between videos)" {
		t.Errorf("size change: got %v", err)
	}
	c.Close()
	if _, err := c.Next(make([]float32, 4), 2, 2); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: got %v, want %v", err, ErrClosed)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// BenchmarkFlow is the cost of one frame of Ped2-like flow: 360x240 in,
// Farneback at 180x120, out at 227x227.
func BenchmarkFlow(b *testing.B) {
	const w, h = 360, 240
	frames := [][]float32{shifted(w, h, 0, 0), shifted(w, h, 4, 2)}
	c := newComputer(b, Config{Channels: []Channel{Gray, Diff, Flow}, Width: 227, Height: 227})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Next(frames[i%2], w, h); err != nil {
			b.Fatal(err)
		}
	}
}
