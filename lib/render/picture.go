// picture.go: the overlay as a person reads it: at the source's size and
// aspect (the model's square frame stretched back), the flagged regions
// outlined, and a colour scale with its units along the bottom.

package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // frames' pictures
	_ "image/png"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Picture is one frame to draw.
type Picture struct {
	// Gray and Err are the frame (any range, stretched to black..white)
	// and its per-pixel squared error, both [H, W] at the model's size.
	Gray, Err Tensor
	// Photo, when set, is the source frame itself (frames --pictures),
	// drawn in place of Gray: the heat then lies over the original
	// pixels, in their colours.
	Photo image.Image
	// Width and Height are the picture's size, the source's; 0 keeps the
	// model's.
	Width, Height int
	// Boxes are regions to outline, in the picture's pixels.
	Boxes []image.Rectangle
	// Units names what the scale measures; "" means "squared error".
	Units string
}

// BoxColour outlines the flagged regions: cyan, clear of the heat's reds
// and yellows and of the gray frame.
var BoxColour = color.RGBA{0, 255, 255, 255}

// Draw renders p: the frame and heat resized (bilinearly) to the
// picture's size, the boxes outlined, and the scale bar (ScaleBar) from 0
// to the error shown at full heat (o.ErrMax, or the map's maximum).
func Draw(p Picture, o Options) (*image.RGBA, error) {
	h, w, err := p.Gray.check("frame")
	if err != nil {
		return nil, err
	}
	if _, _, err := p.Err.check("error map"); err != nil {
		return nil, err
	}
	if p.Width < 0 || p.Height < 0 || (p.Width == 0) != (p.Height == 0) {
		return nil, fmt.Errorf("picture size %dx%d: want both sides positive, or both 0", p.Width, p.Height)
	}
	if p.Width > 0 {
		w, h = p.Width, p.Height
	}
	if o.ErrMax == 0 {
		_, o.ErrMax = bounds(p.Err.Data)
	}
	var img *image.RGBA
	if p.Photo != nil {
		img, err = OverPhoto(p.Photo, Resize(p.Err, w, h), o)
	} else {
		img, err = Overlay(Resize(p.Gray, w, h), Resize(p.Err, w, h), o)
	}
	if err != nil {
		return nil, err
	}
	thick := 1
	if min(w, h) >= 120 {
		thick = 2
	}
	for _, b := range p.Boxes {
		Outline(img, b, thick, BoxColour)
	}
	units := p.Units
	if units == "" {
		units = "squared error"
	}
	ScaleBar(img, o.ErrMax, units)
	return img, nil
}

// DecodePhoto decodes a frame's picture (a JPEG from frames --pictures;
// PNG also reads).
func DecodePhoto(b []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	return img, err
}

