// frame.go: the report on a score stream (or the e(t) of an error stream
// with --masks and --truth): frame-level ROC, AUC micro and macro, EER.

package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"stae/lib/atomicfile"
	"stae/lib/english"
	"stae/lib/metrics"
	"stae/lib/stream"
)

// frameReport is the frame-level evaluation of a score field. The series
// it was computed from stay beside it for plotting.
type frameReport struct {
	Kind       stream.Kind    `json:"kind"`
	Truth      string         `json:"truth"`
	Score      string         `json:"score"`
	Videos     int            `json:"videos"`
	Frames     int            `json:"frames"`
	Anomalous  int            `json:"anomalous"`
	AUCMicro   float64        `json:"auc_micro"`
	AUCMacro   *float64       `json:"auc_macro,omitempty"`
	MacroOver  int            `json:"auc_macro_videos,omitempty"`
	EER        float64        `json:"eer"`
	EERAt      float64        `json:"eer_threshold"`
	PerVideo   []frameVideo   `json:"per_video"`
	Provenance []stream.Stage `json:"provenance"`

	scores *scoreData      // per-video series with truth
	roc    []metrics.Point // micro ROC
}

// frameVideo is one video's line of a frame report.
type frameVideo struct {
	Video       string   `json:"video"`
	Frames      int      `json:"frames"`
	Anomalous   int      `json:"anomalous"`
	AUC         *float64 `json:"auc,omitempty"`
	SingleClass bool     `json:"single_class,omitempty"`
}

func (rep *frameReport) kind() stream.Kind { return rep.Kind }

// frameLevel computes AUCs and EER, and writes the ROC file when asked.
func (rep *frameReport) frameLevel(d *scoreData, rocPath string, warn func(string, ...any)) error {
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
	rep.AUCMicro, rep.EER, rep.EERAt = micro, eer, at
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
		vr := frameVideo{Video: p.ID, Frames: p.Frames, Anomalous: p.Anomalous}
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

func (rep *frameReport) writeTable(w io.Writer) error {
	writeHead(w, rep.Kind, rep.Provenance, rep.Truth)
	if rep.Score == fieldRegularity.String() {
		fmt.Fprintf(w, "score:   regularity (lower = more anomalous)\n\n")
	} else {
		fmt.Fprintf(w, "score:   %s (higher = more anomalous)\n\n", rep.Score)
	}
	return rep.writeBody(w)
}

// writeBody writes the per-video table and the AUC and EER lines.
func (rep *frameReport) writeBody(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
	fmt.Fprintf(w, "\nAUC micro  %.4f  (%.1f %%, all %s of %s pooled)\n", rep.AUCMicro, 100*rep.AUCMicro, english.Frames(rep.Frames), english.Videos(rep.Videos))
	if rep.AUCMacro != nil {
		fmt.Fprintf(w, "AUC macro  %.4f  (%.1f %%, mean over %d of %s)\n", *rep.AUCMacro, 100**rep.AUCMacro, rep.MacroOver, english.Videos(rep.Videos))
	} else {
		fmt.Fprintf(w, "AUC macro  -       (no video holds both classes)\n")
	}
	_, err := fmt.Fprintf(w, "EER        %.4f  (%.1f %%, at %s %.4g)\n", rep.EER, 100*rep.EER, rep.Score, rep.EERAt)
	return err
}
