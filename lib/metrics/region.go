// region.go: where in the frame the reconstruction error is measured. The
// paper sums the squared error over the whole frame, so a crowd's many small
// errors can drown one fast bike; the worst local region does not.

package metrics

import "fmt"

// WorstRegion returns the largest mean of m (an h x w map, row-major) over
// size x size windows placed every size/2 pixels (at least 1), the last
// window in each direction flush with the edge so no pixel is left out. A
// size larger than a side is clipped to it.
func WorstRegion(m []float32, h, w, size int) (float64, error) {
	if len(m) != h*w || h < 1 || w < 1 {
		return 0, fmt.Errorf("map of %d values is not %dx%d", len(m), h, w)
	}
	if size < 1 {
		return 0, fmt.Errorf("region size %d: want at least 1", size)
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
	best := 0.0
	first := true
	for _, y0 := range starts(h, sh) {
		for _, x0 := range starts(w, sw) {
			y1, x1 := y0+sh, x0+sw
			s := in[y1*(w+1)+x1] - in[y0*(w+1)+x1] - in[y1*(w+1)+x0] + in[y0*(w+1)+x0]
			mean := s / float64(sh*sw)
			if first || mean > best {
				best, first = mean, false
			}
		}
	}
	return best, nil
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
