// Decoding clips into gray [0,1] frames of one size: a producer walks the
// clips in order, workers decode and resize, and the caller receives the
// frames in order, with at most Window frames in flight.

package video

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"stae/lib/english"
)

// Frame is one decoded frame: gray, Width x Height, row-major, in [0,1].
type Frame struct {
	Video         string
	Index         int // 0-based within the video
	Width, Height int
	Data          []float32
	// FPS is its clip's frame rate as the container or device gives it;
	// 0 for image folders, or when unknown.
	FPS float64
	// Timed says T is the frame's time in seconds: a video file's
	// timestamp (its container's), a live source's capture clock from its
	// first frame; image folders have none.
	Timed bool
	T     float64
	// Picture is the source frame before resizing, as a JPEG (an image
	// folder's JPEG files as they are), when Options.Pictures.
	Picture []byte
}

// Options say how to decode.
type Options struct {
	// Width and Height are the size every frame is resized to, unless
	// Native is set.
	Width, Height int
	// Native keeps each frame at its source's size (optical flow is best
	// computed there, before resizing).
	Native bool
	// Workers decode and resize in parallel (default 2). Frames still
	// arrive in order.
	Workers int
	// Window bounds the frames decoded ahead of the one the caller is
	// waiting for (default 4 per worker), so memory does not grow with
	// the number of frames.
	Window int
	// Stdin is what a "-" clip reads (an encoded video).
	Stdin io.Reader
	// Pictures keeps each source frame as a JPEG in Frame.Picture.
	Pictures bool
}

// PictureQuality is the JPEG quality of the pictures Decode makes.
const PictureQuality = 90

// Errors a caller may test for with errors.Is.
var (
	ErrNotVideo = errors.New("not a video OpenCV can read")
	ErrNoFrames = errors.New("video has no frames")
	ErrCutShort = errors.New("video ends before the frames its file declares (cut short or damaged?)")
	ErrNotImage = errors.New("not an image OpenCV can read")
	ErrBadSize  = errors.New("frame size must be positive")
)

// job is one frame to make, or a clip-level error at that point of the
// sequence. Exactly one of path, raw and err is set.
type job struct {
	seq    int
	video  string
	index  int
	path   string   // image file to read
	raw    gocv.Mat // a video frame already decoded to gray (owned by the job)
	hasRaw bool
	colour gocv.Mat // the video frame as decoded, for its picture (owned by the job)
	hasCol bool
	fps    float64
	timed  bool
	t      float64
	err    error
}

// close frees the job's Mats.
func (j *job) close() {
	if j.hasRaw {
		j.raw.Close()
	}
	if j.hasCol {
		j.colour.Close()
	}
}

type result struct {
	seq int
	f   Frame
	err error
}

