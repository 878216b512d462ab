// timeline.go: the picture of a video nobody labelled: its score over time
// (seconds when the frame rate is known), the alarm threshold as a
// horizontal line and the alarms (or events) shaded.

package plot

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Curve is what a timeline shows.
type Curve struct {
	ID         string
	Frames     []int     // 0-based frame numbers, increasing
	Values     []float64 // the score of each frame in Frames
	Regularity bool      // Values are regularity (low = anomalous), not abnormality
	FPS        float64   // > 0: x is time in seconds (frame/FPS); 0: frame number
	Threshold  *float64  // the alarm threshold in Values' units; nil: not known
	Alarms     []Event   // shaded spans; nil: none given
	AlarmLabel string    // the legend of Alarms ("alarms", "events")
}

// X is where frame f lies on the timeline's x axis.
func (c Curve) X(f float64) float64 {
	if c.FPS > 0 {
		return f / c.FPS
	}
	return f
}

// Timeline returns the plot of one video's score over time.
func Timeline(c Curve) (*plot.Plot, error) {
	if len(c.Frames) == 0 || len(c.Frames) != len(c.Values) {
		return nil, fmt.Errorf("video %s: %d frames and %d scores", c.ID, len(c.Frames), len(c.Values))
	}
	if c.FPS < 0 || math.IsNaN(c.FPS) || math.IsInf(c.FPS, 0) {
		return nil, fmt.Errorf("video %s: frame rate %v", c.ID, c.FPS)
	}
	p := plot.New()
	what, legend := "abnormality", "abnormality (high = anomalous)"
	if c.Regularity {
		what, legend = "regularity score", "regularity score (low = anomalous)"
	}
	p.Title.Text = fmt.Sprintf("%s of %s", upper(what), c.ID)
	p.Y.Label.Text = legend
	p.X.Label.Text, p.X.Tick.Marker = "frame number (0-based)", frameTicks{}
	if c.FPS > 0 {
		p.X.Label.Text = "time (s, at " + strconv.FormatFloat(c.FPS, 'g', -1, 64) + " frames/s)"
		p.X.Tick.Marker = plot.DefaultTicks{}
	}
	first, last := float64(c.Frames[0]), float64(c.Frames[len(c.Frames)-1])
	// Frame f owns [f-0.5, f+0.5], so a shaded span covers its frames.
	p.X.Min, p.X.Max = c.X(first-0.5), c.X(last+0.5)
	lo, hi := 0.0, 1.0
	for _, v := range c.Values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if c.Threshold != nil {
		lo, hi = math.Min(lo, *c.Threshold), math.Max(hi, *c.Threshold)
	}
	p.Y.Min, p.Y.Max = lo, lo+(hi-lo)*yTop
	p.Y.Tick.Marker = boundedTicks{lo, hi}
	p.Legend.Top = true

	var mark *plotter.Polygon
	for _, e := range c.Alarms {
		box, err := xband(p, c.X(float64(e.Start)-0.5), c.X(float64(e.End)+0.5), lo, hi, AlarmColor)
		if err != nil {
			return nil, err
		}
		if box != nil {
			mark = box
		}
	}
	if mark != nil {
		label := c.AlarmLabel
		if label == "" {
			label = "alarms"
		}
		p.Legend.Add(label, mark)
	}

	xys := make(plotter.XYs, len(c.Frames))
	for i, f := range c.Frames {
		xys[i] = plotter.XY{X: c.X(float64(f)), Y: c.Values[i]}
	}
	curve, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("video %s: %w", c.ID, err)
	}
	curve.Color, curve.Width = CurveColor, vg.Points(1.2)
	p.Add(curve)
	p.Legend.Add(what, curve)

	if c.Threshold != nil {
		// Drawn last and 2 pixels wide, so the row of the threshold is
		// ThresholdColor wherever the curve does not cross it.
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: *c.Threshold}, {X: p.X.Max, Y: *c.Threshold}})
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = ThresholdColor, vg.Points(1.5)
		p.Add(line)
		p.Legend.Add("alarm threshold "+strconv.FormatFloat(*c.Threshold, 'g', 4, 64), line)
	}
	return p, nil
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
