// Package synth generates the synthetic walkway scene that stae's tests and
// examples train and score on, so that the project never needs a real
// dataset to exercise the whole pipeline.
//
// The scene is a fixed camera over a textured, slightly noisy background
// with a horizontal walkway. Normal traffic is a few small objects, bright
// or dark, walking steadily left to right along the walkway; each leaves a
// short fading trail behind it (a stand-in for motion blur), so an object's
// look depends on how it moves. Abnormal clips add one object that:
//
//   - Fast: moves along the flow about four times faster than anyone else;
//   - Against: moves against the flow (right to left) at a normal speed;
//   - Across: crosses the walkway (vertically) at a normal speed;
//   - Large: is about three times the normal size, moving normally.
//
// The first three differ from normal traffic only in motion (the object has
// the usual size and contrast), so a score that looks at one frame's energy
// alone does poorly on them; the fourth is an appearance anomaly. The number
// of visible objects and their contrast vary from frame to frame, which is
// what makes frame energy a poor anomaly score here.
//
// Everything is deterministic given the seed: the same Config gives the same
// frames, byte for byte.
package synth

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// Kind is the anomaly a clip contains.
type Kind int

// Anomaly kinds. Append only: the values appear in clip configs.
const (
	Normal Kind = iota
	Fast
	Against
	Across
	Large
)

var kindNames = [...]string{"normal", "fast", "against", "across", "large"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Scene fixes what the camera sees: frame size and the static background.
// Training and test clips must share one Scene, as a fixed camera would.
type Scene struct {
	Width, Height int
	// Seed selects the background texture.
	Seed uint64
}

// DefaultScene is the scene the committed test data uses: 96x64, about the
// aspect ratio of UCSD Ped2, small enough to train on in a minute.
var DefaultScene = Scene{Width: 96, Height: 64, Seed: 1}

// Clip describes one clip to generate.
type Clip struct {
	Name   string
	Frames int
	// Seed drives the traffic and the sensor noise of this clip.
	Seed uint64
	// Anomaly is Normal for a training clip.
	Anomaly Kind
	// Enter is the frame (0-based) at which the abnormal object starts to
	// come into view; ignored for Normal clips.
	Enter int
}

// Result is a generated clip: its frames, and the 0-based inclusive frame
// range in which the abnormal object is at least partly visible (First and
// Last are -1 for a normal clip).
type Result struct {
	Name        string
	Frames      []*image.Gray
	First, Last int
}

// Scene geometry, as fractions of the frame height: the walkway band, and
// the normal object's size. Objects are about a tenth of the frame high so
// they stay several pixels tall after resizing to ~40x40.
const (
	walkTop     = 0.30
	walkBottom  = 0.85
	objHeight   = 0.11 // normal object height / frame height
	objAspect   = 0.6  // width / height
	largeFactor = 3.0
	noiseSigma  = 3.0 // per-frame sensor noise, gray levels
	trailLen    = 4   // trail samples behind the object, one frame apart
	trailDecay  = 0.55
)

// speeds in pixels per frame at width 96; scaled with the width.
const (
	speedMin  = 1.0
	speedMax  = 1.6
	fastSpeed = 5.0
)

type object struct {
	x, y   float64 // centre
	vx, vy float64
	w, h   float64 // full extent
	delta  float64 // intensity offset from the background
	abnorm bool
}

// Background renders the scene's static background (no noise, no objects)
// as float64 gray levels, row-major.
func (s Scene) Background() []float64 {
	w, h := s.Width, s.Height
	rng := rand.New(rand.NewPCG(s.Seed, 0x5eed))
	bg := make([]float64, w*h)
	// Smooth value noise at two scales gives a ground texture that does not
	// repeat; fine per-pixel grain on top keeps it from looking flat.
	coarse := valueNoise(rng, w, h, 12)
	fine := valueNoise(rng, w, h, 4)
	top, bot := int(walkTop*float64(h)), int(walkBottom*float64(h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			base := 80.0 // grass
			if y >= top && y < bot {
				base = 135 // paving
				// Paving joints: darker lines every 12 px across, and the
				// walkway's edges.
				if (x+3)%12 == 0 || y == top || y == bot-1 {
					base -= 18
				}
			}
			v := base + 22*coarse[y*w+x] + 10*fine[y*w+x] + 4*(rng.Float64()*2-1)
			bg[y*w+x] = v
		}
	}
	return bg
}

// valueNoise returns bilinearly interpolated random values in [-1, 1] on a
// grid with the given cell size.
func valueNoise(rng *rand.Rand, w, h, cell int) []float64 {
	gw, gh := w/cell+2, h/cell+2
	grid := make([]float64, gw*gh)
	for i := range grid {
		grid[i] = rng.Float64()*2 - 1
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(cell)
		iy := int(fy)
		ty := fy - float64(iy)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(cell)
			ix := int(fx)
			tx := fx - float64(ix)
			a := grid[iy*gw+ix]*(1-tx) + grid[iy*gw+ix+1]*tx
			b := grid[(iy+1)*gw+ix]*(1-tx) + grid[(iy+1)*gw+ix+1]*tx
			out[y*w+x] = a*(1-ty) + b*ty
		}
	}
	return out
}

