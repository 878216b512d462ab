// plot_test.go: the pictures decoded again: their size, that they are not
// blank, and that the shaded columns are exactly the ground-truth frames.

package plot

import (
	"image"
	"image/color"
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"stae/lib/render/rendertest"
)

// picture writes p as a w x h PNG named name with WritePNG, decodes it
// again and checks that it is w x h.
func picture(t *testing.T, p *plot.Plot, name string, w, h vg.Length) image.Image {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := WritePNG(p, path, w, h); err != nil {
		t.Fatal(err)
	}
	img := rendertest.ReadPNG(t, path)
	wantW, wantH := int(w.Points()*DPI/72), int(h.Points()*DPI/72)
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("image is %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	return img
}

func same(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// synthVideo is 60 frames whose regularity dips (never below 0.3) inside
// the truth spans 10-19 and 40-44, with one event over the first dip.
func synthVideo() Video {
	v := Video{ID: "Test001", Truth: []Span{{10, 19}, {40, 44}}, Events: []Event{{Start: 12, End: 17, Deepest: 15}}}
	for f := range 60 {
		r := 0.9 + 0.05*math.Sin(float64(f))
		if (f >= 10 && f <= 19) || (f >= 40 && f <= 44) {
			r = 0.35 + 0.05*math.Sin(float64(f))
		}
		v.Frames = append(v.Frames, f)
		v.Regularity = append(v.Regularity, r)
	}
	return v
}

func TestRegularityShadesExactlyTheTruth(t *testing.T) {
	v := synthVideo()
	p, err := Regularity(v)
	if err != nil {
		t.Fatal(err)
	}
	img := picture(t, p, "Test001.png", VideoWidth, VideoHeight)
	// Below the curve (regularity 0.1) a column is shaded iff its frame is
	// anomalous.
	row := Row(p, VideoWidth, VideoHeight, 0.1)
	truth := map[int]bool{}
	for _, s := range v.Truth {
		for f := s.Start; f <= s.End; f++ {
			truth[f] = true
		}
	}
	for _, f := range v.Frames {
		col := Column(p, VideoWidth, VideoHeight, float64(f))
		got := img.At(col, row)
		switch {
		case truth[f] && !same(got, TruthColor):
			t.Errorf("frame %d (anomalous) at pixel %d,%d is %v, want the truth shade %v", f, col, row, got, TruthColor)
		case !truth[f] && !same(got, color.White):
			t.Errorf("frame %d (normal) at pixel %d,%d is %v, want white", f, col, row, got)
		}
	}
	// The curve and the event are drawn: the event's bar holds EventColor
	// over its middle frame, and the curve passes through frame 30's score.
	ev := img.At(Column(p, VideoWidth, VideoHeight, 15), Row(p, VideoWidth, VideoHeight, (eventBandLow+eventBandTop)/2))
	if !same(ev, EventColor) {
		t.Errorf("event bar pixel is %v, want %v", ev, EventColor)
	}
	if n := near(img, Column(p, VideoWidth, VideoHeight, 30), Row(p, VideoWidth, VideoHeight, v.Regularity[30]), 2, CurveColor); n == 0 {
		t.Errorf("no curve pixel near frame 30's score")
	}
}

// near counts pixels within r of (x, y) close to c (anti-aliasing blends
// thin lines).
func near(img image.Image, x, y, r int, c color.RGBA) int {
	n := 0
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			pr, pg, pb, _ := img.At(x+dx, y+dy).RGBA()
			d := math.Abs(float64(pr>>8)-float64(c.R)) + math.Abs(float64(pg>>8)-float64(c.G)) + math.Abs(float64(pb>>8)-float64(c.B))
			if d < 90 {
				n++
			}
		}
	}
	return n
}

func TestROCPicture(t *testing.T) {
	pts := []ROCPoint{{0, 0}, {0, 0.5}, {0.2, 0.7}, {0.3, 0.7}, {0.5, 0.9}, {1, 1}}
	p, err := ROC(pts, 0.82, 0.3, "micro ROC")
	if err != nil {
		t.Fatal(err)
	}
	img := picture(t, p, "roc.png", ROCSize, ROCSize)
	// The EER point sits at (EER, 1-EER).
	if got := img.At(Column(p, ROCSize, ROCSize, 0.3), Row(p, ROCSize, ROCSize, 0.7)); !same(got, EERColor) {
		t.Errorf("EER point pixel is %v, want %v", got, EERColor)
	}
	if n := near(img, Column(p, ROCSize, ROCSize, 0.4), Row(p, ROCSize, ROCSize, 0.8), 2, CurveColor); n == 0 {
		t.Errorf("no curve pixel near (0.4, 0.8)")
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Regularity(Video{ID: "A", Frames: []int{0, 1}, Regularity: []float64{1}}); err == nil {
		t.Error("frames and scores of different lengths: no error")
	}
	if _, err := ROC(nil, 0.5, 0.5, ""); err == nil {
		t.Error("no ROC points: no error")
	}
}
