// report.go: the numbers evalroc computes and their two renderings, a table
// for people and one JSON object for programs.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"stae/lib/atomicfile"
	"stae/lib/english"
	"stae/lib/metrics"
	"stae/lib/stream"
)

// report is everything evalroc found. Its JSON form is the --json output;
// the series and events it was computed from stay beside it for plotting.
type report struct {
	Kind       stream.Kind    `json:"kind"`
	Truth      string         `json:"truth"`
	Score      string         `json:"score,omitempty"`
	Videos     int            `json:"videos"`
	Frames     int            `json:"frames"`
	Anomalous  int            `json:"anomalous"`
	AUCMicro   *float64       `json:"auc_micro,omitempty"`
	AUCMacro   *float64       `json:"auc_macro,omitempty"`
	MacroOver  int            `json:"auc_macro_videos,omitempty"`
	EER        *float64       `json:"eer,omitempty"`
	EERAt      *float64       `json:"eer_threshold,omitempty"`
	GTEvents   *int           `json:"gt_events,omitempty"`
	Detected   *int           `json:"detected,omitempty"`
	FalseAlarm *int           `json:"false_alarms,omitempty"`
	Events     *int           `json:"events,omitempty"`
	PerVideo   []videoResult  `json:"per_video"`
	Provenance []stream.Stage `json:"provenance"`

	scores *scoreData      // score streams: per-video series with truth
	events *eventData      // event streams: per-video events with truth
	roc    []metrics.Point // micro ROC
}

