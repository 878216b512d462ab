// Package window decides which frames make up each volume: windows of
// Length frames taken every Stride frames, whose first frames are Hop
// apart. Windows are produced in the order of their last frame, so a stream
// of frames can be cut into volumes while holding only one window's span.
package window

import "fmt"

// Spec says how volumes are cut from a video.
type Spec struct {
	Length  int   // frames per volume
	Strides []int // skip strides; each gives its own set of windows
	Hop     int   // frames between the first frames of consecutive windows
}

// Validate checks that every number is positive.
func (s Spec) Validate() error {
	if s.Length < 1 {
		return fmt.Errorf("length %d: must be at least 1", s.Length)
	}
	if len(s.Strides) == 0 {
		return fmt.Errorf("no strides")
	}
	seen := map[int]bool{}
	for _, st := range s.Strides {
		if st < 1 {
			return fmt.Errorf("stride %d: must be at least 1", st)
		}
		if seen[st] {
			return fmt.Errorf("stride %d given twice", st)
		}
		seen[st] = true
	}
	if s.Hop < 1 {
		return fmt.Errorf("hop %d: must be at least 1", s.Hop)
	}
	return nil
}

// Span is how many consecutive frames a window of the given stride covers.
func (s Spec) Span(stride int) int { return (s.Length-1)*stride + 1 }

// MaxSpan is the largest span over all strides: the frames a streaming
// cutter must keep.
func (s Spec) MaxSpan() int {
	m := 0
	for _, st := range s.Strides {
		m = max(m, s.Span(st))
	}
	return m
}

// Ending returns the windows (as frame numbers) whose last frame is t, in
// the order of Strides.
func (s Spec) Ending(t int) [][]int {
	var out [][]int
	for _, st := range s.Strides {
		first := t - (s.Length-1)*st
		if first < 0 || first%s.Hop != 0 {
			continue
		}
		w := make([]int, s.Length)
		for i := range w {
			w[i] = first + i*st
		}
		out = append(out, w)
	}
	return out
}

// All returns every window of a video of n frames, in stream order.
func (s Spec) All(n int) [][]int {
	var out [][]int
	for t := range n {
		out = append(out, s.Ending(t)...)
	}
	return out
}
