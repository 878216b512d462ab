// timeline_test.go: the picture without truth decoded again: its size, the
// threshold line at the threshold's row, and alarms shaded over exactly
// their frames, in seconds.

package plot

import (
	"image/color"
	"testing"
)

func TestTimelineThresholdAndAlarms(t *testing.T) {
	// 50 frames at 10 frames/s: abnormality 0.2, 0.95 over frames 20-29,
	// one alarm over 22-29 and a threshold of 0.8.
	thr := 0.8
	c := Curve{ID: "Cam", FPS: 10, Threshold: &thr, Alarms: []Event{{Start: 22, End: 29, Deepest: 25}}, AlarmLabel: "alarms"}
	for f := range 50 {
		a := 0.2
		if f >= 20 && f <= 29 {
			a = 0.95
		}
		c.Frames, c.Values = append(c.Frames, f), append(c.Values, a)
	}
	p, err := Timeline(c)
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != -0.05 || p.X.Max != 4.95 {
		t.Errorf("x range %v..%v, want seconds -0.05..4.95", p.X.Min, p.X.Max)
	}
	img := picture(t, p, "Cam.png", VideoWidth, VideoHeight)
	// The threshold's row is ThresholdColor away from the curve's jumps.
	row := Row(p, VideoWidth, VideoHeight, thr)
	for _, f := range []int{5, 12, 25, 40} {
		col := Column(p, VideoWidth, VideoHeight, c.X(float64(f)))
		if got := img.At(col, row); !same(got, ThresholdColor) {
			t.Errorf("threshold at frame %d (pixel %d,%d) is %v, want %v", f, col, row, got, ThresholdColor)
		}
	}
	// Below the curve (0.1) a column is shaded iff an alarm holds its frame.
	low := Row(p, VideoWidth, VideoHeight, 0.1)
	for _, f := range c.Frames {
		col := Column(p, VideoWidth, VideoHeight, c.X(float64(f)))
		got := img.At(col, low)
		switch alarm := f >= 22 && f <= 29; {
		case alarm && !same(got, AlarmColor):
			t.Errorf("frame %d (alarm) at pixel %d,%d is %v, want %v", f, col, low, got, AlarmColor)
		case !alarm && !same(got, color.White):
			t.Errorf("frame %d at pixel %d,%d is %v, want white", f, col, low, got)
		}
	}
	if n := near(img, Column(p, VideoWidth, VideoHeight, c.X(40)), Row(p, VideoWidth, VideoHeight, 0.2), 2, CurveColor); n == 0 {
		t.Errorf("no curve pixel near frame 40's score")
	}
}

func TestTimelineFrames(t *testing.T) {
	// No frame rate, no threshold: frame numbers, and no threshold colour.
	c := Curve{ID: "A", Frames: []int{0, 1, 2, 3}, Values: []float64{0.9, 0.8, 0.3, 0.9}, Regularity: true}
	p, err := Timeline(c)
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != -0.5 || p.X.Max != 3.5 || p.X.Label.Text != "frame number (0-based)" || p.Y.Label.Text != "regularity score (low = anomalous)" {
		t.Errorf("x %v..%v %q, y %q", p.X.Min, p.X.Max, p.X.Label.Text, p.Y.Label.Text)
	}
	img := Render(p, VideoWidth, VideoHeight).Image()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if same(img.At(x, y), ThresholdColor) {
				t.Fatalf("pixel %d,%d has the threshold colour without a threshold", x, y)
			}
		}
	}
	if _, err := Timeline(Curve{ID: "A", Frames: []int{0}, Values: []float64{0, 1}}); err == nil {
		t.Error("frames and scores of different lengths: no error")
	}
}
