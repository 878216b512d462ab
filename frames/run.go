// run.go: the frames tool's flags, extraction of a frame stream, and the
// `mean` command that computes normalisation statistics.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"stae/lib/english"
	"stae/lib/model/checkpoint"
	"stae/lib/motion"
	"stae/lib/norm"
	"stae/lib/progress"
	"stae/lib/stream"
	"stae/lib/tool"
	"stae/lib/video"
)

const description = `Reads video files, image-sequence folders (bmp, jpg, png, tif; ordered by the
number in the name) and dataset folders whose subfolders or video files are
clips (UCSD layout; *_gt mask folders skipped), and writes a frame stream:
gray, resized to --size, scaled to [0,1], and normalised with --stats. The
video id is the clip's folder or file name without extension.

Frames are resized to --size shrinking with OpenCV's INTER_AREA, which
averages the pixels it merges (bilinear when enlarging). The paper then
subtracts the mean image of the training frames and scales to unit
variance; 'frames mean' computes those statistics once. Motion channels
(--channels diff, flow) are computed from frames at their source's size
(flow by Farneback at 180 pixels wide) and resized after; a video's first
frame takes its successor's motion. The header records the size, the
planes, whether the frames are normalised and the SHA-256 of the statistics
file, so later stages can tell what their input was made with. Decoding
runs on all cores with a bounded window of frames ahead of the writer:
memory does not grow with the number of frames, and the order is fixed.

Live sources are read as they come, each frame written (and flushed) once
decoded: '-' (an encoded video on stdin: MPEG-TS, Matroska/WebM, NUT or FLV;
id "stdin"), /dev/videoN (a camera, id "videoN") and URLs (rtsp, rtsps, http,
https, udp, tcp, rtmp: whatever OpenCV's FFmpeg opens; the id is the host and
path, e.g. 127.0.0.1_5000). A stream has no end of its own: when its sender
stops, frames writes what it read and exits 1; for udp, add FFmpeg's
?timeout=MICROSECONDS to notice a quiet sender. SIGINT or SIGTERM stops a
live read.

The header records the frame rate (fps) of the first clip, a video's or
stream's own; image folders have none unless --fps is given (it overrides).
Each frame record carries its time in seconds (t): a video file's timestamp
from its container, a live source's capture clock from its first frame, and
for an image folder its number over --fps (no time without --fps). Later
stages carry it to errors, scores and alarms.

--pictures keeps each source frame, before resizing and normalisation, in
its record as a JPEG (an image folder's JPEG files as they are, anything
else at quality 90): recon --overlay then draws the heat over the original
pixels. It adds the pictures' size to the stream (about 10 KB a frame for
UCSD Ped2's 360x240).

INPUT:  SOURCE arguments (files, folders, -, /dev/videoN, stream URLs)
OUTPUT: frame stream on stdout (msgpack, or NDJSON with --json);
        'frames mean' writes a statistics file instead

EXAMPLES:
   # normalisation statistics of the training frames, then normalised test frames
   frames mean --out stats.bin --size 51 testdata/synth/Train
   frames --stats stats.bin testdata/synth/Test > test.frames

   # a live MPEG-TS stream over UDP, cut into volumes as it comes
   frames --size 115 'udp://127.0.0.1:5000?timeout=2000000' | volumes > live.vol

   # UCSD Ped2's test set at the paper's 227x227, unnormalised, as JSON
   # (a SOURCE: a video file, an image folder, or a dataset of clips)
   frames --json data/UCSDped2/Test | head -2

   # keep the original pictures for overlays a person reads
   frames --stats stats.bin --pictures data/Test/Test004 | volumes | recon --model model.stae --overlay test004.mp4 > errors

   # appearance and frame differences, two planes a frame
   frames mean --out stats.bin --size 67 --channels gray,diff data/Train
   frames --stats stats.bin data/Test | volumes | ...`

const meanDescription = `Computes the normalisation statistics of training frames: the mean image,
and the standard deviation of the mean-subtracted pixels. Extraction with
--stats then maps each frame x to (x - mean) / std. The file records its
frame size; use the same --size when extracting.

EXAMPLES:
   frames mean --out stats.bin --size 51 testdata/synth/Train`

// maxSide bounds --size: far above any useful input size, and small enough
// that a frame's tensor stays well inside the stream's limits.
const maxSide = 4096

// maxFPS bounds --fps: above any camera's rate.
const maxFPS = 10000

func sizeFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "size", Value: "227", Usage: usage}
}

