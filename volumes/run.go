// run.go: the volumes tool's flags and its streaming cut of frames into
// windows.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"stae/lib/english"
	"stae/lib/progress"
	"stae/lib/stream"
	"stae/lib/tool"
	"stae/lib/window"
)

const description = `Reads a frame stream (from frames) on stdin and writes a volume stream on
stdout: each volume is --length frames of one video, shape [T, H, W] (or
[T, C, H, W] for frames of several planes), taken --strides apart, with
consecutive windows' first frames --hop apart.

Windows never cross from one video into the next, and each volume lists
the frame numbers it was made of. The paper trains on strides 1, 2 and 3
(more motion patterns from the same footage) and tests on stride 1.
Volumes are written in the order of their last frame, so only one window's
span of frames is held at a time; a video shorter than a window yields no
volume for that stride, and a note on stderr says so.

The stream carries each frame once (stream form version 2): a frame record
(with its time and picture when frames gave them), then a window record
for each volume that ends on it, naming its frames by number; at strides
1,2,3 it is about the size of the frame stream, where copying every frame
into each volume that holds it is up to 30 times larger. fit, recon and
inspect read either form and see the same volumes. --expand writes that
older form (each volume whole, no times or pictures), for tools that
predate version 2; windows spanning more than 1024 frames need it.

INPUT:  frame stream (msgpack or NDJSON)
OUTPUT: volume stream (msgpack, or NDJSON with --json)

EXAMPLES:
   # the paper's training volumes: strides 1, 2 and 3
   frames --stats stats.bin data/Train | volumes --strides 1,2,3 > train.volumes

   # test volumes viewed as JSON: frame records, then each window's frame numbers
   frames data/Test | volumes --json | head -3

   # each volume whole, its frames' data in it
   frames data/Test | volumes --expand --json | head -1`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("volumes", "cut a frame stream into volumes of T frames", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		tool.IntFlag("length", 10, 1, maxLength, fmt.Sprintf("frames per volume (T), 1 to %d", maxLength), "t"),
		&cli.StringFlag{Name: "strides", Value: "1", Usage: fmt.Sprintf("comma-separated skip strides, e.g. 1,2,3; each 1 to %d", maxStride)},
		tool.IntFlag("hop", 1, 1, maxHop, fmt.Sprintf("frames between the first frames of consecutive windows, 1 to %d", maxHop)),
		&cli.BoolFlag{Name: "expand", Usage: "write each volume whole, its frames copied into it (the stream form before version 2: no times or pictures)"},
		tool.JSONFlag,
		tool.QuietFlag,
	}
	app.Action = tool.StdinOnly("volumes", func(c *cli.Context) error {
		strides, err := parseInts(c.String("strides"))
		if err != nil {
			return tool.Usagef("--strides: %v", err)
		}
		spec := window.Spec{Length: c.Int("length"), Strides: strides, Hop: c.Int("hop")}
		if err := spec.Validate(); err != nil {
			return tool.Usagef("%v", err)
		}
		for _, st := range strides {
			if err := tool.CheckInt("--strides: stride", st, 1, maxStride); err != nil {
				return err
			}
		}
		return cut(c.Context, args, spec, c.Bool("expand"), c.Bool("json"), c.Bool("quiet"), stdin, stdout, stderr)
	})
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// Bounds of the flags: far above any useful window, and small enough that
// the frames a window spans stay countable.
const (
	maxLength = 1000
	maxStride = 1000
	maxHop    = 1 << 20
)

func parseInts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", part)
		}
		out = append(out, n)
	}
	if len(out) > maxStride {
		return nil, fmt.Errorf("%d strides: want at most %d", len(out), maxStride)
	}
	return out, nil
}

// checkVolumeSize refuses, before any work, volumes of frames of the
// given shape too large for a stream's tensor.
func checkVolumeSize(length int, frame []int) error {
	n := 4 * length
	for _, d := range frame {
		if d <= 0 || n > stream.MaxTensorBytes/d {
			return tool.Usagef("--length %d: volumes of %d frames of %s exceed the stream's %d MB limit on a tensor", length, length, stream.ShapeString(frame), stream.MaxTensorBytes>>20)
		}
		n *= d
	}
	return nil
}

