// videos.go: reading a stream one video at a time, for the tools that are
// a function of one video (regscore, events, recon, evalroc), with the
// order contract checked on the way.

package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// VideoReader reads a stream video by video: NextVideo moves to the next
// video, Next hands out that video's records one at a time, so a tool can
// work on a video as it arrives (recon batches its volumes) or gather it
// whole (EachVideo). It checks that a video's records are contiguous and,
// for records of one frame (frame, error, score), that frame numbers
// increase. It stops with ErrInterrupted once its context is done. Over
// streams concatenated into one (concat.go) the order holds as over one
// stream, and the Reader refuses a video met in two of them, even where
// it goes on from the end of one into the start of the next.
//
//	vr := stream.NewVideoReader[*stream.Score](ctx, r)
//	for vr.NextVideo() {
//		for s, ok := vr.Next(); ok; s, ok = vr.Next() {
//			... vr.Video() ...
//		}
//	}
//	if err := vr.Err(); err != nil { ... }
type VideoReader[T Record] struct {
	ctx   context.Context
	r     *Reader
	order Order
	video string
	ahead T    // the record read last, not yet handed out
	held  bool // ahead holds a record
	ended bool // the current video has no more records
	eof   bool
	err   error
}

// NewVideoReader returns a reader of r's videos. T is the record type the
// stream's kind implies, or Record for a stream of several types.
func NewVideoReader[T Record](ctx context.Context, r *Reader) *VideoReader[T] {
	return &VideoReader[T]{ctx: ctx, r: r, ended: true}
}

// NextVideo moves to the next video, passing over what the current one has
// left; false at the end of the stream or on an error (see Err).
func (v *VideoReader[T]) NextVideo() bool {
	for !v.ended {
		v.Next()
	}
	if v.err != nil || !v.held && !v.read() {
		return false
	}
	v.video, v.ended = Video(v.ahead), false
	return true
}

// Video is the id of the current video.
func (v *VideoReader[T]) Video() string { return v.video }

// Next returns the current video's next record; false once the video has
// no more (the next record begins another video, the stream ended, or an
// error: see Err).
func (v *VideoReader[T]) Next() (T, bool) {
	var zero T
	if v.ended {
		return zero, false
	}
	if !v.held && !v.read() {
		v.ended = true
		return zero, false
	}
	if Video(v.ahead) != v.video {
		v.ended = true // ahead begins the next video
		return zero, false
	}
	v.held = false
	return v.ahead, true
}

// Between tells whether the reader stands between two videos: the current
// one is done and the first record of the next has been read. A tool that
// finishes a video at that point (EachVideo) names that record in its
// errors, as a tool reading record by record would.
func (v *VideoReader[T]) Between() bool { return v.ended && v.held }

// Err is the error that stopped the reader, nil at the clean end.
func (v *VideoReader[T]) Err() error { return v.err }

// read reads the next record into ahead and checks its order.
func (v *VideoReader[T]) read() bool {
	if v.eof || v.err != nil {
		return false
	}
	if v.ctx.Err() != nil {
		v.err = ErrInterrupted
		return false
	}
	rec, err := v.r.Next()
	if errors.Is(err, io.EOF) {
		v.eof = true
		return false
	}
	if err != nil {
		v.err = err
		return false
	}
	t, ok := rec.(T)
	if !ok {
		v.err = fmt.Errorf("record %d: %w: got %s", v.r.Count(), ErrKind, rec.Kind())
		return false
	}
	video, frame, framed := position(rec)
	if framed {
		_, err = v.order.Next(video, frame)
	} else {
		_, err = v.order.NextVideo(video)
	}
	if err != nil {
		v.err = fmt.Errorf("record %d: %w", v.r.Count(), err)
		return false
	}
	v.ahead, v.held = t, true
	return true
}

// EachVideo reads r to the end and calls f with each video's records, in
// stream order, once the video is complete: memory is bounded by one video.
// An error from f is prefixed with the number of the record that began the
// next video, if one did; the reader's errors come as they are.
func EachVideo[T Record](ctx context.Context, r *Reader, f func(video string, recs []T) error) error {
	vr := NewVideoReader[T](ctx, r)
	for vr.NextVideo() {
		var recs []T
		for rec, ok := vr.Next(); ok; rec, ok = vr.Next() {
			recs = append(recs, rec)
		}
		if vr.Err() != nil {
			return vr.Err()
		}
		if err := f(vr.Video(), recs); err != nil {
			if vr.Between() {
				return fmt.Errorf("record %d: %w", r.Count(), err)
			}
			return err
		}
	}
	return vr.Err()
}

// Video is the id of the video a record belongs to.
func Video(r Record) string {
	v, _, _ := position(r)
	return v
}

// position is a record's video and, for records of one frame, its number.
func position(r Record) (video string, frame int, framed bool) {
	switch x := r.(type) {
	case *Frame:
		return x.Video, x.Frame, true
	case *Error:
		return x.Video, x.Frame, true
	case *Score:
		return x.Video, x.Frame, true
	case *Volume:
		return x.Video, 0, false // several strides' windows may end on one frame
	case *Window:
		return x.Video, 0, false
	case *Event:
		return x.Video, 0, false
	case *VideoEnd:
		return x.Video, 0, false
	}
	return "", 0, false
}