// presets: the recommended CPU detector's frame size, and the paper's.
var presets = tool.Presets{"cpu": {"size": "67"}, "paper": {"size": "227"}}

func channelsFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "channels", Value: "gray", Usage: usage}
}

func parseChannels(s string) ([]motion.Channel, error) {
	chs, err := motion.ParseChannels(s)
	if err != nil {
		return nil, tool.Usagef("--channels: %v", err)
	}
	return chs, nil
}

// grayOnly: one gray plane, decoded and resized as before channels existed.
func grayOnly(chs []motion.Channel) bool { return len(chs) == 1 && chs[0] == motion.Gray }

// decodePlanes decodes the clips and hands each frame's planes to emit, in
// order: gray frames as lib/video resizes them, or, for motion channels,
// frames decoded at their source's size and turned into planes by a
// lib/motion computer (flow is computed before resizing), reset at each
// video. The planes are valid during the call only.
//
// A video's first frame has no predecessor, so no motion of its own: it
// takes its successor's motion planes (its gray plane stays its own), as a
// signal is padded by repeating its edge. A motion of zero there would be
// the stillest frame of every video, which per-video scaling and temporal
// smoothing then read as a fact about the video. It costs one frame of
// delay at the start of each video.
func decodePlanes(ctx context.Context, clips []video.Clip, w, h int, chs []motion.Channel, pictures bool, stdin io.Reader, emit func(f video.Frame, planes []float32) error) error {
	opt := decodeOptions(w, h)
	opt.Stdin, opt.Pictures = stdin, pictures
	if grayOnly(chs) {
		return video.Decode(ctx, clips, opt, func(f video.Frame) error { return emit(f, f.Data) })
	}
	comp, err := motion.NewComputer(motion.Config{Channels: chs, Width: w, Height: h})
	if err != nil {
		return err
	}
	defer comp.Close()
	opt.Native = true
	gray := motion.Offset(chs, motion.Gray) // the plane that is not motion, or -1
	plane := w * h
	var first []float32        // a video's first frame's planes, held until its successor
	var firstFrame video.Frame // and the frame they are of
	release := func(next []float32) error {
		if first == nil {
			return nil
		}
		if next != nil {
			for p := 0; p < len(first)/plane; p++ {
				if p != gray {
					copy(first[p*plane:(p+1)*plane], next[p*plane:(p+1)*plane])
				}
			}
		}
		err := emit(firstFrame, first)
		first = nil
		return err
	}
	current := ""
	err = video.Decode(ctx, clips, opt, func(f video.Frame) error {
		if f.Video != current {
			if err := release(nil); err != nil { // a video of one frame
				return err
			}
			comp.Reset()
			current = f.Video
		}
		planes, err := comp.Next(f.Data, f.Width, f.Height)
		if err != nil {
			return fmt.Errorf("%s frame %d: %w", f.Video, f.Index, err)
		}
		if first == nil && f.Index == 0 {
			first, firstFrame = slices.Clone(planes), f
			return nil
		}
		if err := release(planes); err != nil {
			return err
		}
		return emit(f, planes)
	})
	if err != nil {
		return err
	}
	return release(nil)
}

