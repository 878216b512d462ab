// plot.go: evalroc --plot: per video, the regularity score over frame number
// with the truth shaded and the events of --events marked, and the micro
// ROC with its AUC and EER, as PNGs in one folder.

package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	gplot "gonum.org/v1/plot"

	"stae/lib/atomicfile"
	"stae/lib/english"
	"stae/lib/plot"
	"stae/lib/stream"
)

// rocFile is the ROC picture's name in the --plot folder.
const rocFile = "roc.png"

// plotName is the file name of a video's plot: stream.FileName's, except
// that a video called like the ROC picture ("roc") has its first byte
// escaped, a name FileName never gives, so no id overwrites roc.png and no
// two ids share a plot.
func plotName(id string) string {
	n := stream.FileName(id)
	if n+".png" == rocFile {
		n = fmt.Sprintf("%%%02X", n[0]) + n[1:]
	}
	return n + ".png"
}

// writePlots draws the report's pictures into the folder dir, whole or
// not at all (drawVideos).
func writePlots(ctx context.Context, dir, eventsPath string, rep *frameReport, warn func(string, ...any)) error {
	events := map[string][]plot.Event{}
	if eventsPath != "" {
		m, err := readEventFile(ctx, eventsPath, rep.scores, warn)
		if err != nil {
			return err
		}
		events = m.byVideo
	}
	return drawVideos(ctx, dir, rep.scores, func(v *series) (*gplot.Plot, error) {
		pv := plot.Video{ID: v.ID, Frames: v.Frames, Regularity: v.Regularity, Events: events[v.ID]}
		for _, s := range v.Truth {
			pv.Truth = append(pv.Truth, plot.Span{Start: s.Start, End: s.End})
		}
		return plot.Regularity(pv)
	}, func(path string) error { return writeROCPlot(path, rep) })
}

// writeROCPlot draws the report's micro ROC into the folder path.
func writeROCPlot(path string, rep *frameReport) error {
	pts := make([]plot.ROCPoint, len(rep.roc))
	for i, pt := range rep.roc {
		pts[i] = plot.ROCPoint{FPR: pt.FPR, TPR: pt.TPR}
	}
	title := fmt.Sprintf("Frame-level ROC, %s of %s pooled (%s)", english.Frames(rep.Frames), english.Videos(rep.Videos), rep.Score)
	p, err := plot.ROC(pts, rep.AUCMicro, rep.EER, title)
	if err != nil {
		return err
	}
	if err := plot.WritePNG(p, filepath.Join(path, rocFile), plot.ROCSize, plot.ROCSize); err != nil {
		return fmt.Errorf("ROC plot: %w", err)
	}
	return nil
}

// drawVideos writes draw's picture of each video of d, then what more does
// (nil: nothing), into the folder dir, whole or not at all: into a
// temporary sibling, renamed into place (replacing an earlier folder) once
// every picture is written.
func drawVideos(ctx context.Context, dir string, d *scoreData, draw func(*series) (*gplot.Plot, error), more func(path string) error) (err error) {
	out, err := atomicfile.NewDir(dir)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	defer func() {
		if err == nil {
			err = out.Commit()
		}
		if err != nil {
			out.Abort()
		}
	}()
	for _, v := range d.videos {
		if ctx.Err() != nil {
			return stream.ErrInterrupted
		}
		p, err := draw(v)
		if err != nil {
			return err
		}
		if err := plot.WritePNG(p, filepath.Join(out.Path, plotName(v.ID)), plot.VideoWidth, plot.VideoHeight); err != nil {
			return fmt.Errorf("plot of %s: %w", v.ID, err)
		}
	}
	if more != nil {
		return more(out.Path)
	}
	return nil
}

// marks are the events of --events, by video, with what the event stream's
// header says of them.
type marks struct {
	byVideo   map[string][]plot.Event
	alarms    bool     // made by events --alarm
	threshold *float64 // the alarm threshold (abnormality); nil: not known
	fps       float64  // the stream's frame rate; 0: not known
}

// readEventFile reads the events of --events, by video; events of videos
// the score stream lacks are left out with a warning.
func readEventFile(ctx context.Context, path string, scores *scoreData, warn func(string, ...any)) (*marks, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--events: %w", err)
	}
	defer f.Close()
	r, err := stream.NewReader(f, stream.KindEvent)
	if err != nil {
		return nil, fmt.Errorf("--events %s: %w", path, err)
	}
	d, err := readEvents(ctx, r, func(string, ...any) {})
	if err != nil {
		return nil, fmt.Errorf("--events %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, v := range scores.videos {
		known[v.ID] = true
	}
	m := &marks{byVideo: map[string][]plot.Event{}, fps: streamFPS(0, r.Header())}
	if mode, _ := r.Header().Param("mode"); mode == "alarm" {
		m.alarms = true
		if t, ok := r.Header().ParamFloat("threshold"); ok && !math.IsNaN(t) && !math.IsInf(t, 0) {
			m.threshold = &t
		}
	}
	out := m.byVideo
	var unknown []string
	for _, v := range d.videos {
		if !known[v.ID] {
			if len(v.Events) > 0 {
				unknown = append(unknown, v.ID)
			}
			continue
		}
		for _, e := range v.Events {
			out[v.ID] = append(out[v.ID], plot.Event{Start: e.Start, End: e.End, Deepest: e.Deepest})
		}
	}
	if len(unknown) > 0 {
		warn("warning: --events has events in %s the score stream lacks, not plotted: %s", english.Videos(len(unknown)), list(unknown))
	}
	return m, nil
}
