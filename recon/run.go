// run.go: the recon tool's flags, the checks of the stream against the
// model, and the per-video accumulation of frame errors.

package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"stae/lib/metrics"
	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/progress"
	"stae/lib/render"
	"stae/lib/stream"
	"stae/lib/tool"
)

const description = `Reads a volume stream (from volumes) on stdin, reconstructs each volume with
the model in --model, and writes an error stream on stdout: one record per
frame with its squared L2 reconstruction error (and with --maps the
per-pixel error map). Where several windows cover a frame, its error map is
the mean over them (--frame-error mean) or taken from the window ending on
it (last). --error region:N scores a frame by its worst N x N region (mean
squared error, windows every N/2 pixels) instead of the whole-frame sum, so
one small fast object is not drowned by many small errors elsewhere.
--baseline needs no model: it scores each normalised frame against zero,
the no-model reference every result should be read beside.

--regions K adds to each record where its error is: the worst K
non-overlapping N x N windows (N from --error region:N, else a quarter of
the frame's shorter side), as boxes {x, y, w, h, error} in the source's
pixels when frames recorded the source's size (else the model's; the
header's regions_grid says which grid).

--overlay draws each frame at the source's size and aspect: the source
frame itself when the stream carries its picture (frames --pictures), else
the normalised frame stretched to black..white; its error map as heat on
one scale per video, the --regions boxes outlined in cyan, and a
colour bar along the bottom from 0 to the video's largest squared error. A
name without extension (or an existing folder) is a folder of PNGs, written
whole; .mp4, .m4v, .mov (mp4v), .avi, .mkv (MJPG) one video file at the
source's frame rate (the header's fps, else 10).

The stream's frame size, planes and normalisation must be those the model
was trained on; recon refuses any other, saying which differs. A model
trained with --target next scores each predicted frame against the frame
it predicts (a video's first frame has none). Memory is bounded by one
batch and one video.

INPUT:  volume stream (msgpack or NDJSON),
` + tool.ConcatenatedHelp + `
OUTPUT: error stream (msgpack, or NDJSON with --json)

EXAMPLES:
   frames --stats stats.bin Test | volumes | recon --model model.stae | regscore

   # streaming use: each frame's error from the window ending on it
   ... | recon --model model.stae --frame-error last

   # the no-model baseline, scored by the worst 8x8 region
   frames --stats stats.bin Test | volumes | recon --baseline --error region:8`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("recon", "reconstruction error of each frame under a trained model", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "checkpoint written by fit (or --baseline)"},
		&cli.BoolFlag{Name: "baseline", Usage: "no model: score each normalised frame against zero (its energy), the reference a model must beat"},
		&cli.StringFlag{Name: "frame-error", Value: "mean", Usage: "mean: over the windows covering a frame; last: from the window ending on it"},
		&cli.StringFlag{Name: "error", Value: "sum", Usage: "sum: squared error summed over the frame (the paper); region:N: the worst N x N region's mean squared error"},
		&cli.BoolFlag{Name: "maps", Usage: "add each frame's per-pixel squared error map"},
		tool.IntFlag("regions", 0, 0, stream.MaxRegions, fmt.Sprintf("report each frame's worst K regions as boxes, 0 to %d", stream.MaxRegions)),
		&cli.StringFlag{Name: "overlay", Usage: "render each frame at the source's size with its error as heat, regions and a colour scale: a folder of PNGs (PATH/<video>/NNNNNN.png), or one video file (.mp4, .m4v, .mov, .avi, .mkv)"},
		tool.IntFlag("batch", 4, 1, maxBatch, fmt.Sprintf("volumes per graph run, 1 to %d", maxBatch)),
		tool.JSONFlag,
		tool.QuietFlag,
	}
	app.Action = tool.StdinOnly("recon", func(c *cli.Context) error {
		mode := c.String("frame-error")
		if mode != "mean" && mode != "last" {
			return tool.Usagef("--frame-error %q: want mean or last", mode)
		}
		region, err := parseErrorMode(c.String("error"))
		if err != nil {
			return tool.Usagef("--error: %v", err)
		}
		r := &recon{last: mode == "last", maps: c.Bool("maps"), batch: c.Int("batch"), region: region, regions: c.Int("regions")}
		switch {
		case c.Bool("baseline") && c.IsSet("model"):
			return tool.Usagef("--baseline scores without a model; drop --model")
		case c.Bool("baseline"):
		case !c.IsSet("model"):
			return tool.Usagef("--model is required (or --baseline)")
		default:
			if r.ck, err = checkpoint.Load(c.String("model")); err != nil {
				return fmt.Errorf("model: %w", err)
			}
		}
		if path := c.String("overlay"); path != "" {
			// The frame rate is the header's, set once it is read.
			if r.overlay, err = render.Open(path, defaultFPS); errors.Is(err, render.ErrNotSink) {
				return tool.Usagef("--overlay %v", err)
			} else if err != nil {
				return fmt.Errorf("--overlay: %w", err)
			}
		}
		err = r.run(c.Context, args, c.Bool("json"), c.Bool("quiet"), stdin, stdout, stderr)
		if r.overlay != nil {
			if err != nil {
				if a, ok := r.overlay.(interface{ Abort() }); ok {
					a.Abort() // no half-written video file
				}
			} else if err = r.overlay.Close(); err != nil {
				err = fmt.Errorf("--overlay: %w", err)
			}
		}
		return err
	})
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// defaultFPS is an overlay video's frame rate when the stream gives none.
const defaultFPS = 10

