// load.go: reading a score or event stream into per-video series, and
// matching them to the ground truth.

package main

import (
	"context"
	"errors"
	"fmt"
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
	ID          string
	Frames      []int        // 0-based frame numbers, increasing
	Score       []float64    // the ranked score: higher = more anomalous
	Regularity  []float64    // sr(t) as in the stream
	Abnormality []float64    // as in the stream
	Labels      []bool       // truth of each frame in Frames
	Truth       []truth.Span // ground-truth events (0-based, inclusive)
}

// length is the video's frame count as the stream knows it.
func (s *series) length() int { return s.Frames[len(s.Frames)-1] + 1 }

// scoreData is a whole score stream, video by video in stream order.
type scoreData struct {
	videos []*series
}

func readScores(ctx context.Context, r *stream.Reader, f field) (*scoreData, error) {
	d := &scoreData{}
	err := stream.EachVideo(ctx, r, func(video string, scores []*stream.Score) error {
		cur := &series{ID: video, Frames: make([]int, len(scores)),
			Score: make([]float64, len(scores)), Regularity: make([]float64, len(scores)), Abnormality: make([]float64, len(scores))}
		for i, s := range scores {
			v := s.Abnormality
			switch f {
			case fieldRegularity:
				v = -s.Regularity
			case fieldError:
				v = s.Error
			}
			cur.Frames[i], cur.Score[i], cur.Regularity[i], cur.Abnormality[i] = s.Frame, v, s.Regularity, s.Abnormality
		}
		d.videos = append(d.videos, cur)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(d.videos) == 0 {
		return nil, errors.New("the score stream holds no records")
	}
	return d, nil
}

// match labels every frame from the truth.
func (d *scoreData) match(tr *truth.Truth, strict bool, warn func(string, ...any)) error {
	tv, err := matchTruth(tr, d.videos, func(v *series) string { return v.ID }, strict, warn)
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

// matchTruth matches the videos, named by id, to the truth, warning about
// (or, when strict, refusing) truth the stream lacks.
func matchTruth[V any](tr *truth.Truth, videos []V, id func(V) string, strict bool, warn func(string, ...any)) ([]truth.Video, error) {
	ids := make([]string, len(videos))
	for i, v := range videos {
		ids[i] = id(v)
	}
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

// readEvents reads an event stream. The videos scored and their frame
// counts come from the record closing each video (stream.VideoEnd, written
// by events after the video's events) or, in streams made before those
// records, from the header (params "videos" and "video_frames"); without
// either only videos holding events are known, and a warning says so.
func readEvents(ctx context.Context, r *stream.Reader, warn func(string, ...any)) (*eventData, error) {
	er := &eventReader{d: &eventData{}, byID: map[string]*eventVideo{}, closed: map[string]bool{}}
	ids, listed := r.Header().ParamStrings("videos")
	counts, countsOK := r.Header().ParamInts("video_frames")
	if listed {
		if countsOK && len(counts) != len(ids) {
			return nil, fmt.Errorf("stream header lists %s but %s", english.Videos(len(ids)), english.Count(len(counts), "frame count", "frame counts"))
		}
		for i, id := range ids {
			if er.byID[id] != nil {
				return nil, fmt.Errorf("stream header lists video %s twice", id)
			}
			v := er.video(id)
			if countsOK {
				v.Frames = counts[i]
			}
		}
		er.listed = true
	}
	err := tool.Each(ctx, r, func(rec stream.Record) error {
		switch x := rec.(type) {
		case *stream.Event:
			return er.event(x)
		case *stream.VideoEnd:
			return er.end(x)
		}
		return fmt.Errorf("%w: got %s", stream.ErrKind, rec.Kind())
	})
	if err != nil {
		return nil, err
	}
	if !listed && len(er.closed) == 0 {
		warn("warning: the event stream does not list its videos (not made by events?); only videos with events are evaluated")
	}
	if len(er.d.videos) == 0 {
		return nil, errors.New("the event stream names no videos")
	}
	return er.d, nil
}

// eventReader files an event stream's records under their videos.
type eventReader struct {
	d      *eventData
	byID   map[string]*eventVideo
	listed bool            // the header lists the videos (streams before VideoEnd)
	closed map[string]bool // videos whose VideoEnd has been read
}

// video returns the video id, added in stream order if new.
func (er *eventReader) video(id string) *eventVideo {
	v := er.byID[id]
	if v == nil {
		v = &eventVideo{ID: id}
		er.byID[id] = v
		er.d.videos = append(er.d.videos, v)
	}
	return v
}

func (er *eventReader) event(e *stream.Event) error {
	if e.State == stream.EventOpen {
		return nil // an alarm's opening; its closing record is the event
	}
	if er.listed && er.byID[e.Video] == nil {
		return fmt.Errorf("event in video %s, which the stream header does not list", e.Video)
	}
	if er.closed[e.Video] {
		return fmt.Errorf("event in video %s after the record that closes it", e.Video)
	}
	v := er.video(e.Video)
	if v.Frames > 0 && e.End >= v.Frames {
		return fmt.Errorf("%s event %d-%d is past the video's %s", e.Video, e.Start, e.End, english.Frames(v.Frames))
	}
	v.Events = append(v.Events, e)
	return nil
}

// end takes a video's frame count from the record closing it and checks the
// video's events against it.
func (er *eventReader) end(end *stream.VideoEnd) error {
	if er.listed && er.byID[end.Video] == nil {
		return fmt.Errorf("video %s, which the stream header does not list", end.Video)
	}
	if er.closed[end.Video] {
		return fmt.Errorf("video %s closed twice", end.Video)
	}
	er.closed[end.Video] = true
	v := er.video(end.Video)
	if v.Frames > 0 && v.Frames != end.Frames {
		return fmt.Errorf("video %s has %d frames, the stream header says %d", end.Video, end.Frames, v.Frames)
	}
	v.Frames = end.Frames
	for _, e := range v.Events {
		if e.End >= v.Frames {
			return fmt.Errorf("%s event %d-%d is past the video's %s", e.Video, e.Start, e.End, english.Frames(v.Frames))
		}
	}
	return nil
}

// match finds each video's ground-truth events.
func (d *eventData) match(tr *truth.Truth, strict bool, warn func(string, ...any)) error {
	tv, err := matchTruth(tr, d.videos, func(v *eventVideo) string { return v.ID }, strict, warn)
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
