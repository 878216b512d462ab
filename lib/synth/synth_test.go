// Behaviour of the scene generator: determinism, shape, the abnormal range,
// and the errors for clips it cannot make.

package synth

import (
	"bytes"
	"image"
	"math"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	c := Clip{Name: "a", Frames: 12, Seed: 7, Anomaly: Fast, Enter: 3}
	r1, err := DefaultScene.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := DefaultScene.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range r1.Frames {
		if !bytes.Equal(r1.Frames[i].Pix, r2.Frames[i].Pix) {
			t.Fatalf("frame %d differs between two runs with one seed", i)
		}
	}
	c.Seed = 8
	r3, err := DefaultScene.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(r1.Frames[0].Pix, r3.Frames[0].Pix) {
		t.Errorf("seeds 7 and 8 give the same first frame")
	}
}

func TestGenerateShape(t *testing.T) {
	for _, sc := range []Scene{DefaultScene, {Width: 64, Height: 64, Seed: 3}, {Width: 160, Height: 90, Seed: 3}} {
		r, err := sc.Generate(Clip{Name: "n", Frames: 5, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Frames) != 5 {
			t.Errorf("%dx%d: got %d frames, want 5", sc.Width, sc.Height, len(r.Frames))
		}
		for i, f := range r.Frames {
			if f.Bounds() != image.Rect(0, 0, sc.Width, sc.Height) {
				t.Errorf("%dx%d: frame %d bounds %v", sc.Width, sc.Height, i, f.Bounds())
			}
		}
	}
}

// The background is the camera's, not the clip's: two clips of one scene
// agree away from the walkway (where nothing walks) up to sensor noise.
func TestBackgroundIsShared(t *testing.T) {
	a, err := DefaultScene.Generate(Clip{Name: "a", Frames: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := DefaultScene.Generate(Clip{Name: "b", Frames: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	w := DefaultScene.Width
	for i := 0; i < w*8; i++ { // top 8 rows are grass
		d := float64(a.Frames[0].Pix[i]) - float64(b.Frames[0].Pix[i])
		sum += d * d
	}
	// Two independent noise draws of sigma 2 differ by sigma 2*sqrt2, so
	// the mean square is about 8.
	if ms := sum / float64(w*8); ms > 14 {
		t.Errorf("mean square difference of the grass %.1f, want about 8", ms)
	}
}

// A walker shows which way it moves in a single frame: its front half is
// brighter than the background, its back half darker, and a dark streak
// trails it, as long as shutter frames of its motion.
func TestWalkerShowsItsDirection(t *testing.T) {
	const size = 48
	tests := []struct {
		name   string
		vx, vy float64
	}{
		{"right (normal)", 1.2, 0},
		{"left (against)", -1.2, 0},
		{"down (across)", 0, 1.2},
		{"up (across)", 0, -1.2},
		{"fast right", 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &object{x: size / 2, y: size / 2, vx: tt.vx, vy: tt.vy, w: 8, h: 8, gain: 1}
			off := make([]float64, size*size)
			o.render(off, size, size)
			speed := math.Hypot(tt.vx, tt.vy)
			ux, uy := tt.vx/speed, tt.vy/speed
			// at distance d from the centre along the motion (negative: behind)
			at := func(d float64) float64 {
				x, y := int(math.Floor(o.x+d*ux)), int(math.Floor(o.y+d*uy))
				return off[y*size+x]
			}
			if v := at(2); v <= 0 {
				t.Errorf("front half: offset %.1f, want bright (> 0)", v)
			}
			if v := at(-2); v >= 0 {
				t.Errorf("back half: offset %.1f, want dark (< 0)", v)
			}
			// The streak reaches shutter*speed behind the body's back edge.
			streak := shutter * speed
			if v := at(-4 - streak + 1); v >= 0 {
				t.Errorf("end of the streak: offset %.1f, want dark (< 0)", v)
			}
			if v := at(-4 - streak - 2); v != 0 {
				t.Errorf("beyond the streak: offset %.1f, want 0", v)
			}
			if v := at(6); v != 0 {
				t.Errorf("ahead of the body: offset %.1f, want 0", v)
			}
		})
	}
}

func TestAbnormalRange(t *testing.T) {
	tests := []struct {
		name      string
		clip      Clip
		wantFirst int
	}{
		{"normal has none", Clip{Frames: 30, Seed: 1}, -1},
		// A walker in view turns abnormal at Enter.
		{"fast", Clip{Frames: 60, Seed: 1, Anomaly: Fast, Enter: 10}, 10},
		{"against", Clip{Frames: 60, Seed: 1, Anomaly: Against, Enter: 10}, 10},
		{"across", Clip{Frames: 60, Seed: 1, Anomaly: Across, Enter: 10}, 10},
		// The large object walks in from outside: its centre starts on the
		// left edge, so it is in view from the next frame.
		{"large", Clip{Frames: 60, Seed: 1, Anomaly: Large, Enter: 10}, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DefaultScene.Generate(tt.clip)
			if err != nil {
				t.Fatal(err)
			}
			if r.First != tt.wantFirst {
				t.Errorf("first abnormal frame %d, want %d", r.First, tt.wantFirst)
			}
			if tt.wantFirst < 0 && r.Last != -1 {
				t.Errorf("last abnormal frame %d, want -1", r.Last)
			}
			if tt.wantFirst >= 0 && (r.Last < r.First || r.Last >= tt.clip.Frames) {
				t.Errorf("last abnormal frame %d, want in [%d, %d)", r.Last, r.First, tt.clip.Frames)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name  string
		scene Scene
		clip  Clip
		want  string
	}{
		{"tiny scene", Scene{Width: 8, Height: 64}, Clip{Name: "c", Frames: 1}, "scene 8x64: too small (at least 16x16)"},
		{"no frames", DefaultScene, Clip{Name: "c"}, "clip c: 0 frames"},
		{"unknown anomaly", DefaultScene, Clip{Name: "c", Frames: 1, Anomaly: 9}, "clip c: unknown anomaly Kind(9)"},
		{"enters after the end", DefaultScene, Clip{Name: "c", Frames: 5, Anomaly: Fast, Enter: 5}, "clip c: abnormal object never in view (enter 5, 5 frames)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.scene.Generate(tt.clip)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTruthFiles(t *testing.T) {
	rs := []Result{{Name: "Test001", First: 0, Last: 9}, {Name: "Test002", First: -1, Last: -1}, {Name: "Test003", First: 40, Last: 89}}
	var m, csv bytes.Buffer
	if err := WriteTruthM(&m, rs); err != nil {
		t.Fatal(err)
	}
	if err := WriteTruthCSV(&csv, rs); err != nil {
		t.Fatal(err)
	}
	wantM := "TestVideoFile = {};\n" +
		"TestVideoFile{end+1}.gt_frame = [1:10];\n" +
		"TestVideoFile{end+1}.gt_frame = [];\n" +
		"TestVideoFile{end+1}.gt_frame = [41:90];\n"
	if m.String() != wantM {
		t.Errorf(".m: got\n%s\nwant\n%s", m.String(), wantM)
	}
	wantCSV := "video,first,last\nTest001,1,10\nTest003,41,90\n"
	if csv.String() != wantCSV {
		t.Errorf("csv: got\n%s\nwant\n%s", csv.String(), wantCSV)
	}
}
