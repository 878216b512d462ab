// Package plot draws evalroc's pictures with gonum.org/v1/plot: a video's
// regularity score over frame number with its ground-truth anomalous spans
// shaded and its detected events marked (as the paper's Figures 4-8), the
// ROC curve with AUC and EER in the legend, and, for footage without truth,
// a video's score over time with the alarm threshold and the alarms
// (Timeline). Pictures are PNGs written whole or not at all.
//
// The colours are chosen to be told apart by a program as well as a person:
// truth spans are filled with TruthColor, alarms on a timeline with
// AlarmColor and the threshold drawn in ThresholdColor, and nothing else
// uses them, so a test (or a script) can find them again in the decoded
// image.
package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"stae/lib/atomicfile"
)

// Colours of the pictures.
var (
	TruthColor = color.RGBA{R: 255, G: 204, B: 204, A: 255} // ground-truth anomalous frames
	CurveColor = color.RGBA{R: 0, G: 0, B: 160, A: 255}     // regularity, ROC
	EventColor = color.RGBA{R: 0, G: 150, B: 0, A: 255}     // detected events
	EERColor   = color.RGBA{R: 200, G: 0, B: 0, A: 255}     // the EER point

	AlarmColor     = color.RGBA{R: 204, G: 235, B: 204, A: 255} // alarms on a timeline
	ThresholdColor = color.RGBA{R: 230, G: 120, B: 0, A: 255}   // the alarm threshold on a timeline
)

// Picture sizes and resolution.
const (
	DPI          = 96
	VideoWidth   = 9 * vg.Inch
	VideoHeight  = 3.5 * vg.Inch
	ROCSize      = 5 * vg.Inch
	eventBandLow = 1.04 // events are bars above the curve, in score units
	eventBandTop = 1.10
	yTop         = 1.45 // room above the events for the legend
)

// Span is a run of frames, 0-based and inclusive.
type Span struct{ Start, End int }

// Event is a detected event: Start..End inclusive, deepest minimum at Deepest.
type Event struct{ Start, End, Deepest int }

// Video is what a regularity plot shows.
type Video struct {
	ID         string
	Frames     []int     // 0-based frame numbers, increasing
	Regularity []float64 // sr(t) of each frame in Frames
	Truth      []Span    // ground-truth anomalous spans
	Events     []Event   // detected events; nil: none given
}

// Regularity returns the plot of one video's regularity score.
func Regularity(v Video) (*plot.Plot, error) {
	if len(v.Frames) == 0 || len(v.Frames) != len(v.Regularity) {
		return nil, fmt.Errorf("video %s: %d frames and %d scores", v.ID, len(v.Frames), len(v.Regularity))
	}
	p := plot.New()
	p.Title.Text = "Regularity score of " + v.ID
	p.X.Label.Text = "frame number (0-based)"
	p.Y.Label.Text = "regularity score"
	first, last := v.Frames[0], v.Frames[len(v.Frames)-1]
	// Frame f owns x in [f-0.5, f+0.5], so a shaded span covers its frames.
	p.X.Min, p.X.Max = float64(first)-0.5, float64(last)+0.5
	lo, hi := 0.0, 1.0
	for _, r := range v.Regularity {
		lo, hi = math.Min(lo, r), math.Max(hi, r)
	}
	p.Y.Min, p.Y.Max = lo, lo+(hi-lo)*yTop
	p.Y.Tick.Marker = boundedTicks{lo, hi}
	p.X.Tick.Marker = frameTicks{}
	p.Legend.Top = true

	legendTruth := false
	for _, s := range v.Truth {
		box, err := band(p, s.Start, s.End, lo, hi, TruthColor)
		if err != nil {
			return nil, err
		}
		if box != nil && !legendTruth {
			p.Legend.Add("ground-truth anomalous frames", box)
			legendTruth = true
		}
	}

	xys := make(plotter.XYs, len(v.Frames))
	for i, f := range v.Frames {
		xys[i] = plotter.XY{X: float64(f), Y: v.Regularity[i]}
	}
	curve, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("video %s: %w", v.ID, err)
	}
	curve.Color, curve.Width = CurveColor, vg.Points(1.2)
	p.Add(curve)
	p.Legend.Add("regularity", curve)

	if len(v.Events) > 0 {
		span := (hi - lo)
		var deepest plotter.XYs
		var mark *plotter.Polygon
		for _, e := range v.Events {
			box, err := band(p, e.Start, e.End, lo+span*eventBandLow, lo+span*eventBandTop, EventColor)
			if err != nil {
				return nil, err
			}
			if box == nil {
				continue
			}
			mark = box
			if i, ok := index(v.Frames, e.Deepest); ok {
				deepest = append(deepest, plotter.XY{X: float64(e.Deepest), Y: v.Regularity[i]})
			}
		}
		if mark != nil {
			p.Legend.Add("detected events", mark)
		}
		if len(deepest) > 0 {
			dots, err := plotter.NewScatter(deepest)
			if err != nil {
				return nil, err
			}
			dots.GlyphStyle = draw.GlyphStyle{Color: EventColor, Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
			p.Add(dots)
			p.Legend.Add("deepest minimum of an event", dots)
		}
	}
	return p, nil
}

