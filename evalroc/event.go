// event.go: the report on an event stream: ground-truth events, those
// detected, and false alarms, per video and in total.

package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"stae/lib/stream"
)

// eventReport counts events against the truth. The events it was computed
// from stay beside it.
type eventReport struct {
	Kind       stream.Kind    `json:"kind"`
	Truth      string         `json:"truth"`
	Videos     int            `json:"videos"`
	Frames     int            `json:"frames"`
	Anomalous  int            `json:"anomalous"`
	GTEvents   int            `json:"gt_events"`
	Detected   int            `json:"detected"`
	FalseAlarm int            `json:"false_alarms"`
	Events     int            `json:"events"`
	PerVideo   []eventCount   `json:"per_video"`
	Provenance []stream.Stage `json:"provenance"`

	events *eventData // per-video events with truth
}

// eventCount is one video's line of an event report. Frames is 0 when the
// stream does not say.
type eventCount struct {
	Video       string `json:"video"`
	Frames      int    `json:"frames"`
	Anomalous   int    `json:"anomalous"`
	GTEvents    int    `json:"gt_events"`
	Detected    int    `json:"detected"`
	FalseAlarms int    `json:"false_alarms"`
	Events      int    `json:"events"`
}

func (rep *eventReport) kind() stream.Kind { return rep.Kind }

// eventLevel counts ground-truth events, detections and false alarms.
func (rep *eventReport) eventLevel(d *eventData) {
	rep.events = d
	for _, v := range d.videos {
		g, dt, f := countEvents(v)
		anomalous := 0
		for _, s := range v.Truth {
			anomalous += s.End - s.Start + 1
		}
		rep.PerVideo = append(rep.PerVideo, eventCount{Video: v.ID, Frames: v.Frames, Anomalous: anomalous,
			GTEvents: g, Detected: dt, FalseAlarms: f, Events: len(v.Events)})
		rep.GTEvents += g
		rep.Detected += dt
		rep.FalseAlarm += f
		rep.Events += len(v.Events)
		rep.Frames += v.Frames
		rep.Anomalous += anomalous
	}
	rep.Videos = len(d.videos)
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

func (rep *eventReport) writeTable(w io.Writer) error {
	writeHead(w, rep.Kind, rep.Provenance, rep.Truth)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "video\tframes\tgt events\tdetected\tfalse alarms\tevents")
	for _, v := range rep.PerVideo {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", v.Video, frames(v.Frames), v.GTEvents, v.Detected, v.FalseAlarms, v.Events)
	}
	fmt.Fprintf(tw, "all\t%s\t%d\t%d\t%d\t%d\n", frames(rep.Frames), rep.GTEvents, rep.Detected, rep.FalseAlarm, rep.Events)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\ndetected %d of %d ground-truth events, %d false alarms\nmatching: an event that overlaps a ground-truth event detects it; one that overlaps none is a false alarm\n",
		rep.Detected, rep.GTEvents, rep.FalseAlarm)
	return err
}