// Generate renders one clip of the scene.
func (s Scene) Generate(c Clip) (Result, error) {
	if s.Width < 16 || s.Height < 16 {
		return Result{}, fmt.Errorf("scene %dx%d: too small (at least 16x16)", s.Width, s.Height)
	}
	if c.Frames < 1 {
		return Result{}, fmt.Errorf("clip %s: %d frames", c.Name, c.Frames)
	}
	if c.Anomaly < Normal || c.Anomaly > Large {
		return Result{}, fmt.Errorf("clip %s: unknown anomaly %v", c.Name, c.Anomaly)
	}
	w, h := s.Width, s.Height
	fw, fh := float64(w), float64(h)
	scale := fw / 96 // speeds are specified at width 96
	bg := s.Background()
	rng := rand.New(rand.NewPCG(c.Seed, uint64(c.Anomaly)))

	top, bot := walkTop*fh, walkBottom*fh
	oh := objHeight * fh
	newNormal := func(x float64) *object {
		sz := 0.85 + 0.3*rng.Float64()
		d := 45 + 45*rng.Float64()
		if rng.IntN(2) == 0 {
			d = -d
		}
		o := &object{
			vx:    scale * (speedMin + (speedMax-speedMin)*rng.Float64()),
			h:     oh * sz,
			w:     oh * sz * objAspect,
			delta: d,
		}
		o.x = x
		o.y = top + o.h/2 + 1 + rng.Float64()*(bot-top-o.h-2)
		return o
	}

	// Traffic: new walkers arrive at the left edge every 10-18 frames, which
	// keeps about six in view. Regular arrivals keep the number in view
	// steady, and the clip starts after a warm-up long enough for the first
	// arrivals to have crossed, so the crowd has no trend over the clip: a
	// trend would let frame energy alone find anomalies late in a clip.
	var objs []*object
	next := 0
	arrival := func() {
		if next > 0 {
			next--
			return
		}
		o := newNormal(0)
		o.x = -o.w / 2
		objs = append(objs, o)
		next = 10 + rng.IntN(9)
	}
	step := func() {
		kept := objs[:0]
		for _, o := range objs {
			o.x += o.vx
			o.y += o.vy
			if !o.gone(fw, fh) {
				kept = append(kept, o)
			}
		}
		objs = kept
	}
	for range int(fw/(scale*speedMin)) + 10 {
		arrival()
		step()
	}

	var ab *object
	res := Result{Name: c.Name, First: -1, Last: -1}
	frames := make([]*image.Gray, 0, c.Frames)
	off := make([]float64, w*h)
	for t := 0; t < c.Frames; t++ {
		arrival()
		if c.Anomaly != Normal && t == c.Enter {
			ab = s.abnormal(c.Anomaly, objs, newNormal)
			if ab == nil {
				return Result{}, fmt.Errorf("clip %s: no walker in view at frame %d to turn %v", c.Name, c.Enter, c.Anomaly)
			}
			if c.Anomaly == Large {
				objs = append(objs, ab)
			}
		}

		clear(off)
		for _, o := range objs {
			o.render(off, w, h)
		}
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i, v := range off {
			v += bg[i] + noiseSigma*rng.NormFloat64()
			img.Pix[i] = uint8(math.Round(math.Max(0, math.Min(255, v))))
		}
		frames = append(frames, img)
		if ab != nil && ab.visible(fw, fh) {
			if res.First < 0 {
				res.First = t
			}
			res.Last = t
		}
		step()
	}
	res.Frames = frames
	if c.Anomaly != Normal && res.First < 0 {
		return Result{}, fmt.Errorf("clip %s: abnormal object never in view (enter %d, %d frames)", c.Name, c.Enter, c.Frames)
	}
	return res, nil
}

