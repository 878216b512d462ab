// Package synth generates the synthetic walkway scene that stae's tests and
// examples train and score on, so that the project never needs a real
// dataset to exercise the whole pipeline.
//
// The scene is a fixed camera, square frames, over a textured, slightly
// noisy background: grass above and below a paved walkway. Normal traffic is
// a few walkers, all moving steadily left to right along three lanes of the
// walkway. A walker is drawn so that the direction and speed of its motion
// show in every single frame, at a size the model sees after resizing to
// about 51x51:
//
//   - its body is split across its direction of motion: the front half
//     bright, the back half dark (a walker has a visible front);
//   - behind it a dark motion streak (the body smeared over the last few
//     frames, fading), whose length is proportional to its speed.
//
// Abnormal clips have one abnormal object:
//
//   - Fast: a walker in view starts to run along the flow, three to four
//     times faster than anyone else (and its streak grows to match);
//   - Against: a walker in view turns back against the flow (its front and
//     streak flip sides);
//   - Across: a walker in view turns off its lane to cross the walkway and
//     leave over the grass (its front and streak turn vertical);
//   - Large: an object about three times the normal size walks in, at a
//     normal speed.
//
// The first three keep the number of objects in view and their size and
// contrast, so a score from one frame's energy alone does poorly on them;
// only the shape that motion gives an object tells them apart. The fourth
// is an appearance anomaly.
//
// Everything is deterministic given the seeds: the same Scene and Clip give
// the same frames, byte for byte.
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

// DefaultScene is the scene the committed test data uses: 64x64, square so
// that resizing to the model's square input keeps shapes, and small enough
// to train on in a minute or two.
var DefaultScene = Scene{Width: 64, Height: 64, Seed: 1}

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

// Scene geometry as fractions of the frame height (vertical) or width
// (horizontal). Walkers are about a seventh of the frame high, so they stay
// six to eight pixels tall after resizing to the model's 43-59 px input.
const (
	walkTop     = 0.28
	walkBottom  = 0.82
	objHeight   = 0.14 // normal object height / frame height
	objAspect   = 0.65 // width / height
	largeFactor = 3.0
	noiseSigma  = 2.0 // per-frame sensor noise, gray levels
	// contrast of a walker's dark back and streak, and of its bright front,
	// against the background in gray levels
	darkDelta   = -70
	brightDelta = 60
	// shutter is how many frames of motion the streak shows; streakFade is
	// its contrast at the far end relative to the body's.
	shutter    = 3.0
	streakFade = 0.25
)

// lanes are the walkers' rows, as fractions of the frame height, and each
// lane's walking speed in frame widths per frame: a normal walker crosses
// the frame in 50-65 frames. Walkers in one lane keep about one speed
// (laneJitter either way), so that they never catch up with each other.
// The lanes are further apart than a walker is tall, so walkers in
// neighbouring lanes pass each other without touching.
var lanes = [...]struct{ y, speed float64 }{
	{0.38, 1.0 / 64},
	{0.55, 1.15 / 64},
	{0.72, 1.3 / 64},
}

const (
	laneJitter = 0.04 / 64
	speedMin   = 1.0/64 - laneJitter
	fastSpeed  = 4.0 / 64
)