// planeNames is what headers and statistics record of chs: nothing for one
// gray plane (as before channels existed), else each plane's name.
func planeNames(chs []motion.Channel) []string {
	if grayOnly(chs) {
		return nil
	}
	return motion.PlaneNames(chs)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("frames", "read video into a frame stream (gray, resized, normalised)", description, stdin, stdout, stderr)
	app.ArgsUsage = "SOURCE..."
	app.Flags = []cli.Flag{
		sizeFlag("frame size: N for NxN, or WxH (with --stats, the statistics' size unless given)"),
		&cli.StringFlag{Name: "stats", Usage: "normalise with this statistics file (from 'frames mean'), or with those a model file carries (fit --stats)"},
		channelsFlag("planes of each frame, comma-separated: gray (appearance), diff (x_t - x_{t-1}), flow (Farneback dx, dy); with --stats, the statistics' channels unless given"),
		tool.NewPresetFlag("paper", presets),
		&cli.Float64Flag{Name: "fps", Usage: "frame rate to record in the header (default: a video's or stream's own; unknown for image folders)"},
		&cli.BoolFlag{Name: "pictures", Usage: "keep each source frame as a JPEG in its record, for recon --overlay over the original pixels"},
		tool.JSONFlag,
		tool.QuietFlag,
	}
	app.Action = func(c *cli.Context) error {
		sources, w, h, chs, err := commonArgs(c)
		if err != nil {
			return err
		}
		fps := c.Float64("fps")
		if c.IsSet("fps") && !(fps > 0 && fps <= maxFPS) {
			return tool.Usagef("--fps %v: want a frame rate above 0 and at most %d", c.Float64("fps"), maxFPS)
		}
		var stats *norm.Stats
		var digest string
		if p := c.String("stats"); p != "" {
			if stats, digest, err = checkpoint.LoadStats(p); err != nil {
				return fmt.Errorf("--stats: %w", err)
			}
			if !c.IsSet("size") {
				w, h = stats.Width, stats.Height
			} else if w != stats.Width || h != stats.Height {
				return tool.Usagef("--size %dx%d differs from the %dx%d of --stats %s", w, h, stats.Width, stats.Height, p)
			}
			statsChs := []motion.Channel{motion.Gray}
			if len(stats.Channels) > 0 {
				if statsChs, err = motion.FromPlaneNames(stats.Channels); err != nil {
					return fmt.Errorf("--stats %s: %w", p, err)
				}
			}
			if !c.IsSet("channels") {
				chs = statsChs
			} else if motion.Format(chs) != motion.Format(statsChs) {
				return tool.Usagef("--channels %s differs from the %s of --stats %s", motion.Format(chs), motion.Format(statsChs), p)
			}
		}
		return extract(c.Context, args, sources, extraction{w: w, h: h, chs: chs, stats: stats, digest: digest, fps: fps, pictures: c.Bool("pictures")},
			c.Bool("json"), c.Bool("quiet"), stdin, stdout, stderr)
	}
	app.Commands = []*cli.Command{{
		Name:        "mean",
		Usage:       "compute normalisation statistics of training frames",
		ArgsUsage:   "SOURCE...",
		Description: meanDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "statistics file to write"},
			sizeFlag("frame size: N for NxN, or WxH"),
			channelsFlag("planes of each frame, comma-separated: gray, diff, flow"),
			tool.NewPresetFlag("paper", presets),
			tool.QuietFlag,
		},
		Action: func(c *cli.Context) error {
			sources, w, h, chs, err := commonArgs(c)
			if err != nil {
				return err
			}
			return mean(c.Context, sources, w, h, chs, c.String("out"), c.Bool("quiet"), stdin, stderr)
		},
	}}
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// sourceArgs returns the SOURCE arguments (flags may come before or after
// them: tool.Run moves them ahead).
func sourceArgs(c *cli.Context) ([]string, error) {
	if c.NArg() == 0 {
		return nil, tool.Usagef("no SOURCE given")
	}
	return c.Args().Slice(), nil
}

// commonArgs reads what extraction and 'frames mean' share: the sources,
// --size and --channels.
func commonArgs(c *cli.Context) (sources []string, w, h int, chs []motion.Channel, err error) {
	if sources, err = sourceArgs(c); err != nil {
		return
	}
	if w, h, err = parseSize(c.String("size")); err != nil {
		return
	}
	chs, err = parseChannels(c.String("channels"))
	return
}

// parseSize reads N (NxN) or WxH.
func parseSize(s string) (w, h int, err error) {
	ws, hs, two := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(ws)
	h = w
	var errH error
	if two {
		h, errH = strconv.Atoi(hs)
	}
	if errW != nil || errH != nil || w < 1 || h < 1 || w > maxSide || h > maxSide {
		return 0, 0, tool.Usagef("--size %q: want N or WxH with sides 1..%d (e.g. 227 or 360x240)", s, maxSide)
	}
	return w, h, nil
}

// decodeOptions uses every core: decoding and resizing are the work.
func decodeOptions(w, h int) video.Options {
	return video.Options{Width: w, Height: h, Workers: min(runtime.GOMAXPROCS(0), 8)}
}

// resolve turns the sources into clips and the number of frames, when known
// in advance (image folders), for progress.
func resolve(sources []string) ([]video.Clip, int, error) {
	clips, err := video.Resolve(sources)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	for _, c := range clips {
		if c.Images == nil {
			return clips, 0, nil // a video's length is known only once read
		}
		total += len(c.Images)
	}
	return clips, total, nil
}

// extraction is what frames makes of its sources.
type extraction struct {
	w, h     int
	chs      []motion.Channel
	stats    *norm.Stats // nil: not normalised
	digest   string      // the statistics file's sha256
	fps      float64     // --fps, or 0
	pictures bool        // keep each source frame as a JPEG
}

