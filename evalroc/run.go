// run.go: the evalroc tool's flags and the order of its work: read the
// stream, match the truth, evaluate, report.

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"stae/lib/stream"
	"stae/lib/tool"
	"stae/lib/truth"
)

const description = `Reads a score stream (from regscore) or an event stream (from events) on
stdin and compares it with the ground truth of --truth.

Scores: frame-level ROC of the --score field; AUC exact (Mann-Whitney, ties
count half); micro (all frames pooled) and macro (mean of per-video AUCs,
leaving out videos with a single class, with a note); EER where the
false-positive rate equals the miss rate, interpolated on the micro ROC.

Events: ground-truth events are maximal runs of anomalous frames. MATCHING
RULE: an event that overlaps a ground-truth event (shares at least one frame)
detects it; an event that overlaps none is a false alarm.

Truth: a UCSD .m file (TestVideoFile{end+1}.gt_frame = [61:180, 190:200];)
whose n-th entry is the n-th test video (Test003 takes entry 3; ids without
a number take entries in sorted order), or a CSV file (.csv) of
video,first,last rows (video,, for a video with no anomaly). Both 1-based
and inclusive; streams are 0-based. A stream video without truth, truth past
a video's last frame or a malformed truth line is an error; truth for a video
the stream lacks is a warning (an error with --strict).

INPUT:  score or event stream (msgpack or NDJSON)
OUTPUT: a table on stdout, or one JSON object with --json (auc_micro,
        auc_macro, eer, frames, videos, per_video; gt_events, detected,
        false_alarms for events; provenance of the stream evaluated)

EXAMPLES:
   # frame-level AUC and EER of a scored test set, ROC points to a file
   regscore < test.errors | evalroc --truth UCSDped2.m --roc roc.csv

   # pictures: plots/Test001.png ... (regularity, truth shaded, events marked) and plots/roc.png
   evalroc --truth UCSDped2.m --plot plots --events test.events < test.scores

   # event counts, as JSON
   regscore < test.errors | events | evalroc --truth UCSDped2.m --json`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := tool.NewApp("evalroc", "frame-level AUC/EER and event counts of a score or event stream against ground truth", description, stdin, stdout, stderr)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "truth", Required: true, Usage: "ground truth: UCSD .m file or video,first,last CSV (required)"},
		&cli.StringFlag{Name: "score", Value: "abnormality", Usage: "score field ranked as anomalous: abnormality, regularity (low = anomalous) or error"},
		&cli.StringFlag{Name: "roc", Usage: "write the micro ROC's points (threshold,fpr,tpr) to this CSV file"},
		&cli.BoolFlag{Name: "strict", Usage: "truth for videos the stream lacks is an error, not a warning"},
		&cli.BoolFlag{Name: "json", Usage: "write one JSON object instead of a table"},
		&cli.StringFlag{Name: "plot", Usage: "write pictures to this folder: <video>.png (regularity, truth shaded) and roc.png (score streams)"},
		&cli.StringFlag{Name: "events", Usage: "event stream file (from events) whose events --plot marks"},

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
		o := options{truthPath: c.String("truth"), field: field, rocPath: c.String("roc"), strict: c.Bool("strict")}
		rep, err := evaluate(c.Context, o, stdin, stderr)
		if err != nil {
			return err
		}
		if dir := c.String("plot"); dir != "" {
			warn := func(format string, args ...any) { fmt.Fprintf(stderr, "evalroc: "+format+"\n", args...) }
			if err := writePlots(c.Context, dir, c.String("events"), rep, warn); err != nil {
				return err
			}
		}
		if c.Bool("json") {
			return rep.writeJSON(stdout)
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
}

// evaluate reads the stream and the truth and computes the report.
func evaluate(ctx context.Context, o options, stdin io.Reader, stderr io.Writer) (*report, error) {
	tr, err := truth.Read(o.truthPath)
	if err != nil {
		return nil, err
	}
	r, err := stream.NewReader(stream.CancelReader(ctx, stdin), stream.KindScore, stream.KindEvent)
	if err != nil {
		return nil, err
	}
	rep := &report{Truth: o.truthPath, Kind: r.Kind(), Provenance: r.Header().Provenance}
	warn := func(format string, args ...any) {
		fmt.Fprintf(stderr, "evalroc: "+format+"\n", args...)
	}
	if r.Kind() == stream.KindScore {
		rep.Score = o.field.String()
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
	data, err := readEvents(ctx, r, warn)
	if err != nil {
		return nil, err
	}
	if err := data.match(tr, o.strict, warn); err != nil {
		return nil, err
	}
	rep.eventLevel(data)
	return rep, nil
}