type object struct {
	x, y   float64 // centre
	vx, vy float64 // pixels per frame
	w, h   float64 // full extent of the body
	gain   float64 // contrast multiplier, about 1
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
				base = 140 // paving
				// Paving joints: darker lines every 12 px across, and the
				// walkway's edges.
				if (x+3)%12 == 0 || y == top || y == bot-1 {
					base -= 15
				}
			}
			v := base + 18*coarse[y*w+x] + 8*fine[y*w+x] + 3*(rng.Float64()*2-1)
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
	bg := s.Background()
	rng := rand.New(rand.NewPCG(c.Seed, uint64(c.Anomaly)))

	oh := objHeight * fh
	lastLane := -1
	newNormal := func() *object {
		// Never the lane of the last arrival, so that walkers in a lane
		// are at least two arrivals apart and never overlap.
		lane := rng.IntN(len(lanes) - 1)
		if lastLane >= 0 && lane >= lastLane {
			lane++
		}
		lastLane = lane
		sz := 0.92 + 0.16*rng.Float64()
		o := &object{
			vx:   fw * (lanes[lane].speed + (rng.Float64()*2-1)*laneJitter),
			h:    oh * sz,
			w:    oh * sz * objAspect,
			gain: 0.9 + 0.2*rng.Float64(),
		}
		o.x = -o.w / 2
		o.y = lanes[lane].y*fh + (rng.Float64()*2-1)*0.003*fh
		return o
	}

	// Traffic: a new walker arrives at the left edge every 14-20 frames,
	// which keeps three or four in view. Regular arrivals keep the number
	// in view steady, and the clip starts after a warm-up long enough for
	// the first arrivals to have crossed, so the crowd has no trend over
	// the clip: a trend would let frame energy alone find anomalies late in
	// a clip.
	var objs []*object
	next := 0
	arrival := func() {
		if next > 0 {
			next--
			return
		}
		objs = append(objs, newNormal())
		next = 14 + rng.IntN(7)
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
	for range int(math.Ceil(1/speedMin)) + 20 {
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
func (s Scene) abnormal(k Kind, objs []*object, newNormal func() *object) *object {
	fw, fh := float64(s.Width), float64(s.Height)
	if k == Large {
		o := newNormal()
		o.w *= largeFactor
		o.h *= largeFactor
		o.x = -o.w / 2
		o.y = (walkTop + walkBottom) / 2 * fh
		o.abnorm = true
		return o
	}
	// The walker nearest a point that leaves it a good stretch of frame
	// to misbehave in.
	target := map[Kind]float64{Fast: 0.2, Against: 0.7, Across: 0.5}[k] * fw
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
		o.vx = fw * fastSpeed
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

// gone reports whether the object and its streak are out of view and
// moving away, so it can never be seen again.
func (o *object) gone(fw, fh float64) bool {
	tx, ty := o.x-shutter*o.vx, o.y-shutter*o.vy
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
// background: the dark streak (the body's positions over the last shutter
// frames, fading with age), then the body, its back half dark and its front
// half bright.
func (o *object) render(off []float64, w, h int) {
	speed := math.Hypot(o.vx, o.vy)
	if speed == 0 {
		o.body(off, w, h, o.x, o.y, 1, 0, 0)
		return
	}
	ux, uy := o.vx/speed, o.vy/speed
	// Samples every half pixel along the streak, oldest first, so that
	// newer (stronger) samples win where they overlap.
	n := int(math.Ceil(2 * shutter * speed))
	for i := n; i >= 1; i-- {
		f := float64(i) / float64(n) // 1 at the streak's far end
		a := 1 - (1-streakFade)*f
		cx, cy := o.x-f*shutter*o.vx, o.y-f*shutter*o.vy
		o.ellipse(off, w, h, cx, cy, darkDelta*o.gain*a, 0, 0)
	}
	o.body(off, w, h, o.x, o.y, 1, ux, uy)
}

// body draws the body at (cx, cy): dark behind the line through its centre
// across the direction (ux, uy), bright in front of it. A zero direction
// draws it all dark.
func (o *object) body(off []float64, w, h int, cx, cy, a, ux, uy float64) {
	o.ellipse(off, w, h, cx, cy, darkDelta*o.gain*a, 0, 0)
	if ux != 0 || uy != 0 {
		o.ellipse(off, w, h, cx, cy, brightDelta*o.gain*a, ux, uy)
	}
}

// ellipse draws offset delta inside the object's ellipse centred on
// (cx, cy) (only its front half, ahead of the centre along (ux, uy), unless
// that is zero), keeping whichever of this and what is already drawn is
// stronger (for the bright front: replacing it), so overlapping bodies and
// streaks never add up to more than one body's contrast (occlusion, not
// transparency). Rims are antialiased over about a pixel.
func (o *object) ellipse(off []float64, w, h int, cx, cy, delta, ux, uy float64) {
	rx, ry := o.w/2, o.h/2
	half := ux != 0 || uy != 0
	x0, x1 := int(math.Floor(cx-rx-1)), int(math.Ceil(cx+rx+1))
	y0, y1 := int(math.Floor(cy-ry-1)), int(math.Ceil(cy+ry+1))
	for y := max(0, y0); y <= min(h-1, y1); y++ {
		for x := max(0, x0); x <= min(w-1, x1); x++ {
			px, py := float64(x)+0.5-cx, float64(y)+0.5-cy
			dx, dy := px/rx, py/ry
			r := math.Sqrt(dx*dx + dy*dy)
			// Coverage falls from 1 to 0 across about one pixel at the rim.
			cov := math.Max(0, math.Min(1, (1-r)*math.Min(rx, ry)+0.5))
			if half {
				// and across about a pixel at the dividing line
				cov *= math.Max(0, math.Min(1, px*ux+py*uy+0.5))
			}
			if cov == 0 {
				continue
			}
			v := delta * cov
			i := y*w + x
			if half {
				off[i] = off[i]*(1-cov) + v
			} else if math.Abs(v) > math.Abs(off[i]) {
				off[i] = v
			}
		}
	}
}
