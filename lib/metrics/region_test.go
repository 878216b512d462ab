package metrics

import (
	"math"
	"testing"
)

func TestWorstRegion(t *testing.T) {
	// 4x6 map, all zero but a 2x2 block of 4s in the bottom-right corner.
	m := make([]float32, 24)
	for _, i := range []int{16, 17, 22, 23} {
		m[i] = 4
	}
	tests := []struct {
		name string
		size int
		want float64
	}{
		{"window exactly on the block", 2, 4},
		{"larger window dilutes it", 4, 16.0 / 16},
		{"one pixel", 1, 4},
		{"larger than the frame: the whole frame", 10, 16.0 / 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WorstRegion(m, 4, 6, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("the edge window is placed flush so nothing is missed", func(t *testing.T) {
		// 5 wide, windows of 2 every 1 would reach it anyway; use 3 wide
		// windows every 1 on a 1x5 map with the peak at the last pixel.
		got, _ := WorstRegion([]float32{0, 0, 0, 0, 9}, 1, 5, 4)
		if want := 9.0 / 4; math.Abs(got-want) > 1e-12 {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if _, err := WorstRegion(m, 5, 5, 2); err == nil {
			t.Error("wrong map size: want an error")
		}
		if _, err := WorstRegion(m, 4, 6, 0); err == nil {
			t.Error("size 0: want an error")
		}
	})
}
