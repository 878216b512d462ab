// Behaviour of the scene generator: determinism, shape, the abnormal range,
// and the errors for clips it cannot make.

package synth

import (
	"bytes"
	"image"
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
	// Two independent noise draws of sigma 3 differ by sigma 3*sqrt2, so
	// the mean square is about 18.
	if ms := sum / float64(w*8); ms > 30 {
		t.Errorf("mean square difference of the grass %.1f, want about 18", ms)
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
