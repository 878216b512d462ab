// Bringing an error map to a mask's resolution.

package pixel

import "fmt"

// Resize resamples a row-major h x w map to H x W by bilinear
// interpolation with OpenCV's INTER_LINEAR geometry (the one frames uses to
// enlarge): pixel centres are aligned, so output pixel x samples the source
// at (x+0.5)·w/W - 0.5, clamped to the edge pixels. A map already H x W is
// returned as it is, not copied.
func Resize(src []float32, h, w, H, W int) ([]float32, error) {
	if h < 1 || w < 1 || H < 1 || W < 1 {
		return nil, fmt.Errorf("resize %dx%d to %dx%d: sizes must be positive", w, h, W, H)
	}
	if len(src) != h*w {
		return nil, fmt.Errorf("resize: %d values for a %dx%d map", len(src), w, h)
	}
	if h == H && w == W {
		return src, nil
	}
	x0, x1, fx := axis(w, W)
	y0, y1, fy := axis(h, H)
	dst := make([]float32, H*W)
	for y := 0; y < H; y++ {
		r0, r1, ty := src[y0[y]*w:], src[y1[y]*w:], fy[y]
		out := dst[y*W : (y+1)*W]
		for x := range out {
			a, b, tx := x0[x], x1[x], fx[x]
			top := float64(r0[a]) + tx*(float64(r0[b])-float64(r0[a]))
			bot := float64(r1[a]) + tx*(float64(r1[b])-float64(r1[a]))
			out[x] = float32(top + ty*(bot-top))
		}
	}
	return dst, nil
}

// axis maps each of n output positions to the two source positions of m
// that it lies between and the weight of the second.
func axis(m, n int) (lo, hi []int, t []float64) {
	lo, hi, t = make([]int, n), make([]int, n), make([]float64, n)
	scale := float64(m) / float64(n)
	for i := range n {
		s := (float64(i)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		if s > float64(m-1) {
			s = float64(m - 1)
		}
		l := int(s)
		if l > m-2 {
			l = max(m-2, 0)
		}
		lo[i], hi[i], t[i] = l, min(l+1, m-1), s-float64(l)
	}
	return lo, hi, t
}
