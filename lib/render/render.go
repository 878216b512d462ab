// Package render turns a frame and its per-pixel reconstruction error (recon
// --maps) into a picture a person reads at a glance: the frame in gray with
// the error laid over it as heat, transparent where the error is nil and
// red to yellow, more opaque, where it is large. So a user sees where in the
// picture the anomaly is, not only when.
//
// Pictures go to a Sink: PNGDir (one PNG per frame, written atomically) or
// VideoFile (one video file through OpenCV, MJPG in .avi by default).
package render

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Tensor is a row-major [H, W] array, as frame and error records carry it.
type Tensor struct {
	Shape []int
	Data  []float32
}

func (t Tensor) check(name string) (h, w int, err error) {
	if len(t.Shape) != 2 || t.Shape[0] <= 0 || t.Shape[1] <= 0 {
		return 0, 0, fmt.Errorf("%s: shape %v, want [H, W]", name, t.Shape)
	}
	h, w = t.Shape[0], t.Shape[1]
	if len(t.Data) != h*w {
		return 0, 0, fmt.Errorf("%s: %d values for shape %dx%d", name, len(t.Data), h, w)
	}
	return h, w, nil
}

// Options tune the overlay.
type Options struct {
	// ErrMax is the error shown at full heat; 0 takes the map's own maximum.
	// A fixed value keeps the frames of one video comparable.
	ErrMax float64
	// Opacity is the heat's opacity at full error, 0..1; 0 means 0.7.
	Opacity float64
	// Floor is the share of ErrMax below which no heat is drawn (noise).
	Floor float64
}

// check fills in the default opacity and refuses options out of range.
func (o *Options) check() error {
	if o.Opacity == 0 {
		o.Opacity = 0.7
	}
	if o.Opacity < 0 || o.Opacity > 1 || o.Floor < 0 || o.Floor >= 1 || o.ErrMax < 0 || math.IsNaN(o.ErrMax) {
		return errors.New("overlay options out of range: opacity 0..1, floor 0..1, error maximum >= 0")
	}
	return nil
}

// heatLevel is an error's heat, 0..1 of emax, 0 at or below floor.
func heatLevel(e, emax, floor float64) float64 {
	h := 0.0
	if emax > 0 {
		h = math.Min(math.Max(e/emax, 0), 1)
	}
	if h <= floor {
		h = 0
	}
	return h
}

// Overlay returns the gray frame (any range, stretched to black..white)
// with the error map laid over it as heat.
func Overlay(gray, errMap Tensor, o Options) (*image.RGBA, error) {
	h, w, err := gray.check("frame")
	if err != nil {
		return nil, err
	}
	eh, ew, err := errMap.check("error map")
	if err != nil {
		return nil, err
	}
	if eh != h || ew != w {
		return nil, fmt.Errorf("error map is %dx%d, the frame %dx%d", eh, ew, h, w)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	lo, hi := bounds(gray.Data)
	emax := o.ErrMax
	if emax == 0 {
		_, emax = bounds(errMap.Data)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range gray.Data {
		g := 0.5
		if hi > lo {
			g = (float64(v) - lo) / (hi - lo)
		}
		e := heatLevel(float64(errMap.Data[i]), emax, o.Floor)
		hr, hg, hb := Heat(e)
		a := o.Opacity * e
		img.Pix[4*i+0] = mix(g, hr, a)
		img.Pix[4*i+1] = mix(g, hg, a)
		img.Pix[4*i+2] = mix(g, hb, a)
		img.Pix[4*i+3] = 255
	}
	return img, nil
}

// Heat is the colour of error e in 0..1: dark red rising to yellow.
func Heat(e float64) (r, g, b float64) {
	return 0.5 + 0.5*math.Min(1, 2*e), math.Max(0, 2*e-1), 0
}

func mix(gray, heat, a float64) uint8 {
	return uint8(math.Round(255 * ((1-a)*gray + a*heat)))
}

func bounds(data []float32) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range data {
		x := float64(v)
		if math.IsNaN(x) {
			continue
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}

// Gray is a frame alone, stretched to black..white: what a sink shows for
// a frame without an error map.
func Gray(frame Tensor) (*image.RGBA, error) {
	h, w, err := frame.check("frame")
	if err != nil {
		return nil, err
	}
	return Overlay(frame, Tensor{Shape: []int{h, w}, Data: make([]float32, h*w)}, Options{})
}

// Sink receives pictures in stream order.
type Sink interface {
	Write(video string, frame int, img image.Image) error
	Close() error
}
