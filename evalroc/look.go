// look.go: evalroc --plot without --truth, for footage nobody labelled: per
// video, the score over time with the alarm threshold and the alarms of
// --events; no ROC, since nothing says which frames are anomalous.

package main

import (
	"context"
	"fmt"
	"io"

	gplot "gonum.org/v1/plot"

	"stae/lib/english"
	"stae/lib/plot"
	"stae/lib/stream"
)

// lookReport is what evalroc says of a score stream without truth: what it
// drew.
type lookReport struct {
	Kind       stream.Kind    `json:"kind"`
	Plot       string         `json:"plot"`
	Score      string         `json:"score"` // the field drawn: abnormality or regularity
	FPS        *float64       `json:"fps,omitempty"`
	Videos     int            `json:"videos"`
	Frames     int            `json:"frames"`
	Provenance []stream.Stage `json:"provenance"`

	scores *scoreData
	fps    float64 // the score stream's frame rate (or --fps); 0: not known
}

func (rep *lookReport) kind() stream.Kind { return rep.Kind }

// newLookReport describes the pictures of a score stream: abnormality for a
// calibrated stream (regscore --calibration, whose alarms are set on
// abnormality), regularity for the others (min-max normalised per video, as
// the paper draws it).
func newLookReport(h *stream.Header, d *scoreData, fps float64, dir string) *lookReport {
	rep := &lookReport{Kind: h.Kind, Plot: dir, Score: fieldRegularity.String(), Videos: len(d.videos), Provenance: h.Provenance, scores: d, fps: fps}
	if norm, _ := h.Param("norm"); norm == "calibrated" {
		rep.Score = fieldAbnormality.String()
	}
	if fps > 0 {
		rep.FPS = ptr(fps)
	}
	for _, v := range d.videos {
		rep.Frames += len(v.Frames)
	}
	return rep
}

func (rep *lookReport) writeTable(w io.Writer) error {
	writeHead(w, rep.Kind, rep.Provenance, "")
	over := "frame number"
	if rep.FPS != nil {
		over = fmt.Sprintf("time (%s frames/s)", num(*rep.FPS))
	}
	_, err := fmt.Fprintf(w, "plots:   %s: %s over %s of %s (%s); no truth, no ROC\n",
		rep.Plot, rep.Score, over, english.Videos(rep.Videos), english.Frames(rep.Frames))
	return err
}

// writeTimelines draws a timeline per video into the folder dir, whole or
// not at all. The frame rate is flagFPS (--fps), else the score stream's,
// else the event stream's; the threshold is that of an alarm stream.
func writeTimelines(ctx context.Context, dir, eventsPath string, flagFPS float64, rep *lookReport, warn func(string, ...any)) (err error) {
	m := &marks{}
	if eventsPath != "" {
		if m, err = readEventFile(ctx, eventsPath, rep.scores, warn); err != nil {
			return err
		}
	}
	fps := rep.fps
	if fps == 0 && m.fps > 0 {
		fps = m.fps
		rep.FPS = ptr(fps)
	}
	regularity := rep.Score == fieldRegularity.String()
	threshold := m.threshold
	if threshold != nil && regularity {
		threshold = ptr(1 - *threshold) // regularity is 1 - abnormality
	}
	label := "events"
	if m.alarms {
		label = "alarms"
	}
	return drawVideos(ctx, dir, rep.scores, func(v *series) (*gplot.Plot, error) {
		c := plot.Curve{ID: v.ID, Frames: v.Frames, Values: v.Abnormality, Regularity: regularity, FPS: fps,
			Threshold: threshold, Alarms: m.byVideo[v.ID], AlarmLabel: label}
		if regularity {
			c.Values = v.Regularity
		}
		return plot.Timeline(c)
	}, nil)
}
