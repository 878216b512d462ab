// live.go: calibrated, causal scoring. `regscore calibrate` describes the
// errors of normal footage (lib/calib); `regscore --calibration` scores
// each frame against that description the moment its error arrives, so a
// live stream flows and a normal video need not have a "most abnormal"
// frame.

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"stae/lib/calib"
	"stae/lib/stream"
	"stae/lib/tool"
)

// defaultFPS is the frame rate assumed when neither --fps nor the stream
// gives one (UCSD's clips are 10 frames/s).
const defaultFPS = 10

const calibrateDescription = `Reads an error stream of NORMAL footage (recon's errors on held-out normal
clips, not the training clips) on stdin and writes a calibration (lib/calib,
JSON) to --out, whole or not at all. It records the scoring that made the
errors (recon's error, frame_error and model_digest, and the --smooth time
constant), the frame count and the frame rate (--fps, else the stream's fps
parameter, else 10), so that regscore --calibration and events --alarm can
refuse errors of another model or kind.

EXAMPLES:
   recon --model m.stae < normal.volumes | regscore calibrate --out calib.json
   recon --model m.stae < test.volumes | regscore --calibration calib.json | events --alarm --calibration calib.json --false-alarms-per-hour 1`

func calibrateCommand() *cli.Command {
	return &cli.Command{
		Name:        "calibrate",
		Usage:       "describe the errors of normal footage, for calibrated live scoring",
		Description: calibrateDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "calibration file to write"},
			&cli.Float64Flag{Name: "fps", Value: defaultFPS, DefaultText: "the stream's fps parameter, else 10", Usage: "frame rate of the footage, frames/s"},
			&cli.Float64Flag{Name: "smooth", Value: 0, Usage: "causal smoothing: exponential moving average of e(t) with this time constant in frames; 0: none. Scoring with the calibration uses the same"},
		},
		Action: tool.StdinOnly("regscore calibrate", func(c *cli.Context) error {
			tau := c.Float64("smooth")
			if err := checkTau(tau); err != nil {
				return err
			}
			fps := c.Float64("fps")
			if err := tool.CheckFPS(fps); err != nil {
				return err
			}
			return calibrate(c.Context, c.String("out"), fps, c.IsSet("fps"), tau, c.App.Reader)
		}),
	}
}

func checkTau(tau float64) error {
	if tau < 0 || math.IsNaN(tau) || tau > 1000 {
		return tool.Usagef("--smooth %g: want a time constant in frames, 0 to 1000", tau)
	}
	return nil
}

func calibrate(ctx context.Context, out string, fps float64, fpsSet bool, tau float64, stdin io.Reader) error {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindError, stream.KindScore)
	if err != nil {
		return err
	}
	if f, ok := r.Header().ParamFloat("fps"); ok && !fpsSet {
		if !stream.ValidFPS(f) {
			return fmt.Errorf("the stream's fps parameter %v is not a frame rate", f)
		}
		fps = f
	}
	var b calib.Builder
	vr := stream.NewVideoReader[stream.Record](ctx, r)
	for vr.NextVideo() {
		var sm ema
		sm.tau = tau
		for rec, ok := vr.Next(); ok; rec, ok = vr.Next() {
			if err := b.Add(sm.next(errorOf(rec))); err != nil {
				return fmt.Errorf("video %s: %w", vr.Video(), err)
			}
		}
		b.EndVideo()
	}
	if err := vr.Err(); err != nil {
		return err
	}
	c, err := b.Build(calib.Options{FPS: fps, Scoring: scoring(r.Header(), tau)})
	if err != nil {
		return err
	}
	return c.Save(out)
}

// errorOf is the error of an error or score record.
func errorOf(rec stream.Record) float64 {
	switch x := rec.(type) {
	case *stream.Error:
		return x.Error
	case *stream.Score:
		return x.Error
	}
	return math.NaN()
}

// timeOf is an error or score record's time, when it carries one.
func timeOf(rec stream.Record) (bool, float64) {
	switch x := rec.(type) {
	case *stream.Error:
		return x.Timed, x.T
	case *stream.Score:
		return x.Timed, x.T
	}
	return false, 0
}