func extract(ctx context.Context, args, sources []string, x extraction, asJSON, quiet bool, stdin io.Reader, stdout, stderr io.Writer) error {
	w, h, chs, stats, digest, fps := x.w, x.h, x.chs, x.stats, x.digest, x.fps
	clips, total, err := resolve(sources)
	if err != nil {
		return err
	}
	desc := stream.FrameDesc{Width: w, Height: h, Normalised: stats != nil, Channels: planeNames(chs), FPS: fps}
	if stats != nil {
		desc.StatsDigest = digest
	}
	// The first clip's own size, so later stages can speak in its pixels
	// (recon --regions, --overlay); unknown (0) for a live source (asking
	// would take its first frames) or if it cannot be read now, which
	// decoding then reports.
	if len(clips) > 0 && clips[0].Live == video.NotLive {
		desc.SourceWidth, desc.SourceHeight, _ = video.SourceSize(clips[0])
	}
	// A live consumer must see each frame as it comes, so a live source's
	// stream is flushed after the header and after every record.
	live := slices.ContainsFunc(clips, func(c video.Clip) bool { return c.Live != video.NotLive })
	var sw *stream.Writer
	open := func() error {
		var err error
		if sw, err = stream.NewWriter(stdout, stream.NewHeader(stream.KindFrame, nil, tool.Stage("frames", args, desc.Params())), asJSON); err != nil {
			return err
		}
		if live {
			return sw.Close() // a flush: Close leaves stdout open
		}
		return nil
	}
	// A video's rate is known once it is open, so without --fps the header
	// waits for its first frame; image folders have none to wait for.
	fromSource := fps == 0 && len(clips) > 0 && clips[0].Images == nil
	if !fromSource {
		if err := open(); err != nil {
			return err
		}
	}
	meter := progress.New(stderr, "frames", "frames", total, quiet)
	shape := desc.Shape()
	current, firstID := "", ""
	err = decodePlanes(ctx, clips, w, h, chs, x.pictures, stdin, func(f video.Frame, data []float32) error {
		if f.Video != current {
			current = f.Video
			if sw == nil {
				desc.FPS, firstID = f.FPS, f.Video
				if err := open(); err != nil {
					return err
				}
			} else if fromSource && f.FPS > 0 && desc.FPS > 0 && math.Abs(f.FPS-desc.FPS) > 1e-3*desc.FPS {
				fmt.Fprintf(stderr, "frames: note: %s is at %g fps; the header records %s's %g\n", f.Video, f.FPS, firstID, desc.FPS)
			}
		}
		if stats != nil {
			if err := stats.Apply(data); err != nil {
				return fmt.Errorf("%s frame %d: %w", f.Video, f.Index, err)
			}
		}
		rec := &stream.Frame{Video: f.Video, Frame: f.Index, Shape: shape, Data: data, Timed: f.Timed, T: f.T, Picture: f.Picture}
		if !f.Timed && desc.FPS > 0 && f.FPS == 0 {
			rec.Timed, rec.T = true, float64(f.Index)/desc.FPS // an image folder at --fps
		}
		if err := sw.Write(rec); err != nil {
			return err
		}
		if live {
			if err := sw.Close(); err != nil {
				return err
			}
		}
		meter.Add(1)
		return nil
	})
	if err != nil {
		return interrupted(ctx, err)
	}
	if sw == nil {
		if err := open(); err != nil {
			return err
		}
	}
	if err := sw.Close(); err != nil {
		return err
	}
	meter.Done()
	return nil
}

func mean(ctx context.Context, sources []string, w, h int, chs []motion.Channel, out string, quiet bool, stdin io.Reader, stderr io.Writer) error {
	clips, total, err := resolve(sources)
	if err != nil {
		return err
	}
	acc := norm.NewAccumulator(w, h, planeNames(chs)...)
	meter := progress.New(stderr, "frames mean", "frames", total, quiet)
	err = decodePlanes(ctx, clips, w, h, chs, false, stdin, func(_ video.Frame, data []float32) error {
		meter.Add(1)
		return acc.Add(data)
	})
	if err != nil {
		return interrupted(ctx, err)
	}
	st, err := acc.Stats()
	if err != nil {
		return err
	}
	digest, err := norm.WriteFile(out, st)
	if err != nil {
		return err
	}
	meter.Done()
	if !quiet {
		fmt.Fprintf(stderr, "frames mean: %s %dx%d, std %.4g, wrote %s (sha256 %s)\n", english.Frames(int(st.Frames)), w, h, st.Std[0], out, digest[:16])
	}
	return nil
}

// interrupted reports a cancelled run as such rather than as whatever the
// cancellation made a decoder return.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return stream.ErrInterrupted
	}
	return err
}
