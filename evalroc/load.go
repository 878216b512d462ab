// load.go: reading a score or event stream into per-video series, and
// matching them to the ground truth.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"stae/lib/english"
	"stae/lib/stream"
	"stae/lib/tool"
	"stae/lib/truth"
)

// field is the score record field ranked as anomalous.
type field int

const (
	fieldAbnormality field = iota
	fieldRegularity
	fieldError
)

func (f field) String() string {
	return [...]string{"abnormality", "regularity", "error"}[f]
}

func parseField(s string) (field, error) {
	for _, f := range []field{fieldAbnormality, fieldRegularity, fieldError} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown field %q (want abnormality, regularity or error)", s)
}

// series is one video of a score stream with its truth: everything a plot of
// the video needs.
type series struct {
	ID         string
	Frames     []int        // 0-based frame numbers, increasing
	Score      []float64    // the ranked score: higher = more anomalous
	Regularity []float64    // sr(t) as in the stream
	Labels     []bool       // truth of each frame in Frames
	Truth      []truth.Span // ground-truth events (0-based, inclusive)
}

// length is the video's frame count as the stream knows it.
func (s *series) length() int { return s.Frames[len(s.Frames)-1] + 1 }

// scoreData is a whole score stream, video by video in stream order.
type scoreData struct {
	videos []*series
}

func readScores(ctx context.Context, r *stream.Reader, f field) (*scoreData, error) {
	d := &scoreData{}
	var order stream.Order
	var cur *series
	for {
		if err := tool.ContextErr(ctx); err != nil {
			return nil, err
		}
		s, err := r.NextScore()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		newVideo, err := order.Next(s.Video, s.Frame)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", r.Count(), err)
		}
		if newVideo {
			cur = &series{ID: s.Video}
			d.videos = append(d.videos, cur)
		}
		v := s.Abnormality
		switch f {
		case fieldRegularity:
			v = -s.Regularity
		case fieldError:
			v = s.Error
		}
		cur.Frames = append(cur.Frames, s.Frame)
		cur.Score = append(cur.Score, v)
		cur.Regularity = append(cur.Regularity, s.Regularity)
	}
	if len(d.videos) == 0 {
		return nil, errors.New("the score stream holds no records")
	}
	return d, nil
}

// match labels every frame from the truth.
func (d *scoreData) match(tr *truth.Truth, strict bool, warn func(string, ...any)) error {
	ids := make([]string, len(d.videos))
	for i, v := range d.videos {
		ids[i] = v.ID
	}
	tv, err := matchTruth(tr, ids, strict, warn)
	if err != nil {
		return err
	}
	for i, v := range d.videos {
		all, err := tv[i].Labels(v.length())
		if err != nil {
			return fmt.Errorf("video %s: %w", v.ID, err)
		}
		v.Truth = truth.Runs(all)
		v.Labels = make([]bool, len(v.Frames))
		for k, f := range v.Frames {
			v.Labels[k] = all[f]
		}
	}
	return nil
}

// matchTruth matches ids to the truth, warning about (or, when strict,
// refusing) truth the stream lacks.
func matchTruth(tr *truth.Truth, ids []string, strict bool, warn func(string, ...any)) ([]truth.Video, error) {
	tv, unused, err := tr.Match(ids)
	if err != nil {
		return nil, err
	}
	if len(unused) > 0 {
		msg := fmt.Sprintf("the truth has %s the stream lacks: %s", english.Videos(len(unused)), list(unused))
		if strict {
			return nil, errors.New(msg)
		}
		warn("warning: %s", msg)
	}
	return tv, nil
}

// list joins names, shortening long lists.
func list(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-8)
	}
	return strings.Join(names, ", ")
}

// eventVideo is one video of an event stream with its truth.
type eventVideo struct {
	ID     string
	Frames int // frame count; 0 when the stream does not say
	Events []*stream.Event
	Truth  []truth.Span
}

// eventData is a whole event stream, video by video.
type eventData struct {
	videos []*eventVideo
}

// readEvents reads an event stream. The videos scored and their frame counts
// come from the header (params "videos" and "video_frames", set by events);
// without them only videos holding events are known, and a warning says so.
func readEvents(ctx context.Context, r *stream.Reader, warn func(string, ...any)) (*eventData, error) {
	d := &eventData{}
	byID := map[string]*eventVideo{}
	ids, idsOK := r.Header().ParamStrings("videos")
	counts, countsOK := r.Header().ParamInts("video_frames")
	if idsOK {
		if countsOK && len(counts) != len(ids) {
			return nil, fmt.Errorf("stream header lists %s but %s", english.Videos(len(ids)), english.Count(len(counts), "frame count", "frame counts"))
		}
		for i, id := range ids {
			if byID[id] != nil {
				return nil, fmt.Errorf("stream header lists video %s twice", id)
			}
			v := &eventVideo{ID: id}
			if countsOK {
				v.Frames = counts[i]
			}
			byID[id] = v
			d.videos = append(d.videos, v)
		}
	} else {
		warn("warning: the event stream does not list its videos (not made by events?); only videos with events are evaluated")
	}
	for {
		if err := tool.ContextErr(ctx); err != nil {
			return nil, err
		}
		e, err := r.NextEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		v := byID[e.Video]
		if v == nil {
			if idsOK {
				return nil, fmt.Errorf("record %d: event in video %s, which the stream header does not list", r.Count(), e.Video)
			}
			v = &eventVideo{ID: e.Video}
			byID[e.Video] = v
			d.videos = append(d.videos, v)
		}
		if v.Frames > 0 && e.End >= v.Frames {
			return nil, fmt.Errorf("record %d: %s event %d-%d is past the video's %s", r.Count(), e.Video, e.Start, e.End, english.Frames(v.Frames))
		}
		v.Events = append(v.Events, e)
	}
	if len(d.videos) == 0 {
		return nil, errors.New("the event stream names no videos")
	}
	return d, nil
}

// match finds each video's ground-truth events.
func (d *eventData) match(tr *truth.Truth, strict bool, warn func(string, ...any)) error {
	ids := make([]string, len(d.videos))
	for i, v := range d.videos {
		ids[i] = v.ID
	}
	tv, err := matchTruth(tr, ids, strict, warn)
	if err != nil {
		return err
	}
	for i, v := range d.videos {
		n := v.Frames
		if n == 0 {
			// Unknown length: long enough for the truth and the events.
			for _, s := range tv[i].Spans {
				n = max(n, s.End+1)
			}
			for _, e := range v.Events {
				n = max(n, e.End+1)
			}
		}
		all, err := tv[i].Labels(n)
		if err != nil {
			return fmt.Errorf("video %s: %w", v.ID, err)
		}
		v.Truth = truth.Runs(all)
	}
	return nil
}
