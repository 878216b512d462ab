// region.go: where in the frame the reconstruction error is measured. The
// paper sums the squared error over the whole frame, so a crowd's many small
// errors can drown one fast bike; the worst local region does not.

package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// WorstRegion returns the largest mean of m (an h x w map, row-major) over
// size x size windows placed every size/2 pixels (at least 1), the last
// window in each direction flush with the edge so no pixel is left out. A
// size larger than a side is clipped to it.
func WorstRegion(m []float32, h, w, size int) (float64, error) {
	best := 0.0
	first := true
	err := windows(m, h, w, size, func(b Box) {
		if first || b.Error > best {
			best, first = b.Error, false
		}
	})
	return best, err
}

// Box is a rectangle of a map, origin X, Y (column, row) and size W x H,
// with the mean error over it.
type Box struct {
	X, Y, W, H int
	Error      float64
}

// WorstRegions returns up to k windows of WorstRegion's grid that do not
// overlap, worst first: the worst window, then the worst of those clear of
// it, and so on (ties go to the window nearer the top, then the left). The
// first box's error is WorstRegion's.
func WorstRegions(m []float32, h, w, size, k int) ([]Box, error) {
	if k < 0 {
		return nil, fmt.Errorf("%d regions: want 0 or more", k)
	}
	var all []Box
	if err := windows(m, h, w, size, func(b Box) { all = append(all, b) }); err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b Box) int { return cmp.Compare(b.Error, a.Error) })
	var out []Box
	for _, b := range all {
		if len(out) == k {
			break
		}
		if !slices.ContainsFunc(out, b.Overlaps) {
			out = append(out, b)
		}
	}
	return out, nil
}

// Overlaps reports whether b and o share a pixel.
func (b Box) Overlaps(o Box) bool {
	return b.X < o.X+o.W && o.X < b.X+b.W && b.Y < o.Y+o.H && o.Y < b.Y+b.H
}

// Scale maps b from a w x h grid onto a toW x toH one (a box found on the
// model's frame, given in the source's pixels): each edge is scaled and
// rounded, so boxes that tile the small grid tile the large one; none
// shrinks below a pixel.
func (b Box) Scale(w, h, toW, toH int) Box {
	edge := func(v, from, to int) int { return int(math.Round(float64(v) * float64(to) / float64(from))) }
	x0, x1 := edge(b.X, w, toW), edge(b.X+b.W, w, toW)
	y0, y1 := edge(b.Y, h, toH), edge(b.Y+b.H, h, toH)
	return Box{X: x0, Y: y0, W: max(1, x1-x0), H: max(1, y1-y0), Error: b.Error}
}

// windows calls f with every size x size window of the h x w map m, placed
// every size/2 pixels, row by row, with its mean.
func windows(m []float32, h, w, size int, f func(Box)) error {
	if len(m) != h*w || h < 1 || w < 1 {
		return fmt.Errorf("map of %d values is not %dx%d", len(m), h, w)
	}
	if size < 1 {
		return fmt.Errorf("region size %d: want at least 1", size)
	}
	sh, sw := min(size, h), min(size, w)
	// integral image, (h+1) x (w+1)
	in := make([]float64, (h+1)*(w+1))
	for y := range h {
		row := 0.0
		for x := range w {
			row += float64(m[y*w+x])
			in[(y+1)*(w+1)+x+1] = in[y*(w+1)+x+1] + row
		}
	}
	for _, y0 := range starts(h, sh) {
		for _, x0 := range starts(w, sw) {
			y1, x1 := y0+sh, x0+sw
			s := in[y1*(w+1)+x1] - in[y0*(w+1)+x1] - in[y1*(w+1)+x0] + in[y0*(w+1)+x0]
			f(Box{X: x0, Y: y0, W: sw, H: sh, Error: s / float64(sh*sw)})
		}
	}
	return nil
}

// starts lists window origins along a side of n pixels for windows of size
// k placed every max(k/2, 1), the last one ending on the edge.
func starts(n, k int) []int {
	step := max(k/2, 1)
	var out []int
	for s := 0; s+k <= n; s += step {
		out = append(out, s)
	}
	if last := n - k; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}
