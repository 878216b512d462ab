// run.go: the regscore tool's flags and its per-video scoring of an error
// stream.

package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/urfave/cli/v2"

	"stae/lib/english"
	"stae/lib/metrics"
	"stae/lib/model/checkpoint"
	"stae/lib/stream"
	"stae/lib/tool"
)

const description = `Reads an error stream (from recon) on stdin and writes a score stream on
stdout: per video, abnormality sa(t) = (e(t) - min e) / (max e - min e) and
regularity sr(t) = 1 - sa(t). With --norm paper, sa(t) = (e(t) - min e) / max e
as printed in the paper. With --smooth S, e(t) is first smoothed over time
by a Gaussian of S frames (an anomaly lasts many frames, noise flickers),
and the score's error field carries the smoothed e(t). A video whose error is constant gets regularity 1
everywhere and a note on stderr. One video is held in memory at a time.

The paper prints the denominator as max e; --norm paper uses that
formula as printed, for comparison. With --calibration, each frame is
scored as it arrives against normal footage instead (see 'regscore
calibrate'): no per-video min/max, so scores compare across videos and a
normal video stays low.

INPUT:  error stream (msgpack or NDJSON); a score stream is also accepted and
        its error field scored again,
` + tool.ConcatenatedHelp + `
OUTPUT: score stream (msgpack, or NDJSON with --json)

EXAMPLES:
   # score a reconstruction and find its events
   recon --model model.stae < test.volumes | regscore | events > test.events

   # the formula as printed in the paper, viewed as JSON
   regscore --norm paper --json < test.errors | head -3`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("regscore", "turn reconstruction errors into per-video regularity scores", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "norm", Value: "minmax", Usage: "normalisation: minmax ((e-min)/(max-min)) or paper ((e-min)/max)"},
		tool.FloatFlag("smooth", 0, 0, 1000, "smooth e(t) over time with a Gaussian of this many frames (standard deviation), 0 to 1000, before normalising; 0: none"),
		&cli.StringFlag{Name: "calibration", Usage: "score each frame as it arrives against this calibration of normal footage (regscore calibrate, or a model file that carries one): abnormality = the fraction of normal frames with a lower error; no per-video min/max"},
		tool.NewPresetFlag("paper", tool.Presets{"cpu": {"smooth": "5"}, "paper": {"smooth": "0"}}),
		tool.JSONFlag,
		tool.QuietFlag,
	}
	app.Action = tool.StdinOnly("regscore", func(c *cli.Context) error {
		stderr := tool.Notes(c, stderr) // --quiet: no notes
		if path := c.String("calibration"); path != "" {
			if c.IsSet("norm") {
				return tool.Usagef("--norm and --calibration: a calibrated score is not normalised per video")
			}
			cal, digest, err := checkpoint.LoadCalibration(path)
			if err != nil {
				return err
			}
			_, tau, err := splitScoring(cal.Scoring())
			if err != nil {
				return err
			}
			if c.IsSet("smooth") && c.Float64("smooth") != tau {
				return tool.Usagef("--smooth %g: the calibration was made with --smooth %g, which calibrated scoring uses", c.Float64("smooth"), tau)
			}
			l := &live{c: cal, digest: digest, path: path, tau: tau}
			return l.score(c.Context, args, c.Bool("json"), stdin, stdout)
		}
		norm, err := metrics.ParseScaling(c.String("norm"))
		if err != nil {
			return tool.Usagef("--norm: %v", err)
		}
		sigma := c.Float64("smooth")
		if sigma < 0 || math.IsNaN(sigma) || sigma > 1000 {
			return tool.Usagef("--smooth %g: want a standard deviation in frames, 0 to 1000", sigma)
		}
		return score(c.Context, args, norm, sigma, c.Bool("json"), stdin, stdout, stderr)
	})
	app.Commands = append(app.Commands, calibrateCommand(), tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// scorer scores one video at a time.
type scorer struct {
	norm   metrics.Scaling
	sigma  float64 // temporal smoothing, frames; 0: none
	w      *stream.Writer
	stderr io.Writer
}

func score(ctx context.Context, args []string, norm metrics.Scaling, sigma float64, asJSON bool, stdin io.Reader, stdout, stderr io.Writer) error {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindError, stream.KindScore)
	if err != nil {
		return err
	}
	h := stream.NewHeader(stream.KindScore, r.Header(), tool.Stage("regscore", args, map[string]any{"norm": norm.String(), "smooth": sigma}))
	w, err := stream.NewWriter(stdout, h, asJSON)
	if err != nil {
		return err
	}
	s := &scorer{norm: norm, sigma: sigma, w: w, stderr: stderr}
	if err := stream.EachVideo(ctx, r, s.video); err != nil {
		return err
	}
	return w.Close()
}

// video scores and writes one video's records (errors, or scores to score
// again).
func (s *scorer) video(video string, recs []stream.Record) error {
	frames := make([]int, len(recs))
	errs := make([]float64, len(recs))
	timed := make([]bool, len(recs))
	times := make([]float64, len(recs))
	for i, rec := range recs {
		_, frames[i], _ = position(rec)
		errs[i] = errorOf(rec)
		timed[i], times[i] = timeOf(rec)
	}
	if s.sigma > 0 {
		errs = metrics.GaussianSmooth(errs, s.sigma)
	}
	abn, reg, constant, err := metrics.Regularity(errs, s.norm)
	if err != nil {
		return fmt.Errorf("video %s: %w", video, err)
	}
	if constant {
		fmt.Fprintf(s.stderr, "regscore: note: %s: error is %g in all %s; regularity 1 everywhere\n", video, errs[0], english.Frames(len(errs)))
	}
	for i, f := range frames {
		if err := s.w.Write(&stream.Score{Video: video, Frame: f, Error: errs[i], Abnormality: abn[i], Regularity: reg[i],
			Timed: timed[i], T: times[i]}); err != nil {
			return err
		}
	}
	return nil
}
