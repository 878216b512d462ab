// run.go: the events tool's flags and its per-video event finding.

package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/urfave/cli/v2"

	"stae/lib/persistence1d"
	"stae/lib/stream"
	"stae/lib/tool"
)

const description = `Reads a score stream (from regscore) on stdin and writes an event stream on
stdout. Persistence1D finds the local minima of each video's regularity and
their persistence; minima with persistence >= --min-persistence (and, if
given, regularity <= --max-regularity) are kept, and kept minima at most
--window frames apart form one event (--window 0: one event per minimum).
The global minimum counts with persistence max - min of the video's score;
minima of zero persistence (ties on flat stretches) are never kept.
An event spans its first to its last kept minimum (0-based, inclusive) and
names its deepest minimum. Each video's events are written as soon as the
video is done, followed by a record closing the video with its frame count
({"video":..,"video_frames":N}), so that a video without events is known.

INPUT:  score stream (msgpack or NDJSON),
` + tool.ConcatenatedHelp + `
OUTPUT: event stream (msgpack, or NDJSON with --json)

EXAMPLES:
   # the paper's grouping, minima of persistence at least 0.1 (the default)
   regscore < test.errors | events | evalroc --truth UCSDped2.m

   # every clear dip below 0.5 as its own event, viewed as JSON
   events --window 0 --min-persistence 0.2 --max-regularity 0.5 --json < test.scores`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("events", "find abnormal events: persistent minima of the regularity score, or live alarms", description+alarmHelp, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		tool.FloatFlag("min-persistence", 0.1, 0, 1, "keep minima whose persistence is at least this, 0 to 1 (regularity is scaled to [0, 1] per video, so 0.1 drops dips under a tenth of its range: noise)"),
		&cli.Float64Flag{Name: "max-regularity", DefaultText: "no limit", Usage: "keep minima whose regularity is at most this"},
		tool.IntFlag("window", 50, 0, 1<<30, "kept minima at most this many frames apart form one event, 0 to 1073741824; 0: each its own"),
		tool.JSONFlag,

		tool.QuietFlag,
	}
	app.Flags = append(app.Flags, alarmFlags()...)
	app.Action = tool.StdinOnly("events", func(c *cli.Context) error {
		stderr := tool.Notes(c, stderr) // --quiet: no notes
		if c.Bool("alarm") {
			cfg, digest, fps, params, err := alarmConfig(c)
			if err != nil {
				return err
			}
			return alarms(c.Context, args, cfg, digest, fps, params, c.Bool("json"), stdin, stdout)
		}
		for _, f := range alarmFlags()[1:] {
			if name := f.Names()[0]; c.IsSet(name) {
				return tool.Usagef("--%s needs --alarm", name)
			}
		}
		o := persistence1d.Options{
			MinPersistence: c.Float64("min-persistence"),
			MaxRegularity:  math.Inf(1),
			Window:         c.Int("window"),
		}
		params := map[string]any{"min_persistence": o.MinPersistence, "window": o.Window}
		if c.IsSet("max-regularity") {
			o.MaxRegularity = c.Float64("max-regularity")
			params["max_regularity"] = o.MaxRegularity
		}
		switch {
		case o.Window < 0:
			return tool.Usagef("--window %d is negative", o.Window)
		case math.IsNaN(o.MinPersistence) || math.IsInf(o.MinPersistence, 0):
			return tool.Usagef("--min-persistence must be a finite number")
		case math.IsNaN(o.MaxRegularity):
			return tool.Usagef("--max-regularity must be a number")
		}
		return find(c.Context, args, o, params, c.Bool("json"), stdin, stdout, stderr)
	})
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// finder finds the events of one video at a time.
type finder struct {
	o persistence1d.Options
	w *stream.Writer
}

func find(ctx context.Context, args []string, o persistence1d.Options, params map[string]any, asJSON bool, stdin io.Reader, stdout, stderr io.Writer) error {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindScore)
	if err != nil {
		return err
	}
	h := stream.NewHeader(stream.KindEvent, r.Header(), tool.Stage("events", args, params))
	w, err := stream.NewWriter(stdout, h, asJSON)
	if err != nil {
		return err
	}
	f := &finder{o: o, w: w}
	if err := stream.EachVideo(ctx, r, f.video); err != nil {
		return err
	}
	return w.Close()
}

// video writes one video's events, then the record that closes the video.
func (f *finder) video(video string, scores []*stream.Score) error {
	frames := make([]int, len(scores))
	reg := make([]float64, len(scores))
	for i, s := range scores {
		frames[i], reg[i] = s.Frame, s.Regularity
	}
	evs, err := persistence1d.Events(frames, reg, f.o)
	if err != nil {
		return fmt.Errorf("video %s: %w", video, err)
	}
	// The frames' times, when every score carries one.
	times := map[int]float64{}
	for _, s := range scores {
		if s.Timed {
			times[s.Frame] = s.T
		}
	}
	for _, e := range evs {
		rec := &stream.Event{Video: video, Start: e.Start, End: e.End,
			Deepest: e.Deepest, Regularity: e.Regularity, Persistence: e.Persistence}
		if len(times) == len(scores) {
			rec.Timed, rec.StartS, rec.EndS = true, times[e.Start], times[e.End]
		}
		if err := f.w.Write(rec); err != nil {
			return err
		}
	}
	return f.w.Write(&stream.VideoEnd{Video: video, Frames: frames[len(frames)-1] + 1})
}