// OverPhoto draws the heat of errMap over photo, resized (bilinearly) to
// the map's size, as Overlay does over a gray frame.
func OverPhoto(photo image.Image, errMap Tensor, o Options) (*image.RGBA, error) {
	h, w, err := errMap.check("error map")
	if err != nil {
		return nil, err
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.BiLinear.Scale(img, img.Bounds(), photo, photo.Bounds(), xdraw.Src, nil)
	emax := o.ErrMax
	if emax == 0 {
		_, emax = bounds(errMap.Data)
	}
	for i := range w * h {
		e := heatLevel(float64(errMap.Data[i]), emax, o.Floor)
		hr, hg, hb := Heat(e)
		a := o.Opacity * e
		for c, v := range [3]float64{hr, hg, hb} {
			img.Pix[4*i+c] = mix(float64(img.Pix[4*i+c])/255, v, a)
		}
		img.Pix[4*i+3] = 255
	}
	return img, nil
}

// Resize returns t resampled to w x h by bilinear interpolation, pixel
// centres aligned (as OpenCV's INTER_LINEAR). t must be a valid [H, W].
func Resize(t Tensor, w, h int) Tensor {
	sh, sw := t.Shape[0], t.Shape[1]
	if sh == h && sw == w {
		return t
	}
	out := Tensor{Shape: []int{h, w}, Data: make([]float32, w*h)}
	coord := func(d, n, sn int) (int, int, float32) {
		s := (float64(d)+0.5)*float64(sn)/float64(n) - 0.5
		s = math.Max(0, math.Min(s, float64(sn-1)))
		i := int(s)
		return i, min(i+1, sn-1), float32(s - float64(i))
	}
	for y := range h {
		y0, y1, fy := coord(y, h, sh)
		for x := range w {
			x0, x1, fx := coord(x, w, sw)
			top := t.Data[y0*sw+x0]*(1-fx) + t.Data[y0*sw+x1]*fx
			bot := t.Data[y1*sw+x0]*(1-fx) + t.Data[y1*sw+x1]*fx
			out.Data[y*w+x] = top*(1-fy) + bot*fy
		}
	}
	return out
}

// Outline draws r's border, thick pixels wide inside r, clipped to img.
func Outline(img *image.RGBA, r image.Rectangle, thick int, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return
	}
	t := min(thick, r.Dx(), r.Dy())
	for _, side := range []image.Rectangle{
		{r.Min, image.Pt(r.Max.X, r.Min.Y+t)},
		{image.Pt(r.Min.X, r.Max.Y-t), r.Max},
		{r.Min, image.Pt(r.Min.X+t, r.Max.Y)},
		{image.Pt(r.Max.X-t, r.Min.Y), r.Max},
	} {
		for y := side.Min.Y; y < side.Max.Y; y++ {
			for x := side.Min.X; x < side.Max.X; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// Scale bar geometry: a band along the bottom, darkened, holding "0", the
// heat gradient, and the full-heat value with its units, in a 7x13 font.
const (
	barBand   = 17 // band height with labels
	barThin   = 3  // gradient height when the picture is too small for labels
	barMargin = 3
)

var face = basicfont.Face7x13

// ScaleBar draws the heat scale along the bottom of img: from 0 at the
// left to errMax (full heat) at the right, labelled with errMax and units.
// A picture under 120x60 gets the gradient alone, a few pixels high.
func ScaleBar(img *image.RGBA, errMax float64, units string) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	if W < 120 || H < 60 {
		gradient(img, image.Rect(b.Min.X, b.Max.Y-min(barThin, H), b.Max.X, b.Max.Y))
		return
	}
	band := image.Rect(b.Min.X, b.Max.Y-barBand, b.Max.X, b.Max.Y)
	for y := band.Min.Y; y < band.Max.Y; y++ {
		for x := band.Min.X; x < band.Max.X; x++ {
			c := img.RGBAAt(x, y)
			img.SetRGBA(x, y, color.RGBA{c.R / 3, c.G / 3, c.B / 3, 255})
		}
	}
	right := fmt.Sprintf("%.3g %s", errMax, units)
	cw := face.Advance
	x0 := band.Min.X + barMargin + cw + barMargin // after "0"
	x1 := band.Max.X - barMargin - len(right)*cw - barMargin
	if x1-x0 < 20 { // the units do not fit: the number alone
		right = fmt.Sprintf("%.3g", errMax)
		x1 = band.Max.X - barMargin - len(right)*cw - barMargin
	}
	gradient(img, image.Rect(x0, band.Min.Y+4, x1, band.Max.Y-4))
	baseline := band.Max.Y - 4
	label(img, band.Min.X+barMargin, baseline, "0")
	label(img, x1+barMargin, baseline, right)
}

// gradient fills r with the heat colours, 0 at the left to 1 at the right.
func gradient(img *image.RGBA, r image.Rectangle) {
	for x := r.Min.X; x < r.Max.X; x++ {
		e := 0.0
		if r.Dx() > 1 {
			e = float64(x-r.Min.X) / float64(r.Dx()-1)
		}
		hr, hg, hb := Heat(e)
		c := color.RGBA{uint8(math.Round(255 * hr)), uint8(math.Round(255 * hg)), uint8(math.Round(255 * hb)), 255}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func label(img *image.RGBA, x, baseline int, s string) {
	d := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}