// maxBatch bounds --batch, and maxBatchBytes the volumes of one batch, so
// a batch's graph stays well inside memory.
const (
	maxBatch      = 256
	maxBatchBytes = 128 << 20
)

// parseErrorMode reads --error: "sum" gives 0, "region:N" gives N.
func parseErrorMode(s string) (int, error) {
	if s == "sum" {
		return 0, nil
	}
	if n, ok := strings.CutPrefix(s, "region:"); ok {
		size, err := strconv.Atoi(n)
		if err == nil && size >= 1 {
			return size, nil
		}
	}
	return 0, fmt.Errorf("%q: want sum or region:N with N a positive whole number of pixels", s)
}

// checkStream refuses a stream whose frames are not what the model was
// trained on.
func checkStream(h *stream.Header, trained checkpoint.Frame) error {
	// A stream without a frame size is checked for its normalisation only.
	f, err := h.FrameDesc()
	if err != nil && !errors.Is(err, stream.ErrMissingParam) {
		return err
	}
	return f.CheckTrainedOn(trained)
}

type recon struct {
	ck     *checkpoint.Checkpoint // nil for --baseline
	last   bool
	maps   bool
	batch  int
	region int // 0: whole-frame sum; else the side of the worst region

	regions    int // boxes reported per frame (--regions)
	boxSide    int // their side in model pixels
	srcW, srcH int // the source's frame size, 0 when the stream lacks it

	overlay render.Sink // pictures of frames with their error maps, or nil

	w     *stream.Writer
	meter *progress.Meter
	video string       // the video being reconstructed
	accs  map[int]*acc // its frames' errors so far
	// source: its frames' times and pictures, as the volumes gave them
	source map[int]sourceFrame
	// written: the video's frames up to this one are written (writeFinal)
	written int
	px      int // pixels of a plane
	planes  int // planes of a frame
	shape   []int

	tr        *model.Trainer // the whole net a volume, with perVolume
	st        *model.Stages  // each frame encoded once (once.go)
	perVolume bool           // every volume through the whole net, as before once.go
	enc       frameCache     // st's encoded frames of the current video
	feats     []float32      // the windows' features of one LSTM run, kept from batch to batch
}

// sourceFrame is what a frame's volumes say of its source: its time, and
// its picture (frames --pictures) for --overlay.
type sourceFrame struct {
	timed   bool
	t       float64
	picture []byte
}

// acc gathers one frame's errors from the windows covering it.
type acc struct {
	sum    float64
	n      int
	ending bool      // taken from the window ending on the frame
	m      []float32 // summed error map
	x      []float32 // the frame itself, for --overlay
	boxes  []stream.Region
}

