// smooth.go: temporal smoothing of a per-frame series before it is
// normalised. A real anomaly lasts many frames while reconstruction noise
// flickers frame to frame, so a Gaussian over a few frames raises the one
// against the other.

package metrics

import "math"

// GaussianSmooth convolves xs with a Gaussian of standard deviation sigma
// frames (radius 3 sigma, normalised to sum 1), repeating the end values
// beyond the ends so the series keeps its level there. sigma <= 0 returns a
// copy of xs.
func GaussianSmooth(xs []float64, sigma float64) []float64 {
	out := make([]float64, len(xs))
	if sigma <= 0 || len(xs) == 0 {
		copy(out, xs)
		return out
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i-r) / sigma
		k[i] = math.Exp(-0.5 * d * d)
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	last := len(xs) - 1
	for t := range xs {
		acc := 0.0
		for i, w := range k {
			j := min(max(t+i-r, 0), last)
			acc += w * xs[j]
		}
		out[t] = acc
	}
	return out
}
