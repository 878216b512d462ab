//go:build matprofile

// Run with -tags matprofile: gocv then counts the Mats alive.

package motion

import (
	"testing"

	"gocv.io/x/gocv"
)

func TestNoLeak(t *testing.T) {
	before := gocv.MatProfile.Count()
	c, err := NewComputer(Config{Channels: []Channel{Gray, Diff, Flow}, Width: 64, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 { // videos of different sizes, each resized both ways
		c.Reset()
		w, h := 90+30*v, 60+20*v
		for i := range 20 {
			if _, err := c.Next(shifted(w, h, float64(i), 0), w, h); err != nil {
				t.Fatal(err)
			}
		}
	}
	live := gocv.MatProfile.Count() - before
	if live != 6 {
		t.Errorf("%d Mats alive while open, want 6 (the computer's buffers)", live)
	}
	c.Close()
	if n := gocv.MatProfile.Count() - before; n != 0 {
		t.Errorf("%d Mats alive after Close, want 0", n)
	}
}