func (r *recon) run(ctx context.Context, args []string, asJSON, quiet bool, stdin io.Reader, stdout, stderr io.Writer) error {
	in, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindVolume)
	if err != nil {
		return err
	}
	mode := "mean"
	if r.last {
		mode = "last"
	}
	params := map[string]any{"frame_error": mode, "error": errorModeName(r.region)}
	var c model.Config
	var frame stream.FrameDesc // what the volumes' frames are, checked
	if r.ck != nil {
		if err := checkStream(in.Header(), r.ck.Frame); err != nil {
			return err
		}
		params["model_digest"] = r.ck.Digest
		c, frame = r.ck.Model.Config, r.ck.Frame
	} else {
		params["model_digest"] = "baseline"
		f, errF := in.Header().FrameDesc()
		v, errV := in.Header().VolumeDesc()
		if err := errors.Join(errF, errV); err != nil {
			if errors.Is(err, stream.ErrMissingParam) {
				return fmt.Errorf("the volume stream's header does not give width, height and length")
			}
			return err
		}
		c.Width, c.Height, c.Length = f.Width, f.Height, v.Length
		if f.Planes() > 1 {
			c.Channels = f.Planes()
		}
		frame = f
	}
	// Where the frames came from: the source's size for regions and
	// overlays, its frame rate for an overlay video.
	src, _ := in.Header().FrameDesc()
	if src.SourceWidth > 0 && src.SourceHeight > 0 {
		r.srcW, r.srcH = src.SourceWidth, src.SourceHeight
	}
	if v, ok := r.overlay.(*render.VideoFile); ok {
		if fps, ok := in.Header().ParamFloat("fps"); ok && fps > 0 {
			v.FPS = fps
		}
	}
	if r.regions > 0 {
		r.boxSide = r.region
		if r.boxSide == 0 {
			r.boxSide = max(1, min(c.Width, c.Height)/4)
		}
		gw, gh := c.Width, c.Height
		if r.srcW > 0 {
			gw, gh = r.srcW, r.srcH
		}
		params["regions"], params["region_side"], params["regions_grid"] = r.regions, r.boxSide, fmt.Sprintf("%dx%d", gw, gh)
	}
	hdr := stream.NewHeader(stream.KindError, in.Header(), tool.Stage("recon", args, params))
	if r.w, err = stream.NewWriter(stdout, hdr, asJSON); err != nil {
		return err
	}
	r.px, r.planes, r.shape = c.Height*c.Width, c.InChannels(), []int{c.Height, c.Width}
	if vb := 4 * c.VolumeFrames() * r.planes * r.px; vb <= 0 || r.batch*vb > maxBatchBytes {
		return tool.Usagef("--batch %d: %d volumes of %s take %d MB, more than %d MB: use a smaller --batch",
			r.batch, r.batch, stream.ShapeString(append([]int{c.VolumeFrames()}, frame.Shape()...)), r.batch*vb>>20, maxBatchBytes>>20)
	}
	// A frame is [H, W], or [C, H, W] once its planes are named (even
	// one: a diff-only stream), as frames wrote it.
	want := append([]int{c.VolumeFrames()}, frame.Shape()...)
	switch {
	case r.ck != nil && r.perVolume:
		r.tr = model.NewTrainer(r.ck.Model, 0, r.batch)
		defer r.tr.Close()
	case r.ck != nil:
		if r.st, err = model.NewStages(r.ck.Model, r.batch); err != nil {
			return err
		}
		defer r.st.Close()
	}
	r.accs = map[int]*acc{}
	r.meter = progress.New(stderr, "recon", "volumes", 0, quiet)
	// Batches run across video boundaries, --batch volumes each in stream
	// order: the graph's arithmetic differs in the last bits with the
	// batch's size, so batches cut at each video would change the errors.
	// A video's frames are written once the first volume of the next one
	// has been reconstructed (process), or at the end. Memory holds one
	// batch of volumes and one video's frame errors.
	// A live stream never ends a video, so frames are written as soon as
	// no later window can cover them: span is the widest window's frames
	// (0: unknown, and each video is written when it ends).
	span := 0
	if vd, err := in.Header().VolumeDesc(); err == nil {
		span = (vd.Length-1)*slices.Max(append([]int{1}, vd.Strides...)) + 1
	}
	videos := stream.NewVideoReader[*stream.Volume](ctx, in)
	var pending []*stream.Volume
	for videos.NextVideo() {
		for v, ok := videos.Next(); ok; v, ok = videos.Next() {
			if !slices.Equal(v.Shape, want) {
				return fmt.Errorf("volume %d: shape %s, the model takes %s", in.Count(), stream.ShapeString(v.Shape), stream.ShapeString(want))
			}
			pending = append(pending, v)
			if len(pending) == r.batch {
				if err := r.process(pending); err != nil {
					return err
				}
				if err := r.writeFinal(pending[len(pending)-1], span); err != nil {
					return err
				}
				r.meter.Add(len(pending))
				pending = pending[:0]
			}
		}
	}
	if err := videos.Err(); err != nil {
		return err
	}
	if err := r.process(pending); err != nil {
		return err
	}
	r.meter.Add(len(pending))
	if err := r.flush(); err != nil {
		return err
	}
	r.meter.Done()
	return r.w.Close()
}