// abnormal makes the clip's abnormal object at the frame it appears. The
// motion anomalies are a walker already in view that changes its motion
// (so the number of objects in view does not change, and neither does the
// frame's energy much): it starts to run along the flow, turns back, or
// turns to cross the walkway. The large object is a new arrival.
func (s Scene) abnormal(k Kind, objs []*object, newNormal func(float64) *object) *object {
	fw, fh := float64(s.Width), float64(s.Height)
	scale := fw / 96
	if k == Large {
		o := newNormal(0)
		o.w *= largeFactor
		o.h *= largeFactor
		o.x = -o.w / 2
		o.y = (walkTop + walkBottom) / 2 * fh
		o.abnorm = true
		return o
	}
	// The walker nearest a point that leaves it a good stretch of frame
	// to misbehave in.
	target := map[Kind]float64{Fast: 0.2, Against: 0.65, Across: 0.5}[k] * fw
	var o *object
	for _, c := range objs {
		if c.x < c.w/2 || c.x > fw-c.w/2 {
			continue // not wholly in view
		}
		if o == nil || math.Abs(c.x-target) < math.Abs(o.x-target) {
			o = c
		}
	}
	if o == nil {
		return nil
	}
	switch k {
	case Fast:
		o.vx = scale * fastSpeed
	case Against:
		o.vx = -o.vx
	case Across:
		// Leave by the nearer edge of the walkway, onto the grass.
		o.vy = o.vx
		if o.y < (walkTop+walkBottom)/2*fh {
			o.vy = -o.vy
		}
		o.vx = 0
	}
	o.abnorm = true
	return o
}

// visible reports whether any of the object's body overlaps the frame.
func (o *object) visible(fw, fh float64) bool {
	return o.x+o.w/2 > 0 && o.x-o.w/2 < fw && o.y+o.h/2 > 0 && o.y-o.h/2 < fh
}

// gone reports whether the object and its trail are out of view and moving
// away, so it can never be seen again.
func (o *object) gone(fw, fh float64) bool {
	tx, ty := o.x-trailLen*o.vx, o.y-trailLen*o.vy
	left := o.vx >= 0 && math.Min(o.x, tx)-o.w/2 > fw || o.vx <= 0 && math.Max(o.x, tx)+o.w/2 < 0
	vert := o.vy >= 0 && math.Min(o.y, ty)-o.h/2 > fh || o.vy <= 0 && math.Max(o.y, ty)+o.h/2 < 0
	if o.vy == 0 {
		return left && o.vx != 0
	}
	if o.vx == 0 {
		return vert
	}
	return left || vert
}

// render draws the object into off, the layer of offsets from the
// background: a soft ellipse at full contrast, and fainter copies at the
// positions of the last few frames (the trail).
func (o *object) render(off []float64, w, h int) {
	for k := trailLen; k >= 0; k-- {
		cx, cy := o.x-float64(k)*o.vx, o.y-float64(k)*o.vy
		a := math.Pow(trailDecay, float64(k))
		o.ellipse(off, w, h, cx, cy, a)
	}
}

// ellipse draws offset delta*a inside the ellipse, keeping whichever of
// this and what is already drawn is stronger, so overlapping trails and
// bodies never add up to more than one body's contrast (occlusion, not
// transparency). The rim is antialiased over about a pixel.
func (o *object) ellipse(off []float64, w, h int, cx, cy, a float64) {
	rx, ry := o.w/2, o.h/2
	x0, x1 := int(math.Floor(cx-rx-1)), int(math.Ceil(cx+rx+1))
	y0, y1 := int(math.Floor(cy-ry-1)), int(math.Ceil(cy+ry+1))
	for y := max(0, y0); y <= min(h-1, y1); y++ {
		for x := max(0, x0); x <= min(w-1, x1); x++ {
			dx, dy := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
			r := math.Sqrt(dx*dx + dy*dy)
			// Coverage falls from 1 to 0 across about one pixel at the rim.
			cov := math.Max(0, math.Min(1, (1-r)*math.Min(rx, ry)+0.5))
			if v := o.delta * a * cov; math.Abs(v) > math.Abs(off[y*w+x]) {
				off[y*w+x] = v
			}
		}
	}
}
