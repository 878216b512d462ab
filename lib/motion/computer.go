// The streaming computer: one video's frames in, [C,H,W] planes out, with
// the previous frame kept for the difference and the flow.

package motion

import (
	"errors"
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// Farneback's parameters: the classic ones, as in OpenCV's own dense-flow
// sample (samples/python/opt_flow.py). A pyramid of 3 levels, each half the
// size of the one above, follows motions of several pixels at 180x120; a
// 15-pixel averaging window and 3 iterations per level trade detail for
// stability; poly_n 5 fits each pixel's neighbourhood with a polynomial
// weighted by a Gaussian of sigma 1.2 (OpenCV suggests about 1.1 for 5);
// flags 0: no initial flow, a box rather than a Gaussian window.
const (
	FarnebackPyrScale   = 0.5
	FarnebackLevels     = 3
	FarnebackWindow     = 15
	FarnebackIterations = 3
	FarnebackPolyN      = 5
	FarnebackPolySigma  = 1.2
	FarnebackFlags      = 0
)

// DefaultFlowWidth is the width flow is computed at when Config leaves the
// working size open: Ped2's 360x240 becomes 180x120, where flow energy
// scored 92.2 frame-level AUC on Ped2. Frames narrower than this keep
// their own size: flow is never computed on an enlarged frame.
const DefaultFlowWidth = 180

// Errors a caller may test for with errors.Is.
var (
	ErrBadSize     = errors.New("size must be positive")
	ErrSizeChanged = errors.New("frame size changed within a video (Reset between videos)")
	ErrClosed      = errors.New("computer is closed")
)

// Config says what to compute.
type Config struct {
	// Channels are the planes to produce, in this order.
	Channels []Channel
	// Width and Height are the output size of every plane.
	Width, Height int
	// FlowWidth and FlowHeight are the working size Farneback runs at,
	// before its flow is resized to the output size. Both 0: the source
	// frame downscaled to DefaultFlowWidth keeping its aspect. One 0: that
	// side follows from the other, keeping the source's aspect. Only used
	// with the Flow channel.
	FlowWidth, FlowHeight int
}

// FlowSize is the working size Farneback runs at for srcW x srcH frames
// under cfg (see Config.FlowWidth).
func (cfg Config) FlowSize(srcW, srcH int) (w, h int) {
	w, h = cfg.FlowWidth, cfg.FlowHeight
	aspect := func(n, from, to int) int { return max(1, int(math.Round(float64(n)*float64(to)/float64(from)))) }
	switch {
	case w > 0 && h > 0:
	case w > 0:
		h = aspect(w, srcW, srcH)
	case h > 0:
		w = aspect(h, srcH, srcW)
	default:
		w = min(DefaultFlowWidth, srcW)
		h = aspect(w, srcW, srcH)
	}
	return w, h
}

// Computer turns a video's gray frames, given one at a time in order, into
// [C,H,W] planes. It is not safe for concurrent use; use one per stream of
// frames. Close it to free its OpenCV buffers.
//
// Input: each frame is gray [0,1], row-major, at any size (best the
// source's own): the computer resizes it to the output size for Gray and
// Diff and, separately, to the flow working size for Flow, so the flow
// sees the source's detail rather than a frame already squeezed to the
// model's (often non-square) size. Frames already at the output size are
// used as they are. Resizing follows lib/video: INTER_AREA when shrinking
// in both directions, bilinear otherwise.
type Computer struct {
	cfg      Config
	planes   int
	gray     int // plane offsets, -1 when absent
	diff     int
	flowOff  int
	needPrev bool // Diff wants the previous output-size frame
	out      []float32
	cur      []float32 // this frame at the output size
	prev     []float32 // the previous frame at the output size
	started  bool
	closed   bool
	srcW     int // this video's source size
	srcH     int
	workW    int // this video's flow working size
	workH    int

	src     gocv.Mat    // the input frame, [0,1], CV_32F
	small   gocv.Mat    // the input resized to the output size
	work    [2]gocv.Mat // frames t-1 and t at the working size, 0..255
	wcur    int         // index of frame t in work
	flow    gocv.Mat    // Farneback's output at the working size, CV_32FC2
	flowOut gocv.Mat    // flow resized to the output size
}

// NewComputer checks cfg and makes a computer for it.
func NewComputer(cfg Config) (*Computer, error) {
	if err := Validate(cfg.Channels); err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("output size %dx%d: %w", cfg.Width, cfg.Height, ErrBadSize)
	}
	if cfg.FlowWidth < 0 || cfg.FlowHeight < 0 {
		return nil, fmt.Errorf("flow size %dx%d: %w", cfg.FlowWidth, cfg.FlowHeight, ErrBadSize)
	}
	cfg.Channels = append([]Channel(nil), cfg.Channels...)
	n := cfg.Width * cfg.Height
	c := &Computer{
		cfg:     cfg,
		planes:  Planes(cfg.Channels),
		gray:    Offset(cfg.Channels, Gray),
		diff:    Offset(cfg.Channels, Diff),
		flowOff: Offset(cfg.Channels, Flow),
		cur:     make([]float32, n),
		src:     gocv.NewMat(),
		small:   gocv.NewMat(),
		work:    [2]gocv.Mat{gocv.NewMat(), gocv.NewMat()},
		flow:    gocv.NewMat(),
		flowOut: gocv.NewMat(),
	}
	c.out = make([]float32, c.planes*n)
	if c.diff >= 0 {
		c.needPrev = true
		c.prev = make([]float32, n)
	}
	return c, nil
}

