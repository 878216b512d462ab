// The pixel-level criterion: each frame reduced to one score, then the ROC,
// AUC and EER of those scores per video and pooled.

package pixel

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"stae/lib/metrics"
)

// Share is the fraction of a frame's truly anomalous pixels that must be
// flagged for the frame to be detected (Mahadevan et al. 2010).
const Share = 0.4

// Frame is one frame reduced for the pixel-level ROC: the frame is called
// positive at threshold θ exactly when θ <= Score. For an anomalous frame
// (a mask with a true pixel) positive means detected: at least Share of its
// true pixels have map value >= θ. For a normal frame positive means a false
// alarm: some pixel has value >= θ.
type Frame struct {
	Score     float64
	Anomalous bool
}

// Reduce compares one frame's error map (shape [h, w], row-major, as in an
// error record's Shape and Data) with its mask, resizing the map to the
// mask's size first (Resize).
func Reduce(m *Mask, shape []int, data []float32) (Frame, error) {
	if len(shape) != 2 {
		return Frame{}, fmt.Errorf("error map shape %v, want [height width]", shape)
	}
	v, err := Resize(data, shape[0], shape[1], m.H, m.W)
	if err != nil {
		return Frame{}, err
	}
	return ReduceSized(m, v)
}

// ReduceSized is Reduce for a map already at the mask's size.
func ReduceSized(m *Mask, values []float32) (Frame, error) {
	if len(values) != len(m.Pix) {
		return Frame{}, fmt.Errorf("%d map values for a %dx%d mask", len(values), m.W, m.H)
	}
	var inside []float32
	best := float32(math.Inf(-1))
	for i, v := range values {
		if v != v {
			return Frame{}, fmt.Errorf("map pixel %d: %w", i, metrics.ErrNotFinite)
		}
		if m.Pix[i] {
			inside = append(inside, v)
		}
		best = max(best, v)
	}
	if len(inside) == 0 {
		return Frame{Score: float64(best)}, nil
	}
	// The need-th largest value: need = ceil(Share*k), computed in integers
	// so that 40 % of 5 pixels is exactly 2.
	k := len(inside)
	need := (4*k + 9) / 10
	slices.Sort(inside)
	return Frame{Score: float64(inside[k-need]), Anomalous: true}, nil
}

// Curve is a pixel-level ROC with its area and equal error rate.
type Curve struct {
	Points       []metrics.Point // from (0,0) at +Inf to (1,1)
	AUC          float64         // trapezoidal area under Points
	EER          float64         // FPR where FPR = 1 - TPR, interpolated
	EERThreshold float64         // the threshold there, interpolated
	Anomalous    int             // frames with a true pixel
	Normal       int             // frames without
}

// NewCurve computes the pixel-level ROC of reduced frames. Frames of a
// single class give an error wrapping metrics.ErrOneClass.
func NewCurve(frames []Frame) (*Curve, error) {
	scores := make([]float64, len(frames))
	labels := make([]bool, len(frames))
	c := &Curve{}
	for i, f := range frames {
		scores[i], labels[i] = f.Score, f.Anomalous
		if f.Anomalous {
			c.Anomalous++
		} else {
			c.Normal++
		}
	}
	pts, err := metrics.ROC(scores, labels)
	if err != nil {
		return nil, err
	}
	c.Points = pts
	c.AUC = metrics.AreaUnder(pts)
	if c.EER, c.EERThreshold, err = metrics.EER(pts); err != nil {
		return nil, err
	}
	return c, nil
}

// Video is one video's pixel-level result. Curve is nil when the video
// holds a single class; Anomalous and Normal count its frames either way.
type Video struct {
	ID                string
	Curve             *Curve
	Anomalous, Normal int
}

// Report is the pixel-level result of a stream: per video in the order
// first added, and over all frames pooled.
type Report struct {
	Videos  []Video
	Overall *Curve
}

// Collector gathers reduced frames video by video, so that a stream's maps
// can be dropped as soon as they are reduced.
type Collector struct {
	ids    []string
	frames map[string][]Frame
}

// Add records one reduced frame of a video.
func (c *Collector) Add(video string, f Frame) {
	if c.frames == nil {
		c.frames = map[string][]Frame{}
	}
	if _, ok := c.frames[video]; !ok {
		c.ids = append(c.ids, video)
	}
	c.frames[video] = append(c.frames[video], f)
}

// Report computes the curves. Only the pooled curve must exist: a video of
// one class gets a nil Curve, but pooled frames of one class are an error
// wrapping metrics.ErrOneClass.
func (c *Collector) Report() (*Report, error) {
	r := &Report{}
	var all []Frame
	for _, id := range c.ids {
		fs := c.frames[id]
		all = append(all, fs...)
		v := Video{ID: id}
		for _, f := range fs {
			if f.Anomalous {
				v.Anomalous++
			} else {
				v.Normal++
			}
		}
		cv, err := NewCurve(fs)
		switch {
		case errors.Is(err, metrics.ErrOneClass):
		case err != nil:
			return nil, fmt.Errorf("video %s: %w", id, err)
		default:
			v.Curve = cv
		}
		r.Videos = append(r.Videos, v)
	}
	cv, err := NewCurve(all)
	if err != nil {
		return nil, fmt.Errorf("all videos: %w", err)
	}
	r.Overall = cv
	return r, nil
}
