// run.go: the evalroc tool's flags and the order of its work: read the
// stream, match the truth, evaluate, report.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"stae/lib/stream"
	"stae/lib/tool"
	"stae/lib/truth"
)

const description = `Reads a score stream (from regscore) or an event stream (from events) on
stdin and compares it with the ground truth of --truth (without truth,
--plot draws a score stream); with --masks, an error stream with
per-pixel maps (recon --maps) compared with pixel masks.

Scores: frame-level ROC of the --score field; AUC exact (Mann-Whitney, ties
count half); micro (all frames pooled) and macro (mean of per-video AUCs,
leaving out videos with a single class, with a note); EER where the
false-positive rate equals the miss rate, interpolated on the micro ROC.

Events: ground-truth events are maximal runs of anomalous frames. MATCHING
RULE: an event that overlaps a ground-truth event (shares at least one frame)
detects it; an event that overlaps none is a false alarm. With a frame rate
(--fps, else the stream's fps parameter, which events --alarm records), also
false alarms per minute of footage (frames / fps / 60; overall only when
every video's length is known) and the detection delay: seconds from a
detected ground-truth event's start to the start of the first event (alarm)
detecting it, negative when that began earlier; mean and max.

Truth: a UCSD .m file (TestVideoFile{end+1}.gt_frame = [61:180, 190:200];)
whose n-th entry is the n-th test video (Test003 takes entry 3; ids without
a number take entries in sorted order), or a CSV file (.csv) of
video,first,last rows (video,, for a video with no anomaly). Both 1-based
and inclusive; streams are 0-based. A stream video without truth, truth past
a video's last frame or a malformed truth line is an error; truth for a video
the stream lacks is a warning (an error with --strict).

Masks (--masks DIR): pixel-level ROC of Mahadevan et al. (CVPR 2010). Video V's
masks are DIR/V_gt/ or DIR/V/, one NNN.bmp or frameNNN.bmp (or .png) per
frame, 1-based (UCSD Ped2's Test folder). Each error map is resized to its
mask (bilinear) and the frame reduced to one score: an anomalous frame is
detected at threshold t when at least 40 % of its mask's pixels are >= t, a
normal frame is a false alarm when any pixel is. AUC and EER of that ROC per
video and over all frames pooled. With --truth too, the frame-level report of
the stream's error e(t), as recon wrote it (not min-max normalised).

Without truth (--plot DIR, no --truth): footage nobody labelled, looked at.
Per video DIR/<video>.png: abnormality (calibrated streams, regscore
--calibration) or regularity (min-max streams) over time in seconds (frame
rate from --fps, the score stream or the --events stream; else frame
number), the events of --events shaded and, for an alarm stream (events
--alarm), its threshold as a horizontal line. No ROC; the table says what
was drawn.

Scores from any other method are evaluated on the same footing when
written as an NDJSON score stream:
   {"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"mine","version":"1","args":[]}]}
   {"video":"Test001","frame":0,"error":0,"abnormality":0.12,"regularity":0.88}
evalroc holds all scores in memory (they are small).

INPUT:  score or event stream; with --masks an error stream with maps
        (msgpack or NDJSON),
` + tool.ConcatenatedHelp + `
OUTPUT: a table on stdout, or one JSON object with --json (auc_micro,
        auc_macro, eer, frames, videos, per_video; gt_events, detected,
        false_alarms for events, and with a frame rate fps, minutes,
        false_alarms_per_minute, delay_s_mean, delay_s_max; masks and pixel
        {auc, eer, eer_threshold, anomalous, normal, per_video} with
        --masks; provenance of the stream evaluated)

EXAMPLES:
   # frame-level AUC and EER of a scored test set, ROC points to a file
   regscore < test.errors | evalroc --truth UCSDped2.m --roc roc.csv

   # pictures: plots/Test001.png ... (regularity, truth shaded, events marked) and plots/roc.png
   evalroc --truth UCSDped2.m --plot plots --events test.events < test.scores

   # footage without truth: abnormality over seconds, threshold and alarms
   evalroc --plot look --events live.alarms < live.scores

   # event counts, as JSON
   regscore < test.errors | events | evalroc --truth UCSDped2.m --json

   # pixel-level AUC/EER against Ped2's masks, and frame-level AUC of e(t)
   frames --stats stats.bin Test | volumes | recon --model model.stae --maps |
       evalroc --masks Test --truth Test/UCSDped2.m`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("evalroc", "frame-level AUC/EER and event counts of a score or event stream against ground truth", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "truth", Usage: "ground truth: UCSD .m file or video,first,last CSV (required, except with --masks, or --plot to look without truth)"},
		&cli.StringFlag{Name: "masks", Usage: "pixel masks: folder of <video>_gt/ or <video>/ mask folders; evaluates an error stream with maps (recon --maps) at pixel level"},
		&cli.StringFlag{Name: "score", Value: "abnormality", Usage: "score field ranked as anomalous: abnormality, regularity (low = anomalous) or error"},
		&cli.StringFlag{Name: "roc", Usage: "write the micro ROC's points (threshold,fpr,tpr) to this CSV file (whole or not at all; a symbolic link is written through to the file it points to)"},
		&cli.BoolFlag{Name: "strict", Usage: "truth for videos the stream lacks is an error, not a warning"},
		&cli.BoolFlag{Name: "json", Usage: "write one JSON object instead of a table"},
		&cli.StringFlag{Name: "plot", Usage: "write pictures to this folder, which appears whole or not at all: <video>.png (regularity, truth shaded; the id escaped as in stream.FileName) and roc.png (score streams); without --truth, <video>.png alone (the score over time, threshold and alarms)"},
		&cli.StringFlag{Name: "events", Usage: "event stream file (from events) whose events --plot marks"},
		&cli.Float64Flag{Name: "fps", DefaultText: "the stream's fps parameter", Usage: "frame rate of the footage: seconds on the pictures without truth, false alarms per minute and detection delays of event streams"},

		tool.QuietFlag,
	}
	app.Action = func(c *cli.Context) error {
		stderr := tool.Notes(c, stderr) // --quiet: no notes
		if c.NArg() > 0 {
			return tool.Usagef("unexpected argument %q: evalroc reads stdin", c.Args().First())
		}
		field, err := parseField(c.String("score"))
		if err != nil {
			return tool.Usagef("--score: %v", err)
		}
		if c.String("events") != "" && c.String("plot") == "" {
			return tool.Usagef("--events marks events on the pictures of --plot; give --plot DIR too")
		}
		o := options{truthPath: c.String("truth"), field: field, rocPath: c.String("roc"), strict: c.Bool("strict"), masks: c.String("masks"), plot: c.String("plot")}
		if c.IsSet("fps") {
			o.fps = c.Float64("fps")
			if err := tool.CheckFPS(o.fps); err != nil {
				return err
			}
		}
		switch {
		case o.masks == "" && o.truthPath == "" && o.plot == "":
			return tool.Usagef("missing --truth (or --masks DIR, for an error stream with maps)")
		case o.masks != "" && c.IsSet("score") && field != fieldError:
			return tool.Usagef("--score: with --masks the frame-level score is the error stream's error field")
		case o.masks != "" && o.rocPath != "" && o.truthPath == "":
			return tool.Usagef("--roc writes the frame-level ROC; with --masks give --truth too")
		case o.masks != "" && c.String("plot") != "":
			return tool.Usagef("--plot needs a score stream (from regscore); it does not apply with --masks")
		case o.truthPath == "" && o.rocPath != "":
			return tool.Usagef("--roc writes the frame-level ROC, which needs --truth")
		}
		if o.masks != "" {
			o.field = fieldError
		}
		rep, err := evaluate(c.Context, o, stdin, stderr)
		if err != nil {
			return err
		}
		if dir := c.String("plot"); dir != "" {
			warn := func(format string, args ...any) { fmt.Fprintf(stderr, "evalroc: "+format+"\n", args...) }
			switch x := rep.(type) {
			case *frameReport:
				err = writePlots(c.Context, dir, c.String("events"), x, warn)
			case *lookReport:
				err = writeTimelines(c.Context, dir, c.String("events"), o.fps, x, warn)
			default:
				err = fmt.Errorf("--plot needs a score stream (from regscore), not an %s stream", rep.kind())
			}
			if err != nil {
				return err
			}
		}
		if c.Bool("json") {
			return writeJSON(stdout, rep)
		}
		return rep.writeTable(stdout)
	}
	app.Commands = append(app.Commands, tool.InspectCommand())
	return tool.Run(ctx, app, args, stderr)
}