// Channels are the channels the computer produces, in plane order.
func (c *Computer) Channels() []Channel { return append([]Channel(nil), c.cfg.Channels...) }

// Planes is the C of the [C,H,W] planes Next returns.
func (c *Computer) Planes() int { return c.planes }

// FlowSize is the working size flow is computed at for the current video,
// known from its first frame; 0, 0 before it.
func (c *Computer) FlowSize() (w, h int) { return c.workW, c.workH }

// Reset starts a new video: the next frame is a first frame (difference
// and flow 0) and may have a different size.
func (c *Computer) Reset() {
	c.started = false
	c.srcW, c.srcH, c.workW, c.workH = 0, 0, 0, 0
}

// Close frees the OpenCV buffers. The computer cannot be used after it.
func (c *Computer) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	for _, m := range []*gocv.Mat{&c.src, &c.small, &c.work[0], &c.work[1], &c.flow, &c.flowOut} {
		if err := m.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Next takes the video's next frame, gray [0,1] of w x h row-major, and
// returns its planes, [C,H,W] at the output size in the order of
// Config.Channels. The slice is the computer's own, overwritten by the next
// call: copy what must outlive it. All frames of a video must have one
// size.
func (c *Computer) Next(frame []float32, w, h int) ([]float32, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("frame size %dx%d: %w", w, h, ErrBadSize)
	}
	if len(frame) != w*h {
		return nil, fmt.Errorf("frame of %d values, want %dx%d = %d", len(frame), w, h, w*h)
	}
	first := !c.started
	if first {
		c.srcW, c.srcH = w, h
		if c.flowOff >= 0 {
			c.workW, c.workH = c.cfg.FlowSize(w, h)
		}
	} else if w != c.srcW || h != c.srcH {
		return nil, fmt.Errorf("frame %dx%d after %dx%d: %w", w, h, c.srcW, c.srcH, ErrSizeChanged)
	}

	if err := c.toOutput(frame, w, h); err != nil {
		return nil, err
	}
	if c.flowOff >= 0 {
		if err := c.nextFlow(frame, w, h, first); err != nil {
			return nil, err
		}
	}

	size := c.cfg.Width * c.cfg.Height
	if c.gray >= 0 {
		copy(c.out[c.gray*size:], c.cur)
	}
	if c.diff >= 0 {
		d := c.out[c.diff*size : (c.diff+1)*size]
		if first {
			clear(d)
		} else {
			for i, x := range c.cur {
				d[i] = x - c.prev[i]
			}
		}
		c.cur, c.prev = c.prev, c.cur
	}
	c.started = true
	return c.out, nil
}