// ema is the causal smoothing of calibrated scoring: an exponential moving
// average with time constant tau frames,
//
//	y(0) = e(0),  y(t) = y(t-1) + a·(e(t) - y(t-1)),  a = 1 - exp(-1/tau),
//
// restarted at each video; tau = 0 passes e(t) through. Each output needs
// only the past, unlike --smooth's Gaussian of whole videos.
type ema struct {
	tau  float64
	y    float64
	seen bool
}

func (s *ema) next(e float64) float64 {
	if s.tau == 0 || !s.seen {
		s.y, s.seen = e, true
		return e
	}
	s.y += (1 - math.Exp(-1/s.tau)) * (e - s.y)
	return s.y
}

// scoringKeys are the error stream's provenance parameters that decide what
// an error means: recon's error kind, frame error and model.
var scoringKeys = []string{"error", "frame_error", "model_digest"}

// scoring describes what made a stream's errors, as "key=value" words:
// the scoringKeys the header sets, then the smoothing, e.g.
// "error=sum frame_error=mean model_digest=ab12 smooth=0".
func scoring(h *stream.Header, tau float64) string {
	var words []string
	for _, k := range scoringKeys {
		if v, ok := h.Param(k); ok {
			words = append(words, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(append(words, "smooth="+strconv.FormatFloat(tau, 'g', -1, 64)), " ")
}

// splitScoring parts a scoring text into the stream's part and the
// smoothing (0 when the text names none).
func splitScoring(s string) (stream string, tau float64, err error) {
	words := strings.Fields(s)
	var rest []string
	for _, w := range words {
		if v, ok := strings.CutPrefix(w, "smooth="); ok {
			if tau, err = strconv.ParseFloat(v, 64); err != nil || checkTau(tau) != nil {
				return "", 0, fmt.Errorf("calibration scoring %q: bad smoothing %q", s, v)
			}
			continue
		}
		rest = append(rest, w)
	}
	return strings.Join(rest, " "), tau, nil
}

// live scores a stream against a calibration, one record at a time.
type live struct {
	c      *calib.Calibration
	digest string // sha256 of the calibration file
	path   string
	tau    float64 // from the calibration
}

func (l *live) score(ctx context.Context, args []string, asJSON bool, stdin io.Reader, stdout io.Writer) error {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindError, stream.KindScore)
	if err != nil {
		return err
	}
	want, _, err := splitScoring(l.c.Scoring())
	if err != nil {
		return err
	}
	got, _, _ := splitScoring(scoring(r.Header(), 0))
	if got != want {
		return fmt.Errorf("the stream's scoring %q differs from the calibration's %q (%s): calibrate with errors of the same model and kind", got, want, l.path)
	}
	params := map[string]any{"norm": "calibrated", "score": "rank", "smooth": l.tau, "smooth_kind": "ema",
		"calibration_digest": l.digest, "calibration_frames": l.c.Frames()}
	if l.c.FPS() > 0 {
		params["fps"] = l.c.FPS()
	}
	h := stream.NewHeader(stream.KindScore, r.Header(), tool.Stage("regscore", args, params))
	w, err := stream.NewWriter(stdout, h, asJSON)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil { // a live reader starts on the header
		return err
	}
	vr := stream.NewVideoReader[stream.Record](ctx, r)
	for vr.NextVideo() {
		sm := ema{tau: l.tau}
		for rec, ok := vr.Next(); ok; rec, ok = vr.Next() {
			_, frame, _ := position(rec)
			e := sm.next(errorOf(rec))
			a := l.c.Rank(e)
			timed, t := timeOf(rec)
			if err := w.WriteFlush(&stream.Score{Video: vr.Video(), Frame: frame, Error: e, Abnormality: a, Regularity: 1 - a,
				Timed: timed, T: t}); err != nil {
				return err
			}
		}
	}
	if err := vr.Err(); err != nil {
		return err
	}
	return w.Close()
}

// position is a record's frame number (error or score records).
func position(rec stream.Record) (string, int, bool) {
	switch x := rec.(type) {
	case *stream.Error:
		return x.Video, x.Frame, true
	case *stream.Score:
		return x.Video, x.Frame, true
	}
	return "", 0, false
}