// options are evalroc's settings after parsing.
type options struct {
	truthPath string
	field     field
	rocPath   string
	strict    bool
	masks     string  // --masks: the pixel-level evaluation of an error stream
	plot      string  // --plot DIR; without truth, the pictures are all there is
	fps       float64 // --fps; 0: the stream's, if any
}

// streamFPS is --fps, else the header's fps parameter, else 0.
func streamFPS(flag float64, h *stream.Header) float64 {
	if flag > 0 {
		return flag
	}
	if f, ok := h.FPS(); ok {
		return f
	}
	return 0
}

// evaluate reads the stream and the truth and computes the report.
func evaluate(ctx context.Context, o options, stdin io.Reader, stderr io.Writer) (report, error) {
	warn := func(format string, args ...any) {
		fmt.Fprintf(stderr, "evalroc: "+format+"\n", args...)
	}
	var tr *truth.Truth
	if o.truthPath != "" {
		var err error
		if tr, err = truth.Read(o.truthPath); err != nil {
			return nil, err
		}
	}
	if o.masks != "" {
		return evaluateMaps(ctx, o, tr, stdin, warn)
	}
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindScore, stream.KindEvent)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		// --plot without --truth: the score curves are the report.
		if r.Kind() != stream.KindScore {
			return nil, fmt.Errorf("--plot needs a score stream (from regscore), not an %s stream", r.Kind())
		}
		data, err := readScores(ctx, r, o.field)
		if err != nil {
			return nil, err
		}
		return newLookReport(r.Header(), data, streamFPS(o.fps, r.Header()), o.plot), nil
	}
	if r.Kind() == stream.KindScore {
		rep := &frameReport{Truth: o.truthPath, Kind: r.Kind(), Provenance: r.Header().Provenance, Score: o.field.String()}
		data, err := readScores(ctx, r, o.field)
		if err != nil {
			return nil, err
		}
		if err := data.match(tr, o.strict, warn); err != nil {
			return nil, err
		}
		if err := rep.frameLevel(data, o.rocPath, warn); err != nil {
			return nil, err
		}
		return rep, nil
	}
	rep := &eventReport{Truth: o.truthPath, Kind: r.Kind(), Provenance: r.Header().Provenance}
	data, err := readEvents(ctx, r, warn)
	if err != nil {
		return nil, err
	}
	if err := data.match(tr, o.strict, warn); err != nil {
		return nil, err
	}
	rep.eventLevel(data, streamFPS(o.fps, r.Header()))
	return rep, nil
}

// evaluateMaps is evalroc --masks: the pixel-level report of an error
// stream with maps and, when tr is not nil, the frame-level report of its
// error field.
func evaluateMaps(ctx context.Context, o options, tr *truth.Truth, stdin io.Reader, warn func(string, ...any)) (report, error) {
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindError)
	if errors.Is(err, stream.ErrKind) {
		return nil, fmt.Errorf("--masks needs an error stream with per-pixel maps (recon --maps): %w", err)
	}
	if err != nil {
		return nil, err
	}
	rep := &pixelReport{Kind: r.Kind(), Truth: o.truthPath, Masks: o.masks, Provenance: r.Header().Provenance}
	col, data, err := readMaps(ctx, r, o.masks, tr != nil)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		fr := &frameReport{Kind: r.Kind(), Truth: o.truthPath, Provenance: rep.Provenance, Score: fieldError.String()}
		if err := data.match(tr, o.strict, warn); err != nil {
			return nil, err
		}
		if err := fr.frameLevel(data, o.rocPath, warn); err != nil {
			return nil, err
		}
		rep.frameReport = fr
	}
	if err := rep.pixelLevel(col); err != nil {
		return nil, err
	}
	return rep, nil
}