// process reconstructs a batch and adds each volume's frame errors.
func (r *recon) process(vs []*stream.Volume) error {
	if len(vs) == 0 {
		return nil
	}
	if r.st != nil {
		return r.processOnce(vs)
	}
	data := make([][]float32, len(vs))
	for i, v := range vs {
		data[i] = v.Data
	}
	var ferr error
	reconstruct := r.reconstructZero
	if r.tr != nil {
		reconstruct = r.tr.Reconstruct
	}
	err := reconstruct(data, func(i int, x, y []float32) {
		if ferr != nil {
			return
		}
		v := vs[i]
		if ferr = r.enter(v); ferr != nil {
			return
		}
		end := slices.Max(v.Frames)
		// The outputs stand for the volume's last frames: all of them, or
		// all but the first when each output predicts the next frame.
		fv := r.px * r.planes
		frames := v.Frames[len(v.Frames)-len(x)/fv:]
		for t, fn := range frames {
			r.add(fn, end, x[t*fv:(t+1)*fv], y[t*fv:(t+1)*fv])
		}
	})
	if err != nil {
		return err
	}
	return ferr
}

// enter writes out the video before v's when v starts another, and notes
// the times and pictures of v's frames.
func (r *recon) enter(v *stream.Volume) error {
	if v.Video != r.video {
		if err := r.flush(); err != nil {
			return err
		}
		r.video, r.written, r.source = v.Video, -1, map[int]sourceFrame{}
	}
	for i, fn := range v.Frames {
		if _, ok := r.source[fn]; ok || fn <= r.written {
			continue
		}
		var sf sourceFrame
		if v.Times != nil {
			sf.timed, sf.t = true, v.Times[i]
		}
		if v.Pictures != nil && r.overlay != nil {
			sf.picture = v.Pictures[i]
		}
		r.source[fn] = sf
	}
	return nil
}

// skips reports whether add passes over frame fn's output from a window
// ending on frame end, where seen says the frame has errors already and
// ending that they come from a window ending on it.
func (r *recon) skips(seen, ending bool, fn, end int) bool {
	// Last keeps the first window seen, unless this one ends on the frame.
	return r.last && seen && (ending || fn != end)
}

// add adds the error of output ys against target xs, frame fn's under a
// window ending on frame end.
func (r *recon) add(fn, end int, xs, ys []float32) {
	if fn <= r.written {
		return // written already (writeFinal): no later window may change it
	}
	var e float64
	for j := range xs {
		d := float64(ys[j] - xs[j])
		e += d * d
	}
	a := r.accs[fn]
	if a == nil {
		a = &acc{}
		r.accs[fn] = a
	}
	if r.skips(a.n > 0, a.ending, fn, end) {
		return
	}
	if r.last {
		a.sum, a.n, a.ending = 0, 0, fn == end
		clear(a.m)
	}
	a.sum += e
	a.n++
	if r.overlay != nil && a.x == nil {
		a.x = slices.Clone(xs[:r.px]) // the first plane
	}
	if r.maps || r.region > 0 || r.regions > 0 || r.overlay != nil {
		if a.m == nil {
			a.m = make([]float32, r.px)
		}
		// A pixel's error is summed over the planes.
		for j := range xs {
			d := ys[j] - xs[j]
			a.m[j%r.px] += d * d
		}
	}
}

