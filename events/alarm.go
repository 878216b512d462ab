// alarm.go: live alarms from a causal score (regscore --calibration), with
// lib/alarm: each alarm is written, and flushed, the moment it is certain.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"stae/lib/alarm"
	"stae/lib/calib"
	"stae/lib/model/checkpoint"
	"stae/lib/stream"
	"stae/lib/tool"
)

const alarmHelp = `

ALARMS (--alarm):
   Reads a causal score stream (regscore --calibration) frame by frame and
   raises alarms with lib/alarm: an alarm opens when abnormality exceeds the
   threshold for --min-frames consecutive frames (it starts at the first of
   them), stays open while abnormality exceeds --release (default: the
   threshold), bridging dips of at most --max-gap frames, and closes at the
   first longer dip (it ends at its last frame above --release). The
   threshold is --threshold A (abnormality, e.g. 0.999), or is set from
   --false-alarms-per-hour R and --calibration FILE (the file the scores
   were made with): the lowest threshold at which the rule raises at most R
   alarms an hour on the calibration's normal footage. Each alarm is written
   as an event record as soon as it closes; with --open, also when it opens,
   with "state":"open" (end and deepest so far). Event fields: start, end
   (0-based, inclusive), deepest (the frame of highest abnormality),
   regularity there, persistence (its abnormality minus the threshold),
   start_s and end_s (seconds: frame/fps, fps from --fps, else the stream's,
   else the calibration's). At the end of a video, and on SIGINT or SIGTERM,
   an open alarm is closed and written before the video's end record or
   the exit (status 1, "events: interrupted").

   regscore --calibration c.json < test.errors | events --alarm --calibration c.json --false-alarms-per-hour 1 --json`

func alarmFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "alarm", Usage: "live alarms from a causal score instead of persistent minima of whole videos (see ALARMS)"},
		&cli.StringFlag{Name: "calibration", Usage: "--alarm: the calibration the scores were made with (regscore calibrate), or a model file that carries it"},
		&cli.Float64Flag{Name: "false-alarms-per-hour", DefaultText: "none", Usage: "--alarm: set the threshold so that normal footage (--calibration) raises at most this many alarms an hour"},
		&cli.Float64Flag{Name: "threshold", DefaultText: "none", Usage: "--alarm: abnormality above which an alarm opens"},
		&cli.Float64Flag{Name: "release", DefaultText: "the threshold", Usage: "--alarm: abnormality at or below which an open alarm ends (hysteresis)"},
		tool.IntFlag("min-frames", 5, 1, 1<<30, "--alarm: frames above the threshold before an alarm opens, 1 to 1073741824"),
		tool.IntFlag("max-gap", 0, 0, 1<<30, "--alarm: longest dip (frames) that does not end an alarm, 0 to 1073741824"),
		&cli.BoolFlag{Name: "open", Usage: "--alarm: also write a record (\"state\":\"open\") when an alarm opens"},
		&cli.Float64Flag{Name: "fps", DefaultText: "the stream's, else the calibration's", Usage: "--alarm: frame rate for start_s and end_s"},
	}
}