// toOutput puts the frame at the output size into c.cur.
func (c *Computer) toOutput(frame []float32, w, h int) error {
	if w == c.cfg.Width && h == c.cfg.Height {
		copy(c.cur, frame)
		return nil
	}
	if err := c.load(frame, w, h); err != nil {
		return err
	}
	gocv.Resize(c.src, &c.small, image.Pt(c.cfg.Width, c.cfg.Height), 0, 0, interp(w, h, c.cfg.Width, c.cfg.Height))
	return copyOut(c.cur, c.small, "resized frame")
}

// load copies the frame into c.src, (re)allocating it for a new size.
func (c *Computer) load(frame []float32, w, h int) error {
	if c.src.Cols() != w || c.src.Rows() != h || c.src.Type() != gocv.MatTypeCV32F {
		c.src.Close()
		c.src = gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F)
	}
	data, err := c.src.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("frame buffer: %w", err)
	}
	copy(data, frame)
	return nil
}

// nextFlow makes frame t at the working size and, past the first frame,
// the flow from frame t-1 into the output's flow planes.
func (c *Computer) nextFlow(frame []float32, w, h int, first bool) error {
	size := c.cfg.Width * c.cfg.Height
	dx := c.out[c.flowOff*size : (c.flowOff+1)*size]
	dy := c.out[(c.flowOff+1)*size : (c.flowOff+2)*size]

	// Skip reloading when toOutput has just loaded this frame.
	if w == c.cfg.Width && h == c.cfg.Height {
		if err := c.load(frame, w, h); err != nil {
			return err
		}
	}
	c.wcur = 1 - c.wcur
	cur := &c.work[c.wcur]
	// Farneback's solver adds a small constant to a determinant built from
	// squared intensities, so it expects 0..255 gray levels: at [0,1] the
	// constant would dominate and shrink the flow.
	if w == c.workW && h == c.workH {
		c.src.ConvertToWithParams(cur, gocv.MatTypeCV32F, 255, 0)
	} else {
		gocv.Resize(c.src, cur, image.Pt(c.workW, c.workH), 0, 0, interp(w, h, c.workW, c.workH))
		cur.MultiplyFloat(255)
	}
	if first {
		clear(dx)
		clear(dy)
		return nil
	}
	gocv.CalcOpticalFlowFarneback(c.work[1-c.wcur], *cur, &c.flow,
		FarnebackPyrScale, FarnebackLevels, FarnebackWindow, FarnebackIterations,
		FarnebackPolyN, FarnebackPolySigma, FarnebackFlags)
	f := c.flow
	if c.workW != c.cfg.Width || c.workH != c.cfg.Height {
		gocv.Resize(c.flow, &c.flowOut, image.Pt(c.cfg.Width, c.cfg.Height), 0, 0, interp(c.workW, c.workH, c.cfg.Width, c.cfg.Height))
		f = c.flowOut
	}
	xy, err := f.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	if len(xy) != 2*size {
		return fmt.Errorf("flow of %d values, want 2x%d", len(xy), size)
	}
	// A displacement of one working pixel spans outW/workW output pixels.
	sx := float32(c.cfg.Width) / float32(c.workW)
	sy := float32(c.cfg.Height) / float32(c.workH)
	for i := range dx {
		dx[i] = xy[2*i] * sx
		dy[i] = xy[2*i+1] * sy
	}
	return nil
}

// interp is lib/video's choice: INTER_AREA averages the pixels each output
// pixel covers and so does not alias when shrinking, but acts like
// nearest-neighbour when enlarging, where bilinear is used instead.
func interp(fromW, fromH, toW, toH int) gocv.InterpolationFlags {
	if toW > fromW || toH > fromH {
		return gocv.InterpolationLinear
	}
	return gocv.InterpolationArea
}

// copyOut copies a continuous CV_32F Mat of len(dst) values into dst.
func copyOut(dst []float32, m gocv.Mat, what string) error {
	data, err := m.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(data) != len(dst) {
		return fmt.Errorf("%s of %d values, want %d", what, len(data), len(dst))
	}
	copy(dst, data)
	return nil
}