// reconstructZero is the no-model baseline's "reconstruction": all zeros,
// so a frame's error is the energy of the normalised frame, its distance
// from the training mean image in units of the training deviation.
func (r *recon) reconstructZero(vols [][]float32, f func(i int, x, y []float32)) error {
	var zero []float32
	for i, x := range vols {
		if len(zero) != len(x) {
			zero = make([]float32, len(x))
		}
		f(i, x, zero)
	}
	return nil
}

func errorModeName(region int) string {
	if region == 0 {
		return "sum"
	}
	return fmt.Sprintf("region:%d", region)
}

// writeFinal writes, and flushes downstream, the current video's frames
// whose errors no later window can change, once v (the last volume
// processed; windows come in order of their last frame) has been added:
// with --frame-error last those up to v's last frame, with mean those
// more than span frames before it. Overlays draw a video on one heat
// scale, so with --overlay a video is still written when it ends.
func (r *recon) writeFinal(v *stream.Volume, span int) error {
	if span < 1 || r.overlay != nil || v.Video != r.video {
		return nil
	}
	limit := slices.Max(v.Frames)
	if !r.last {
		limit -= span
	}
	if err := r.writeFrames(limit); err != nil {
		return err
	}
	r.written = max(r.written, limit)
	return r.w.Flush()
}

// flush writes the current video's frames in order and forgets them.
func (r *recon) flush() error { return r.writeFrames(math.MaxInt) }

// writeFrames writes the current video's frames up to limit in order and
// forgets them.
func (r *recon) writeFrames(limit int) error {
	frames := make([]int, 0, len(r.accs))
	for f := range r.accs {
		if f <= limit {
			frames = append(frames, f)
		}
	}
	slices.Sort(frames)
	errMax := 0.0 // one heat scale per video keeps its frames comparable
	for _, f := range frames {
		a := r.accs[f]
		sf := r.source[f]
		rec := &stream.Error{Video: r.video, Frame: f, Error: a.sum / float64(a.n), Timed: sf.timed, T: sf.t}
		if a.m != nil {
			inv := 1 / float32(a.n)
			for j := range a.m {
				a.m[j] *= inv
			}
		}
		if r.region > 0 {
			e, err := metrics.WorstRegion(a.m, r.shape[0], r.shape[1], r.region)
			if err != nil {
				return err
			}
			rec.Error = e
		}
		if r.regions > 0 {
			bs, err := metrics.WorstRegions(a.m, r.shape[0], r.shape[1], r.boxSide, r.regions)
			if err != nil {
				return err
			}
			for _, b := range bs {
				if r.srcW > 0 {
					b = b.Scale(r.shape[1], r.shape[0], r.srcW, r.srcH)
				}
				a.boxes = append(a.boxes, stream.Region{X: b.X, Y: b.Y, W: b.W, H: b.H, Error: b.Error})
			}
			rec.Regions = a.boxes
		}
		if r.maps {
			rec.Shape, rec.Data = r.shape, a.m
		}
		if r.overlay != nil {
			for _, v := range a.m {
				errMax = max(errMax, float64(v))
			}
		}
		if err := r.w.Write(rec); err != nil {
			return err
		}
	}
	if r.overlay != nil {
		for _, f := range frames {
			a := r.accs[f]
			p := render.Picture{Gray: render.Tensor{Shape: r.shape, Data: a.x}, Err: render.Tensor{Shape: r.shape, Data: a.m},
				Width: r.srcW, Height: r.srcH}
			if pic := r.source[f].picture; pic != nil {
				photo, err := render.DecodePhoto(pic)
				if err != nil {
					return fmt.Errorf("%s frame %d: its picture: %w", r.video, f, err)
				}
				p.Photo = photo
			}
			for _, b := range a.boxes {
				p.Boxes = append(p.Boxes, image.Rect(b.X, b.Y, b.X+b.W, b.Y+b.H))
			}
			img, err := render.Draw(p, render.Options{ErrMax: errMax})
			if err != nil {
				return fmt.Errorf("%s frame %d: %w", r.video, f, err)
			}
			if err := r.overlay.Write(r.video, f, img); err != nil {
				return fmt.Errorf("--overlay: %w", err)
			}
		}
	}
	for _, f := range frames {
		delete(r.accs, f)
	}
	for f := range r.source {
		if f <= limit {
			delete(r.source, f)
		}
	}
	return nil
}
