// Tests of the bilinear resize against hand-computed values.

package pixel

import (
	"reflect"
	"testing"
)

func TestResize2x2To4x4(t *testing.T) {
	// Output pixel x samples source (x+.5)/2 - .5: -.25 .25 .75 1.25,
	// clamped to 0 .25 .75 1 (the same down the rows), as cv2.resize does.
	got, err := Resize([]float32{0, 1, 2, 3}, 2, 2, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{
		0, .25, .75, 1,
		.5, .75, 1.25, 1.5,
		1.5, 1.75, 2.25, 2.5,
		2, 2.25, 2.75, 3,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestResizeModelToMask(t *testing.T) {
	// A 67x67 map to Ped2's 360x240: a constant stays constant, a map of
	// one row per value keeps its extremes at the edges.
	src := make([]float32, 67*67)
	for y := range 67 {
		for x := range 67 {
			src[y*67+x] = float32(y)
		}
	}
	got, err := Resize(src, 67, 67, 240, 360)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 240*360 || got[0] != 0 || got[len(got)-1] != 66 {
		t.Fatalf("got %d values from %v to %v, want %d from 0 to 66", len(got), got[0], got[len(got)-1], 240*360)
	}
	for y := range 240 {
		for x := 1; x < 360; x++ {
			if got[y*360+x] != got[y*360] {
				t.Fatalf("row %d not constant: %v at 0, %v at %d", y, got[y*360], got[y*360+x], x)
			}
		}
		if y > 0 && got[y*360] < got[(y-1)*360] {
			t.Fatalf("rows not increasing at %d", y)
		}
	}
}

func TestResizeSameSizeAndOnePixel(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6}
	if got, _ := Resize(src, 2, 3, 2, 3); &got[0] != &src[0] {
		t.Error("same size: want the map itself")
	}
	got, err := Resize([]float32{7}, 1, 1, 2, 3)
	if err != nil || !reflect.DeepEqual(got, []float32{7, 7, 7, 7, 7, 7}) {
		t.Errorf("1x1 to 3x2: got %v, %v", got, err)
	}
	if _, err := Resize(src, 2, 3, 0, 3); err == nil || err.Error() != "resize 3x2 to 3x0: sizes must be positive" {
		t.Errorf("got %v", err)
	}
}
