// event.go: the report on an event stream: ground-truth events, those
// detected, and false alarms, per video and in total; with a frame rate
// (--fps or the stream's), false alarms per minute of footage and the
// delay from each detected ground-truth event's start to its alarm's.

package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"stae/lib/stream"
)

// eventReport counts events against the truth. The events it was computed
// from stay beside it.
type eventReport struct {
	Kind       stream.Kind `json:"kind"`
	Truth      string      `json:"truth"`
	Videos     int         `json:"videos"`
	Frames     int         `json:"frames"`
	Anomalous  int         `json:"anomalous"`
	GTEvents   int         `json:"gt_events"`
	Detected   int         `json:"detected"`
	FalseAlarm int         `json:"false_alarms"`
	Events     int         `json:"events"`
	timing
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
	timing
}

// timing is what a frame rate adds to an event count; every field is
// left out (nil) where it is unknown: without a frame rate, minutes of a
// video whose length is unknown, delays where nothing was detected.
type timing struct {
	FPS                  *float64 `json:"fps,omitempty"`
	Minutes              *float64 `json:"minutes,omitempty"`
	FalseAlarmsPerMinute *float64 `json:"false_alarms_per_minute,omitempty"`
	DelayMean            *float64 `json:"delay_s_mean,omitempty"`
	DelayMax             *float64 `json:"delay_s_max,omitempty"`
}

// newTiming is the timing of frames frames (0: unknown) holding falseAlarms
// false alarms and detections delayed by delays (frames), at fps (0:
// unknown).
func newTiming(fps float64, frames, falseAlarms int, delays []int) timing {
	if fps <= 0 {
		return timing{}
	}
	t := timing{FPS: ptr(fps)}
	if frames > 0 {
		minutes := float64(frames) / fps / 60
		t.Minutes, t.FalseAlarmsPerMinute = ptr(minutes), ptr(float64(falseAlarms)/minutes)
	}
	if len(delays) > 0 {
		sum, top := 0, delays[0]
		for _, d := range delays {
			sum, top = sum+d, max(top, d)
		}
		t.DelayMean, t.DelayMax = ptr(float64(sum)/float64(len(delays))/fps), ptr(float64(top)/fps)
	}
	return t
}

func (rep *eventReport) kind() stream.Kind { return rep.Kind }

// eventLevel counts ground-truth events, detections and false alarms, and
// with fps > 0 times them.
func (rep *eventReport) eventLevel(d *eventData, fps float64) {
	rep.events = d
	var delays []int
	known := true // every video's length is known
	for _, v := range d.videos {
		g, dt, f, delay := countEvents(v)
		anomalous := 0
		for _, s := range v.Truth {
			anomalous += s.End - s.Start + 1
		}
		rep.PerVideo = append(rep.PerVideo, eventCount{Video: v.ID, Frames: v.Frames, Anomalous: anomalous,
			GTEvents: g, Detected: dt, FalseAlarms: f, Events: len(v.Events), timing: newTiming(fps, v.Frames, f, delay)})
		delays = append(delays, delay...)
		known = known && v.Frames > 0
		rep.GTEvents += g
		rep.Detected += dt
		rep.FalseAlarm += f
		rep.Events += len(v.Events)
		rep.Frames += v.Frames
		rep.Anomalous += anomalous
	}
	rep.Videos = len(d.videos)
	total := rep.Frames
	if !known {
		total = 0
	}
	rep.timing = newTiming(fps, total, rep.FalseAlarm, delays)
}

// countEvents applies the matching rule: an event overlapping a
// ground-truth event detects it; an event overlapping none is a false alarm.
// The delay of a detected ground-truth event is the start of the earliest
// event detecting it minus its own start, in frames (negative when that
// event began before it).
func countEvents(v *eventVideo) (gt, detected, falseAlarms int, delays []int) {
	hit := make([]bool, len(v.Truth))
	first := make([]int, len(v.Truth))
	for _, e := range v.Events {
		overlaps := false
		for i, s := range v.Truth {
			if e.Start <= s.End && s.Start <= e.End {
				if !hit[i] || e.Start < first[i] {
					first[i] = e.Start
				}
				hit[i], overlaps = true, true
			}
		}
		if !overlaps {
			falseAlarms++
		}
	}
	for i, h := range hit {
		if h {
			detected++
			delays = append(delays, first[i]-v.Truth[i].Start)
		}
	}
	return len(v.Truth), detected, falseAlarms, delays
}

func (rep *eventReport) writeTable(w io.Writer) error {
	writeHead(w, rep.Kind, rep.Provenance, rep.Truth)
	timed := rep.FPS != nil // without a frame rate, the table of old
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "video\tframes\tgt events\tdetected\tfalse alarms\tevents")
	if timed {
		fmt.Fprint(tw, "\tminutes\tfalse alarms/min\tdelay s mean\tdelay s max")
	}
	fmt.Fprintln(tw)
	for _, v := range rep.PerVideo {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d", v.Video, frames(v.Frames), v.GTEvents, v.Detected, v.FalseAlarms, v.Events)
		if timed {
			fmt.Fprint(tw, v.timing.columns())
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "all\t%s\t%d\t%d\t%d\t%d", frames(rep.Frames), rep.GTEvents, rep.Detected, rep.FalseAlarm, rep.Events)
	if timed {
		fmt.Fprint(tw, rep.timing.columns())
	}
	fmt.Fprintln(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndetected %d of %d ground-truth events, %d false alarms\n", rep.Detected, rep.GTEvents, rep.FalseAlarm)
	if timed {
		fmt.Fprintf(w, "at %s frames/s: ", num(*rep.FPS))
		if rep.Minutes != nil {
			fmt.Fprintf(w, "%s false alarms per minute of footage (%.4g minutes)", opt(rep.FalseAlarmsPerMinute), *rep.Minutes)
		} else {
			fmt.Fprint(w, "false alarms per minute unknown (a video's length is not known)")
		}
		if rep.DelayMean != nil {
			fmt.Fprintf(w, "; detection delay %s s mean, %s s max (ground-truth start to its first event's start)", opt(rep.DelayMean), opt(rep.DelayMax))
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "matching: an event that overlaps a ground-truth event detects it; one that overlaps none is a false alarm\n")
	return err
}

// columns are a timing's table columns, each after a tab; "-" where unknown.
func (t timing) columns() string {
	return "\t" + opt(t.Minutes) + "\t" + opt(t.FalseAlarmsPerMinute) + "\t" + opt(t.DelayMean) + "\t" + opt(t.DelayMax)
}

// opt renders a number to 4 significant digits, "-" when unknown.
func opt(x *float64) string {
	if x == nil {
		return "-"
	}
	return strconv.FormatFloat(*x, 'g', 4, 64)
}