// band adds to p a rectangle filled with c over frames start..end (clipped
// to p's x range) from y0 to y1, without an outline, and returns it; nil
// when it lies outside.
func band(p *plot.Plot, start, end int, y0, y1 float64, c color.Color) (*plotter.Polygon, error) {
	return xband(p, float64(start)-0.5, float64(end)+0.5, y0, y1, c)
}

// xband is band over x0..x1 in data units.
func xband(p *plot.Plot, x0, x1, y0, y1 float64, c color.Color) (*plotter.Polygon, error) {
	x0, x1 = math.Max(x0, p.X.Min), math.Min(x1, p.X.Max)
	if x1 <= x0 {
		return nil, nil
	}
	box, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	if err != nil {
		return nil, err
	}
	box.LineStyle.Width = 0
	box.Color = c
	p.Add(box)
	return box, nil
}

func index(frames []int, f int) (int, bool) {
	for i, g := range frames {
		if g == f {
			return i, true
		}
	}
	return 0, false
}

// boundedTicks are the default ticks of [lo, hi]: the space above the score
// holds events and the legend, not values.
type boundedTicks struct{ lo, hi float64 }

func (b boundedTicks) Ticks(_, _ float64) []plot.Tick {
	return plot.DefaultTicks{}.Ticks(b.lo, b.hi)
}

// frameTicks are the default ticks with frame numbers as whole numbers.
type frameTicks struct{}

func (frameTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// ROCPoint is one point of a ROC curve.
type ROCPoint struct{ FPR, TPR float64 }

// ROC returns the plot of a ROC curve with its AUC and EER in the legend.
func ROC(points []ROCPoint, auc, eer float64, title string) (*plot.Plot, error) {
	if len(points) == 0 {
		return nil, errors.New("no ROC points")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "false-positive rate"
	p.Y.Label.Text = "true-positive rate"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	xys := make(plotter.XYs, len(points))
	for i, pt := range points {
		xys[i] = plotter.XY{X: pt.FPR, Y: pt.TPR}
	}
	curve, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	curve.Color, curve.Width = CurveColor, vg.Points(1.5)
	chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	chance.Color, chance.Dashes = color.Gray{Y: 150}, []vg.Length{vg.Points(4), vg.Points(4)}
	at, err := plotter.NewScatter(plotter.XYs{{X: eer, Y: 1 - eer}})
	if err != nil {
		return nil, err
	}
	at.GlyphStyle = draw.GlyphStyle{Color: EERColor, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
	p.Add(chance, curve, at)
	p.Legend.Add(fmt.Sprintf("ROC, AUC %.1f %%", 100*auc), curve)
	p.Legend.Add(fmt.Sprintf("EER %.1f %%", 100*eer), at)
	p.Legend.Add("chance", chance)
	return p, nil
}

// WritePNG draws p at w x h and writes it to path as a PNG, whole or not at
// all.
func WritePNG(p *plot.Plot, path string, w, h vg.Length) error {
	c := Render(p, w, h)
	return atomicfile.Write(path, 0o644, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(out)
		return err
	})
}

// Render draws p on a white canvas of w x h at DPI.
func Render(p *plot.Plot, w, h vg.Length) *vgimg.Canvas {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	return c
}

// Column is the pixel column at which data x falls when p is drawn at
// w x h: how a test (or a script) finds frames in a picture.
func Column(p *plot.Plot, w, h vg.Length, x float64) int {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := p.DataCanvas(draw.New(c))
	trX, _ := p.Transforms(&dc)
	return int(math.Floor(float64(trX(x)) * DPI / vg.Inch.Points()))
}

// Row is the pixel row (0 at the top) at which data y falls.
func Row(p *plot.Plot, w, h vg.Length, y float64) int {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := p.DataCanvas(draw.New(c))
	_, trY := p.Transforms(&dc)
	px := float64(trY(y)) * DPI / vg.Inch.Points()
	return int(math.Floor(float64(h.Points())*DPI/vg.Inch.Points() - px))
}
