package metrics

import (
	"math"
	"testing"
)

func TestGaussianSmooth(t *testing.T) {
	t.Run("zero sigma is the identity", func(t *testing.T) {
		xs := []float64{3, 1, 2}
		got := GaussianSmooth(xs, 0)
		for i := range xs {
			if got[i] != xs[i] {
				t.Fatalf("got %v, want %v", got, xs)
			}
		}
	})
	t.Run("a constant stays constant, ends included", func(t *testing.T) {
		for _, v := range GaussianSmooth([]float64{2, 2, 2, 2, 2}, 1.5) {
			if math.Abs(v-2) > 1e-12 {
				t.Fatalf("got %v, want 2", v)
			}
		}
	})
	t.Run("an impulse spreads by the normalised kernel", func(t *testing.T) {
		xs := make([]float64, 21)
		xs[10] = 1
		got := GaussianSmooth(xs, 1)
		// weights at offsets 0 and 1 of a unit Gaussian with radius 3
		norm := 0.0
		for d := -3; d <= 3; d++ {
			norm += math.Exp(-0.5 * float64(d*d))
		}
		if want := 1 / norm; math.Abs(got[10]-want) > 1e-12 {
			t.Errorf("centre: got %v, want %v", got[10], want)
		}
		if want := math.Exp(-0.5) / norm; math.Abs(got[11]-want) > 1e-12 || math.Abs(got[9]-want) > 1e-12 {
			t.Errorf("neighbours: got %v %v, want %v", got[9], got[11], want)
		}
		if got[6] != 0 || got[14] != 0 {
			t.Errorf("beyond 3 sigma: got %v %v, want 0", got[6], got[14])
		}
		sum := 0.0
		for _, v := range got {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("mass: got %v, want 1", sum)
		}
	})
}