// Decode decodes clips in order and calls emit for every frame in order
// (clip by clip, frame by frame). It stops at the first error, after
// emitting every frame before it, and returns that error; an error from
// emit is returned as is.
//
// Each frame is emitted as soon as it and those before it are decoded:
// workers and the window only bound how far decoding runs ahead, so a live
// source's frames come out as they arrive.
func Decode(ctx context.Context, clips []Clip, opt Options, emit func(Frame) error) error {
	if !opt.Native && (opt.Width <= 0 || opt.Height <= 0) {
		return fmt.Errorf("%dx%d: %w", opt.Width, opt.Height, ErrBadSize)
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.Window <= 0 {
		opt.Window = 4 * opt.Workers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A token per frame in flight: taken by the producer before it makes a
	// job, returned once the caller has the frame.
	tokens := make(chan struct{}, opt.Window)
	jobs := make(chan job, opt.Window)
	results := make(chan result, opt.Window)

	go produce(ctx, clips, opt, tokens, jobs)
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := result{seq: j.seq, err: j.err}
				switch {
				case r.err != nil:
				case ctx.Err() != nil:
					// Cancelled: no frame, and the consumer must not
					// take the empty result for one.
					r.err = ctx.Err()
				default:
					r.f, r.err = work(j, opt)
				}
				j.close()
				results <- r
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// On return, stop the producer and let workers drain, so that no
	// goroutine or Mat outlives the call. A live source's read may block
	// in OpenCV until the sender sends again or FFmpeg's read timeout
	// (30 s), so a live read stopped early (interrupted, or emit failed)
	// does not wait for it: its goroutines end in the background.
	drain := func() {
		for range results {
		}
	}
	live := slices.ContainsFunc(clips, func(c Clip) bool { return c.Live != NotLive })
	defer func() {
		cancel()
		if live {
			go drain()
			return
		}
		drain()
	}()

	pending := map[int]result{}
	next := 0
	for {
		r, ok := pending[next]
		if !ok {
			select {
			case r, ok := <-results:
				if !ok {
					return ctx.Err() // only when cancelled: the producer ends every run with a result
				}
				pending[r.seq] = r
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		delete(pending, next)
		if r.err != nil {
			if errors.Is(r.err, errDone) {
				return nil
			}
			return r.err
		}
		if err := emit(r.f); err != nil {
			return err
		}
		<-tokens
		next++
	}
}

// errDone marks the end of the sequence, so the consumer knows every frame
// has arrived without counting them in advance.
var errDone = errors.New("done")

// produce sends one job per frame, in order, and finally an errDone job or
// the error that stopped it.
func produce(ctx context.Context, clips []Clip, opt Options, tokens chan struct{}, jobs chan<- job) {
	defer close(jobs)
	seq := 0
	send := func(j job) bool {
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			j.close()
			return false
		}
		j.seq = seq
		seq++
		jobs <- j // never blocks for long: jobs holds as many as there are tokens
		return true
	}
	for _, c := range clips {
		if c.Images != nil {
			for i, p := range c.Images {
				if !send(job{video: c.ID, index: i, path: p}) {
					return
				}
			}
			continue
		}
		if err := readVideo(ctx, c, opt, send); err != nil {
			send(job{err: err})
			return
		}
	}
	send(job{err: errDone})
}

// readVideo decodes a video file or live source sequentially (decoding
// cannot be split) and hands each frame, converted to gray, to send, with
// its time: the container's timestamp for a file, the capture clock for a
// live source.
func readVideo(ctx context.Context, c Clip, opt Options, send func(job) bool) error {
	var vc *gocv.VideoCapture
	if c.Live != NotLive {
		v, stop, err := openLive(ctx, c, opt.Stdin)
		if err != nil {
			return err
		}
		defer stop()
		vc = v
	} else {
		// FFmpeg only: it reads every common format, and the other
		// backends OpenCV would try on a file it cannot read (GStreamer,
		// image sequences) print pages of warnings on stderr.
		v, err := gocv.VideoCaptureFileWithAPI(c.Path, gocv.VideoCaptureFFmpeg)
		if err != nil {
			v.Close()
			return whyUnreadable(c.Path, ErrNotVideo)
		}
		vc = v
	}
	defer vc.Close()
	// A live stream's count is unknown (OpenCV gives a huge negative).
	declared := max(0, int(min(vc.Get(gocv.VideoCaptureFrameCount), 1<<40)))
	fps := vc.Get(gocv.VideoCaptureFPS)
	if !(fps > 0 && fps < 1e4) {
		fps = 0
	}
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	var start time.Time // the capture clock's zero: a live source's first frame
	clock := timestamps{}
	for vc.Read(&m) && !m.Empty() {
		j := job{video: c.ID, index: n, fps: fps}
		if c.Live != NotLive {
			if n == 0 {
				start = time.Now()
			}
			j.timed, j.t = true, 0
			if n > 0 {
				j.t = time.Since(start).Seconds()
			}
		} else {
			j.timed, j.t = clock.next(vc.Get(gocv.VideoCapturePosMsec) / 1000)
		}
		if opt.Pictures {
			j.colour, j.hasCol = m.Clone(), true
		}
		g := gocv.NewMat()
		switch m.Channels() {
		case 1:
			m.CopyTo(&g)
		case 3:
			gocv.CvtColor(m, &g, gocv.ColorBGRToGray)
		case 4:
			gocv.CvtColor(m, &g, gocv.ColorBGRAToGray)
		default:
			g.Close()
			j.close()
			return fmt.Errorf("%s: frame %d: %d channels: %w", c.Path, n, m.Channels(), ErrNotVideo)
		}
		j.raw, j.hasRaw = g, true
		if !send(j) {
			return ctx.Err()
		}
		n++
	}
	if c.Live != NotLive {
		return liveEnd(ctx, c, n, declared)
	}
	if n == 0 {
		return whyUnreadable(c.Path, ErrNoFrames)
	}
	// A half-copied file decodes its first part and then just ends. Some
	// containers only estimate their frame count from the duration, so a
	// small shortfall is tolerated.
	if missing := declared - n; missing > max(2, declared/50) {
		return fmt.Errorf("%s: decoded %d of %s: %w", c.Path, n, english.Frames(declared), ErrCutShort)
	}
	return nil
}

// liveEnd judges the end of a live source's frames: stdin's end is the
// video's, a stream's (or camera's) end is the sender stopping, unless it
// declared a length and reached it (an http URL of a video file).
func liveEnd(ctx context.Context, c Clip, n, declared int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case n == 0:
		return fmt.Errorf("%s: %w", c.Where(), ErrNoFrames)
	case c.Live == Stdin:
		return nil
	case declared > 0 && declared-n <= max(2, declared/50):
		return nil
	}
	return fmt.Errorf("%s: %w after %d frames (the sender stopped or went quiet)", c.Where(), ErrStreamEnded, n)
}

// whyUnreadable prefers the file system's reason (missing, permission
// denied, a folder) over OpenCV's silence.
func whyUnreadable(path string, fallback error) error {
	f, err := os.Open(path)
	if err != nil {
		return pathErr(path, err)
	}
	defer f.Close()
	if _, err := f.Read(make([]byte, 1)); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: empty file: %w", path, fallback)
		}
		return pathErr(path, err)
	}
	return fmt.Errorf("%s: %w", path, fallback)
}

