// windows.go: the windows form of volume streams (VersionWindows), which
// carries each frame once: a Frame record, then the Window records that end
// on it. A reader keeps the frames a later window may still name (at most
// a window's span) and hands out each window as the Volume it names, so
// tools read both forms alike; the Writer checks the same, so a windows
// stream it writes is one every reader assembles.

package stream

import (
	"fmt"
	"slices"
)

// WindowSpan is the span of the windows a volume description cuts (the
// frames from a window's first to its last), the frames a reader of the
// windows form keeps; an error when it exceeds MaxWindowSpan (readers
// wrap it in ErrInvalid).
func (v VolumeDesc) WindowSpan() (int, error) {
	if v.Length < 1 || len(v.Strides) == 0 {
		return 0, fmt.Errorf("%w: a windows-form volume stream names its length and strides", ErrMissingParam)
	}
	span := 0
	for _, st := range v.Strides {
		if st < 1 || v.Length-1 > (MaxWindowSpan-1)/st {
			return 0, fmt.Errorf("windows of %d frames at stride %d span more than %d frames, the most a stream that carries each frame once may (volumes --expand writes each window whole)", v.Length, st, MaxWindowSpan)
		}
		span = max(span, (v.Length-1)*st+1)
	}
	return span, nil
}

// windowFrames holds the current video's last span frames of a windows
// stream and turns Window records into Volumes.
type windowFrames struct {
	span   int
	video  string
	last   int            // the last frame number held; -1 before the first
	frames map[int]*Frame // frame number -> frame, the last span only
	shape  []int          // every frame's shape
}

func newWindowFrames(span int) *windowFrames { return &windowFrames{span: span, last: -1} }

// add takes the next frame: a video's frames in increasing order, videos
// one after another, every frame of one shape.
func (a *windowFrames) add(f *Frame) error {
	if a.shape == nil {
		a.shape = f.Shape
	} else if !slices.Equal(f.Shape, a.shape) {
		return fmt.Errorf("%w: frame shape %s, the stream's earlier frames %s", ErrShape, ShapeString(f.Shape), ShapeString(a.shape))
	}
	if f.Video != a.video {
		a.video, a.last, a.frames = f.Video, -1, map[int]*Frame{}
	}
	if f.Frame <= a.last {
		return fmt.Errorf("%w: frame %d after frame %d: a video's frames come in increasing order", ErrInvalid, f.Frame, a.last)
	}
	a.last = f.Frame
	a.frames[f.Frame] = f
	for n := range a.frames {
		if n <= f.Frame-a.span {
			delete(a.frames, n)
		}
	}
	return nil
}

// held returns the frames w names, or an error naming the first one the
// stream did not carry before it (or carried more than a span before).
func (a *windowFrames) held(w *Window) ([]*Frame, error) {
	if w.Video != a.video {
		return nil, fmt.Errorf("%w: a window of %s, whose frames did not come before it", ErrInvalid, w.Video)
	}
	if w.Frames[len(w.Frames)-1]-w.Frames[0] >= a.span {
		return nil, fmt.Errorf("%w: a window from frame %d to %d spans more than the header's %d frames", ErrInvalid, w.Frames[0], w.Frames[len(w.Frames)-1], a.span)
	}
	fs := make([]*Frame, len(w.Frames))
	for i, n := range w.Frames {
		if fs[i] = a.frames[n]; fs[i] == nil {
			return nil, fmt.Errorf("%w: the window names frame %d, which did not come before it", ErrInvalid, n)
		}
	}
	return fs, nil
}

// volume assembles the volume a window names.
func (a *windowFrames) volume(w *Window) (*Volume, error) {
	fs, err := a.held(w)
	if err != nil {
		return nil, err
	}
	size := len(fs[0].Data)
	v := &Volume{Video: w.Video, Frames: slices.Clone(w.Frames),
		Shape: append([]int{len(fs)}, fs[0].Shape...), Data: make([]float32, 0, len(fs)*size)}
	timed, pictured := true, false
	for _, f := range fs {
		v.Data = append(v.Data, f.Data...)
		timed = timed && f.Timed
		pictured = pictured || f.Picture != nil
	}
	if timed {
		v.Times = make([]float64, len(fs))
		for i, f := range fs {
			v.Times[i] = f.T
		}
	}
	if pictured {
		v.Pictures = make([][]byte, len(fs))
		for i, f := range fs {
			v.Pictures[i] = f.Picture
		}
	}
	return v, nil
}