// videoResult is one video's line of the report.
type videoResult struct {
	Video       string   `json:"video"`
	Frames      int      `json:"frames"`
	Anomalous   int      `json:"anomalous"`
	AUC         *float64 `json:"auc,omitempty"`
	SingleClass bool     `json:"single_class,omitempty"`
	GTEvents    *int     `json:"gt_events,omitempty"`
	Detected    *int     `json:"detected,omitempty"`
	FalseAlarms *int     `json:"false_alarms,omitempty"`
	Events      *int     `json:"events,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// frameLevel computes AUCs and EER, and writes the ROC file when asked.
func (rep *report) frameLevel(d *scoreData, rocPath string, warn func(string, ...any)) error {
	rep.scores = d
	vs := make([]metrics.Video, len(d.videos))
	for i, v := range d.videos {
		vs[i] = metrics.Video{ID: v.ID, Scores: v.Score, Labels: v.Labels}
	}
	pts, micro, err := metrics.Micro(vs)
	if err != nil {
		return fmt.Errorf("micro auc: %w", err)
	}
	rep.roc = pts
	eer, at, err := metrics.EER(pts)
	if err != nil {
		return err
	}
	neg := rep.Score == fieldRegularity.String() // ranked as -regularity; report regularity
	if neg {
		at = -at
	}
	rep.AUCMicro, rep.EER, rep.EERAt = &micro, &eer, &at
	macro, per, err := metrics.Macro(vs)
	switch {
	case errors.Is(err, metrics.ErrOneClass):
		warn("note: no video holds both normal and anomalous frames: no macro AUC")
	case err != nil:
		return err
	default:
		rep.AUCMacro = &macro
	}
	rep.Videos = len(per)
	for _, p := range per {
		rep.Frames += p.Frames
		rep.Anomalous += p.Anomalous
		vr := videoResult{Video: p.ID, Frames: p.Frames, Anomalous: p.Anomalous}
		if p.Skipped {
			vr.SingleClass = true
			what := "normal"
			if p.Anomalous > 0 {
				what = "anomalous"
			}
			warn("note: %s: all %d frames are %s; left out of the macro AUC", p.ID, p.Frames, what)
		} else {
			vr.AUC = ptr(p.AUC)
			rep.MacroOver++
		}
		rep.PerVideo = append(rep.PerVideo, vr)
	}
	if rocPath != "" {
		return atomicfile.Write(rocPath, 0o644, func(w io.Writer) error { return writeROC(w, pts, neg) })
	}
	return nil
}

// writeROC writes ROC points as CSV, strictest threshold first. With neg the
// ranked score was -regularity, and thresholds are written as regularity
// (a frame at or below it is called anomalous).
func writeROC(w io.Writer, pts []metrics.Point, neg bool) error {
	if _, err := io.WriteString(w, "threshold,fpr,tpr\n"); err != nil {
		return err
	}
	for _, p := range pts {
		t := p.Threshold
		if neg {
			t = -t
		}
		if _, err := fmt.Fprintf(w, "%s,%s,%s\n", num(t), num(p.FPR), num(p.TPR)); err != nil {
			return err
		}
	}
	return nil
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// eventLevel counts ground-truth events, detections and false alarms.
func (rep *report) eventLevel(d *eventData) {
	rep.events = d
	var gt, det, fa, n int
	for _, v := range d.videos {
		g, dt, f := countEvents(v)
		frames := v.Frames
		anomalous := 0
		for _, s := range v.Truth {
			anomalous += s.End - s.Start + 1
		}
		rep.PerVideo = append(rep.PerVideo, videoResult{Video: v.ID, Frames: frames, Anomalous: anomalous,
			GTEvents: ptr(g), Detected: ptr(dt), FalseAlarms: ptr(f), Events: ptr(len(v.Events))})
		gt, det, fa, n = gt+g, det+dt, fa+f, n+len(v.Events)
		rep.Frames += frames
		rep.Anomalous += anomalous
	}
	rep.Videos = len(d.videos)
	rep.GTEvents, rep.Detected, rep.FalseAlarm, rep.Events = &gt, &det, &fa, &n
}

// countEvents applies the matching rule: an event overlapping a
// ground-truth event detects it; an event overlapping none is a false alarm.
func countEvents(v *eventVideo) (gt, detected, falseAlarms int) {
	hit := make([]bool, len(v.Truth))
	for _, e := range v.Events {
		overlaps := false
		for i, s := range v.Truth {
			if e.Start <= s.End && s.Start <= e.End {
				hit[i], overlaps = true, true
			}
		}
		if !overlaps {
			falseAlarms++
		}
	}
	for _, h := range hit {
		if h {
			detected++
		}
	}
	return len(v.Truth), detected, falseAlarms
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// pipeline renders the provenance as the command line that made the stream.
func (rep *report) pipeline() string {
	parts := make([]string, len(rep.Provenance))
	for i, s := range rep.Provenance {
		parts[i] = strings.Join(append([]string{s.Tool}, s.Args...), " ")
	}
	return strings.Join(parts, " | ")
}

func (rep *report) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "stream:  %s stream from %s\n", rep.Kind, rep.pipeline())
	fmt.Fprintf(w, "truth:   %s\n", rep.Truth)
	if rep.Kind == stream.KindScore {
		if rep.Score == fieldRegularity.String() {
			fmt.Fprintf(w, "score:   regularity (lower = more anomalous)\n\n")
		} else {
			fmt.Fprintf(w, "score:   %s (higher = more anomalous)\n\n", rep.Score)
		}
		fmt.Fprintln(tw, "video\tframes\tanomalous\tAUC")
		for _, v := range rep.PerVideo {
			auc := "-  (one class: not in macro)"
			if v.AUC != nil {
				auc = fmt.Sprintf("%.4f", *v.AUC)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", v.Video, v.Frames, v.Anomalous, auc)
		}
		fmt.Fprintf(tw, "all\t%d\t%d\n", rep.Frames, rep.Anomalous)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nAUC micro  %.4f  (%.1f %%, all %s of %s pooled)\n", *rep.AUCMicro, 100**rep.AUCMicro, english.Frames(rep.Frames), english.Videos(rep.Videos))
		if rep.AUCMacro != nil {
			fmt.Fprintf(w, "AUC macro  %.4f  (%.1f %%, mean over %d of %s)\n", *rep.AUCMacro, 100**rep.AUCMacro, rep.MacroOver, english.Videos(rep.Videos))
		} else {
			fmt.Fprintf(w, "AUC macro  -       (no video holds both classes)\n")
		}
		_, err := fmt.Fprintf(w, "EER        %.4f  (%.1f %%, at %s %.4g)\n", *rep.EER, 100**rep.EER, rep.Score, *rep.EERAt)
		return err
	}
	fmt.Fprintln(tw, "video\tframes\tgt events\tdetected\tfalse alarms\tevents")
	for _, v := range rep.PerVideo {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", v.Video, frames(v.Frames), *v.GTEvents, *v.Detected, *v.FalseAlarms, *v.Events)
	}
	fmt.Fprintf(tw, "all\t%s\t%d\t%d\t%d\t%d\n", frames(rep.Frames), *rep.GTEvents, *rep.Detected, *rep.FalseAlarm, *rep.Events)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\ndetected %d of %d ground-truth events, %d false alarms\nmatching: an event that overlaps a ground-truth event detects it; one that overlaps none is a false alarm\n",
		*rep.Detected, *rep.GTEvents, *rep.FalseAlarm)
	return err
}

func frames(n int) string {
	if n == 0 {
		return "?"
	}
	return strconv.Itoa(n)
}
