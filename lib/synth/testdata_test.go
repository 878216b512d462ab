// The committed synthetic dataset under testdata/synth must be exactly what
// the generator produces; `go test ./lib/synth -run Committed -update`
// regenerates it.

package synth

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"stae/lib/render/rendertest"
	"stae/lib/video"
)

var update = flag.Bool("update", false, "rewrite testdata/synth from the generator")

const committed = "../../testdata/synth"

// fps of the committed video files; only players care.
const fps = 10

func TestCommitted(t *testing.T) {
	s := DefaultScene
	var train, test []Result
	for _, c := range TrainClips() {
		r, err := s.Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		train = append(train, r)
	}
	for _, c := range TestClips() {
		r, err := s.Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		test = append(test, r)
	}
	var m, csv bytes.Buffer
	if err := WriteTruthM(&m, test); err != nil {
		t.Fatal(err)
	}
	if err := WriteTruthCSV(&csv, test); err != nil {
		t.Fatal(err)
	}
	if *update {
		writeCommitted(t, train, test, m.Bytes(), csv.Bytes())
		return
	}

	for _, r := range train {
		t.Run(r.Name, func(t *testing.T) {
			checkVideo(t, filepath.Join(committed, "Train", r.Name+".avi"), r.Frames)
		})
	}
	for _, r := range test {
		t.Run(r.Name, func(t *testing.T) {
			if AsVideo(r.Name) {
				checkVideo(t, filepath.Join(committed, "Test", r.Name+".avi"), r.Frames)
				return
			}
			dir := filepath.Join(committed, "Test", r.Name)
			for i, want := range r.Frames {
				got := readPNG(t, filepath.Join(dir, fmt.Sprintf("%03d.png", i+1)))
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Fatalf("frame %d differs from the generator's", i+1)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%03d.png", len(r.Frames)+1))); err == nil {
				t.Errorf("more frames committed than the generator makes (%d)", len(r.Frames))
			}
		})
	}
	for name, want := range map[string][]byte{"synth.m": m.Bytes(), "synth.csv": csv.Bytes()} {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(committed, "Test", name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func writeCommitted(t *testing.T, train, test []Result, m, csv []byte) {
	t.Helper()
	// Only the generated folders: README.md stays.
	for _, d := range []string{"Train", "Test"} {
		if err := os.RemoveAll(filepath.Join(committed, d)); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(committed, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range train {
		if err := video.WriteGray(filepath.Join(committed, "Train", r.Name+".avi"), r.Frames, fps); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range test {
		if AsVideo(r.Name) {
			if err := video.WriteGray(filepath.Join(committed, "Test", r.Name+".avi"), r.Frames, fps); err != nil {
				t.Fatal(err)
			}
			continue
		}
		dir := filepath.Join(committed, "Test", r.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, f := range r.Frames {
			var b bytes.Buffer
			if err := png.Encode(&b, f); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.png", i+1)), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(committed, "Test", "synth.m"), m, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(committed, "Test", "synth.csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t *testing.T, path string) *image.Gray {
	t.Helper()
	img := rendertest.ReadPNG(t, path)
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want 8-bit gray", path, img)
	}
	return g
}

// checkVideo decodes a committed video and compares it with the generated
// frames. FFV1 is lossless, so the pixels must match exactly even though the
// file's bytes may differ between ffmpeg versions.
func checkVideo(t *testing.T, path string, want []*image.Gray) {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	m := gocv.NewMat()
	defer m.Close()
	g := gocv.NewMat()
	defer g.Close()
	n := 0
	for vc.Read(&m) && !m.Empty() {
		if n >= len(want) {
			t.Fatalf("more than %d frames", len(want))
		}
		gocv.CvtColor(m, &g, gocv.ColorBGRToGray)
		got, err := g.DataPtrUint8()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[n].Pix) {
			t.Fatalf("frame %d differs from the generator's", n)
		}
		n++
	}
	if n != len(want) {
		t.Errorf("got %d frames, want %d", n, len(want))
	}
}