// timestamps checks a file's frame times as its container gives them: a
// video whose times are missing, not finite or go backwards is untimed
// from there on.
type timestamps struct {
	last float64
	bad  bool
}

func (c *timestamps) next(t float64) (bool, float64) {
	if c.bad || math.IsNaN(t) || math.IsInf(t, 0) || t < 0 || t < c.last {
		c.bad = true
		return false, 0
	}
	c.last = t
	return true, t
}

// work makes one frame: read (for images), resize (unless native), scale
// to [0,1], and its picture when asked.
func work(j job, opt Options) (Frame, error) {
	w, h, native := opt.Width, opt.Height, opt.Native
	src := j.raw
	if !j.hasRaw {
		if err := checkPixels(j.path); err != nil {
			return Frame{}, err
		}
		src = gocv.IMRead(j.path, gocv.IMReadGrayScale)
		defer src.Close()
		if src.Empty() {
			return Frame{}, whyUnreadable(j.path, ErrNotImage)
		}
	}
	if native {
		w, h = src.Cols(), src.Rows()
	}
	data, err := toFloat(src, w, h)
	if err != nil {
		where := j.path
		if where == "" {
			where = fmt.Sprintf("%s frame %d", j.video, j.index)
		}
		return Frame{}, fmt.Errorf("%s: %w", where, err)
	}
	f := Frame{Video: j.video, Index: j.index, Width: w, Height: h, Data: data, FPS: j.fps, Timed: j.timed, T: j.t}
	if opt.Pictures {
		if f.Picture, err = picture(j); err != nil {
			return Frame{}, err
		}
	}
	return f, nil
}

// picture is a job's source frame as a JPEG: an image folder's JPEG file
// as it is, any other frame encoded at PictureQuality.
func picture(j job) ([]byte, error) {
	src := j.colour
	if !j.hasCol {
		if hasExt(j.path, []string{".jpg", ".jpeg"}) {
			b, err := os.ReadFile(j.path)
			if err != nil {
				return nil, pathErr(j.path, err)
			}
			return b, nil
		}
		src = gocv.IMRead(j.path, gocv.IMReadColor)
		defer src.Close()
		if src.Empty() {
			return nil, whyUnreadable(j.path, ErrNotImage)
		}
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, src, []int{gocv.IMWriteJpegQuality, PictureQuality})
	if err != nil {
		return nil, fmt.Errorf("%s frame %d: encoding its picture: %w", j.video, j.index, err)
	}
	defer buf.Close()
	return slices.Clone(buf.GetBytes()), nil
}

// scale255 maps a gray level to [0,1] by table: exact and cheap.
var scale255 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// toFloat resizes an 8-bit gray Mat to w x h and scales it to [0,1].
// Shrinking uses INTER_AREA, which averages the source pixels each output
// pixel covers and so does not alias the way bilinear sampling does when
// dropping pixels (360x240 -> 227x227 keeps 63 % of columns); enlarging
// (in either direction) uses bilinear interpolation, where INTER_AREA would
// act like nearest-neighbour.
func toFloat(src gocv.Mat, w, h int) ([]float32, error) {
	if src.Type() != gocv.MatTypeCV8UC1 {
		return nil, fmt.Errorf("mat type %v, want 8-bit gray", src.Type())
	}
	m := src
	if src.Cols() != w || src.Rows() != h {
		interp := gocv.InterpolationArea
		if w > src.Cols() || h > src.Rows() {
			interp = gocv.InterpolationLinear
		}
		dst := gocv.NewMat()
		defer dst.Close()
		gocv.Resize(src, &dst, image.Pt(w, h), 0, 0, interp)
		m = dst
	}
	if !m.IsContinuous() {
		c := m.Clone()
		defer c.Close()
		m = c
	}
	pix, err := m.DataPtrUint8()
	if err != nil {
		return nil, err
	}
	if len(pix) != w*h {
		return nil, fmt.Errorf("resized to %d pixels, want %d", len(pix), w*h)
	}
	out := make([]float32, w*h)
	for i, p := range pix {
		out[i] = scale255[p]
	}
	return out, nil
}