// cutter holds the frames of the current video that a window may still use.
type cutter struct {
	spec   window.Spec
	w      *stream.Writer
	stderr io.Writer
	video  string
	next   int                   // the frame number expected next
	shape  []int                 // [H, W] of the stream's frames
	recent map[int]*stream.Frame // frame number -> frame, last MaxSpan only
	expand bool                  // volumes whole, not frames and windows
	order  stream.Order          // videos contiguous, frames increasing
	meter  *progress.Meter
}

func cut(ctx context.Context, args []string, spec window.Spec, expand, asJSON, quiet bool, stdin io.Reader, stdout, stderr io.Writer) error {
	desc := stream.VolumeDesc{Length: spec.Length, Strides: spec.Strides, Hop: spec.Hop}
	if _, err := desc.WindowSpan(); err != nil && !expand {
		return tool.Usagef("--length and --strides: %v", err)
	}
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindFrame)
	if err != nil {
		return err
	}
	h := stream.NewHeader(stream.KindVolume, r.Header(), tool.Stage("volumes", args, desc.Params()))
	if !expand {
		h.Version = stream.VersionWindows
	}
	w, err := stream.NewWriter(stdout, h, asJSON)
	if err != nil {
		return err
	}
	c := &cutter{spec: spec, w: w, stderr: stderr, expand: expand,
		meter: progress.New(stderr, "volumes", "volumes", 0, quiet)}
	// Without a frame description (a stream not made by frames) the first
	// frame's shape is the stream's.
	switch fd, err := r.Header().FrameDesc(); {
	case err == nil:
		c.shape = fd.Shape()
		if err := checkVolumeSize(spec.Length, c.shape); err != nil {
			return err
		}
	case !errors.Is(err, stream.ErrMissingParam):
		return err
	}
	if err := tool.Each(ctx, r, c.add); err != nil {
		return err
	}
	c.finishVideo()
	c.meter.Done()
	return w.Close()
}

func (c *cutter) add(f *stream.Frame) error {
	if c.shape == nil {
		if err := checkVolumeSize(c.spec.Length, f.Shape); err != nil {
			return err
		}
		c.shape = f.Shape
	}
	if !slices.Equal(f.Shape, c.shape) {
		return fmt.Errorf("%s frame %d: shape %s does not match the stream's %s",
			f.Video, f.Frame, stream.ShapeString(f.Shape), stream.ShapeString(c.shape))
	}
	newVideo, err := c.order.Next(f.Video, f.Frame)
	if err != nil {
		return err
	}
	if newVideo {
		c.finishVideo()
		c.video, c.next, c.recent = f.Video, 0, map[int]*stream.Frame{}
	}
	if f.Frame != c.next {
		if c.next == 0 {
			return fmt.Errorf("%s starts at frame %d, want 0", f.Video, f.Frame)
		}
		return fmt.Errorf("%s frame %d follows frame %d; frames must be consecutive", f.Video, f.Frame, c.next-1)
	}
	c.next++
	if !c.expand {
		if err := c.w.Write(f); err != nil {
			return err
		}
	}
	c.recent[f.Frame] = f
	delete(c.recent, f.Frame-c.spec.MaxSpan())
	size := len(f.Data)
	for _, frames := range c.spec.Ending(f.Frame) {
		var rec stream.Record = &stream.Window{Video: f.Video, Frames: frames}
		if c.expand {
			v := &stream.Volume{Video: f.Video, Frames: frames, Shape: append([]int{len(frames)}, f.Shape...),
				Data: make([]float32, len(frames)*size)}
			for i, n := range frames {
				copy(v.Data[i*size:], c.recent[n].Data)
			}
			rec = v
		}
		if err := c.w.Write(rec); err != nil {
			return err
		}
		c.meter.Add(1)
	}
	// Each frame's volumes go downstream at once: a live source's windows
	// must not wait in a buffer (a volume is far larger than the buffer,
	// so this costs files nothing).
	return c.w.Flush()
}

// finishVideo notes strides for which the video was too short to give a
// volume, and forgets its frames.
func (c *cutter) finishVideo() {
	if c.video == "" {
		return
	}
	for _, st := range c.spec.Strides {
		if span := c.spec.Span(st); c.next < span {
			fmt.Fprintf(c.stderr, "volumes: note: %s has %s, fewer than a window of %d at stride %d spans (%d): no volume\n",
				c.video, english.Frames(c.next), c.spec.Length, st, span)
		}
	}
	c.recent = nil
}
