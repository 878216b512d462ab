package metrics

import (
	"math"
	"slices"
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

func TestWorstRegions(t *testing.T) {
	// 4x6 map: a block of 4s at columns 4-5, rows 2-3 (bottom right), a
	// single 3 at column 0, row 0, and 1s elsewhere in row 0.
	m := []float32{
		3, 1, 1, 1, 1, 1,
		0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 4, 4,
		0, 0, 0, 0, 4, 4,
	}
	// Windows of 2 every 1: the block (mean 4), then the top-left window
	// (3+1)/4 = 1; the top windows at x 1..4 have mean 0.5 and the one at
	// x 3, y 1 overlapping the block is skipped; then x 2, y 0 (0.5) is
	// clear of both.
	got, err := WorstRegions(m, 4, 6, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []Box{{4, 2, 2, 2, 4}, {0, 0, 2, 2, 1}, {2, 0, 2, 2, 0.5}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// In the source's pixels (a 6x4 model frame from a 360x240 source):
	// every side times 60.
	for i, b := range got {
		s := b.Scale(6, 4, 360, 240)
		if w := (Box{b.X * 60, b.Y * 60, 120, 120, b.Error}); s != w {
			t.Errorf("box %d scaled: got %v, want %v", i, s, w)
		}
	}
	// An aspect that is not the model's, rounding at each edge: 67 wide to
	// 360 (x 5.373), 67 high to 240 (x 3.582).
	b := Box{X: 10, Y: 20, W: 16, H: 16}.Scale(67, 67, 360, 240)
	if w := (Box{X: 54, Y: 72, W: 86, H: 57}); b != w {
		t.Errorf("67x67 -> 360x240: got %v, want %v", b, w)
	}
	if got, _ := WorstRegions(m, 4, 6, 2, 0); len(got) != 0 {
		t.Errorf("k = 0: got %v", got)
	}
	if _, err := WorstRegions(m, 4, 6, 2, -1); err == nil {
		t.Error("k = -1: no error")
	}
	// No more boxes than fit without overlapping: a 4x6 map holds six 2x2.
	if got, _ := WorstRegions(m, 4, 6, 2, 100); len(got) != 6 {
		t.Errorf("k = 100: %d boxes, want 6", len(got))
	}
}