// alarmConfig reads the alarm flags: the rule, the calibration's digest
// (to check against the stream, "" without one), the frame rate (0 if
// none yet) and the parameters for the provenance.
func alarmConfig(c *cli.Context) (alarm.Config, string, float64, map[string]any, error) {
	cfg := alarm.Config{MinFrames: c.Int("min-frames"), MaxGap: c.Int("max-gap"), EmitOpen: c.Bool("open")}
	params := map[string]any{"mode": "alarm", "min_frames": cfg.MinFrames, "max_gap": cfg.MaxGap}
	var fps float64
	if c.IsSet("fps") {
		fps = c.Float64("fps")
		if err := tool.CheckFPS(fps); err != nil {
			return cfg, "", 0, nil, err
		}
	}
	if cfg.MinFrames < 1 {
		return cfg, "", 0, nil, tool.Usagef("--min-frames %d: want at least 1", cfg.MinFrames)
	}
	var cal *calib.Calibration
	var digest string
	if path := c.String("calibration"); path != "" {
		var err error
		if cal, digest, err = checkpoint.LoadCalibration(path); err != nil {
			return cfg, "", 0, nil, err
		}
		params["calibration_digest"] = digest
	}
	switch rate := c.Float64("false-alarms-per-hour"); {
	case c.IsSet("threshold") == c.IsSet("false-alarms-per-hour"):
		return cfg, "", 0, nil, tool.Usagef("--alarm needs one of --threshold and --false-alarms-per-hour")
	case c.IsSet("threshold"):
		cfg.On = c.Float64("threshold")
	case cal == nil:
		return cfg, "", 0, nil, tool.Usagef("--false-alarms-per-hour needs --calibration")
	default:
		e, err := cal.ThresholdForRate(rate, fps, cfg.MinFrames)
		if err != nil {
			return cfg, "", 0, nil, err
		}
		// Rank(e) > Rank(T) exactly when e > T for T a stored value, which
		// ThresholdForRate returns when the sample is not capped.
		cfg.On = cal.Rank(e)
		params["false_alarms_per_hour"] = rate
		params["threshold_error"] = e
	}
	cfg.Off = cfg.On
	if c.IsSet("release") {
		cfg.Off = c.Float64("release")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", 0, nil, tool.Usagef("%v", err)
	}
	if fps == 0 && cal != nil {
		fps = cal.FPS()
	}
	params["threshold"], params["release"] = cfg.On, cfg.Off
	return cfg, digest, fps, params, nil
}

// alarms runs the rule over a score stream, one frame at a time.
func alarms(ctx context.Context, args []string, cfg alarm.Config, digest string, fps float64, params map[string]any, asJSON bool, stdin io.Reader, stdout io.Writer) error {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindScore)
	if err != nil {
		return err
	}
	if digest != "" {
		got, ok := r.Header().Param("calibration_digest")
		if !ok {
			return fmt.Errorf("the score stream was not scored against a calibration (regscore --calibration)")
		}
		if got != digest {
			return fmt.Errorf("the score stream was scored against another calibration (sha256 %v, --calibration's is %s)", got, digest)
		}
	}
	if fps == 0 {
		if f, ok := r.Header().FPS(); ok {
			fps = f
		}
	}
	if fps > 0 {
		params["fps"] = fps
	}
	w, err := stream.NewWriter(stdout, stream.NewHeader(stream.KindEvent, r.Header(), tool.Stage("events", args, params)), asJSON)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	d, err := alarm.New(cfg)
	if err != nil {
		return err
	}
	timed := false // the last score carried its time
	write := func(video string, ev alarm.Event) error {
		rec := &stream.Event{Video: video, Start: ev.Start, End: ev.End, Deepest: ev.Peak,
			Regularity: 1 - ev.PeakScore, Persistence: ev.PeakScore - cfg.On}
		if ev.Kind == alarm.Open {
			rec.State = stream.EventOpen
		}
		if fps > 0 || timed {
			rec.Timed, rec.StartS, rec.EndS = true, ev.StartTime, ev.EndTime
		}
		return w.WriteFlush(rec)
	}
	vr := stream.NewVideoReader[*stream.Score](ctx, r)
	for vr.NextVideo() {
		last := -1
		for s, ok := vr.Next(); ok; s, ok = vr.Next() {
			// The source's time when the scores carry it, else the
			// frame's number over the frame rate.
			t := 0.0
			switch {
			case s.Timed:
				t = s.T
			case fps > 0:
				t = float64(s.Frame) / fps
			}
			timed = s.Timed
			ev, ok, err := d.Push(s.Frame, t, s.Abnormality)
			if err != nil {
				return fmt.Errorf("video %s: %w", vr.Video(), err)
			}
			if ok {
				if err := write(vr.Video(), ev); err != nil {
					return err
				}
			}
			last = s.Frame
		}
		// The video ended, the stream broke, or the context was cancelled:
		// in every case the open alarm is closed and written.
		if ev, ok := d.Flush(); ok {
			if err := write(vr.Video(), ev); err != nil {
				return errors.Join(vr.Err(), err)
			}
		}
		if vr.Err() != nil {
			return vr.Err()
		}
		if err := w.WriteFlush(&stream.VideoEnd{Video: vr.Video(), Frames: last + 1}); err != nil {
			return err
		}
	}
	if err := vr.Err(); err != nil {
		return err
	}
	return w.Close()
}
