// plot_test.go: evalroc --plot on a synthetic video whose truth is known:
// the pictures decode, have the expected size, are not blank, and shade
// exactly the truth's frames.

package main

import (
	"image"
	"image/color"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stae/lib/plot"
	"stae/lib/render/rendertest"
	"stae/lib/stream"
)

// decodePNG decodes the PNG at path (rendertest.ReadPNG).
func decodePNG(t *testing.T, path string) image.Image { return rendertest.ReadPNG(t, path) }

func isColor(c color.Color, want color.Color) bool {
	r1, g1, b1, _ := c.RGBA()
	r2, g2, b2, _ := want.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2
}

// colours counts the distinct colours of an image, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && len(seen) < limit; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
		}
	}
	return len(seen)
}

func TestPlotPictures(t *testing.T) {
	// Test001: 80 frames, truth 1-based 21-35 and 61-70 (0-based 20-34, 60-69);
	// abnormality high inside the truth. Test002: 30 frames, all normal.
	var abn []float64
	for f := range 80 {
		a := 0.1 + 0.05*math.Sin(float64(f)/3)
		if (f >= 20 && f <= 34) || (f >= 60 && f <= 69) {
			a = 0.7 + 0.05*math.Sin(float64(f))
		}
		abn = append(abn, a)
	}
	in := encode(t, stream.KindScore, nil, append(scores("Test001", abn...), scores("Test002", make([]float64, 30)...)...)...)
	truth := write(t, "truth.csv", "Test001,21,35\nTest001,61,70\nTest002,,\n")
	events := write(t, "events.ndjson", `{"magic":"stae","version":1,"kind":"event","provenance":[{"tool":"events","version":"1","args":[],"params":{"videos":["Test001","Test002","Test009"],"video_frames":[80,30,5]}}]}
{"video":"Test001","start":22,"end":30,"deepest":25,"regularity":0.25,"persistence":0.5}
{"video":"Test009","start":1,"end":2,"deepest":1,"regularity":0.2,"persistence":0.5}
`)
	dir := filepath.Join(t.TempDir(), "plots")
	_, stderr, code := runEval(in, "--truth", truth, "--plot", dir, "--events", events)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "evalroc: warning: --events has events in 1 video the score stream lacks, not plotted: Test009\n"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
	names, err := fs.Glob(os.DirFS(dir), "*")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names, " "), "Test001.png Test002.png roc.png"; got != want {
		t.Errorf("files %q, want %q", got, want)
	}

	vw, vh := int(plot.VideoWidth.Points()*plot.DPI/72), int(plot.VideoHeight.Points()*plot.DPI/72)
	rs := int(plot.ROCSize.Points() * plot.DPI / 72)
	for name, size := range map[string][2]int{"Test001.png": {vw, vh}, "Test002.png": {vw, vh}, "roc.png": {rs, rs}} {
		img := decodePNG(t, filepath.Join(dir, name))
		if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size[0], size[1])
		}
		if n := colours(img, 10); n < 5 {
			t.Errorf("%s has %d colours: blank", name, n)
		}
	}

	// Shading: the same plot, drawn again, says where each frame's column is;
	// below the curve a column is shaded iff the truth marks its frame.
	img := decodePNG(t, filepath.Join(dir, "Test001.png"))
	pv := plot.Video{ID: "Test001", Truth: []plot.Span{{Start: 20, End: 34}, {Start: 60, End: 69}}}
	for f, a := range abn {
		pv.Frames = append(pv.Frames, f)
		pv.Regularity = append(pv.Regularity, 1-a)
	}
	p, err := plot.Regularity(pv)
	if err != nil {
		t.Fatal(err)
	}
	row := plot.Row(p, plot.VideoWidth, plot.VideoHeight, 0.1) // regularity never falls below 0.2
	var shaded []int
	for f := range 80 {
		c := img.At(plot.Column(p, plot.VideoWidth, plot.VideoHeight, float64(f)), row)
		switch {
		case isColor(c, plot.TruthColor):
			shaded = append(shaded, f)
		case !isColor(c, color.White):
			t.Errorf("frame %d's column is %v: neither shaded nor background", f, c)
		}
	}
	var want []int
	for f := range 80 {
		if (f >= 20 && f <= 34) || (f >= 60 && f <= 69) {
			want = append(want, f)
		}
	}
	if !slices.Equal(shaded, want) {
		t.Errorf("shaded frames %v, want %v", shaded, want)
	}
	// The event over frames 22-30 is drawn as a bar above the curve.
	if c := img.At(plot.Column(p, plot.VideoWidth, plot.VideoHeight, 26), plot.Row(p, plot.VideoWidth, plot.VideoHeight, 1.07)); !isColor(c, plot.EventColor) {
		t.Errorf("event bar pixel %v, want %v", c, plot.EventColor)
	}
}

func TestPlotUsage(t *testing.T) {
	in := encode(t, stream.KindScore, nil, scores("Test001", 0, 1)...)
	truth := write(t, "truth.csv", "Test001,2,2\n")
	for _, tc := range []struct {
		name    string
		in      []byte
		args    []string
		code    int
		stderr  string
		noTruth bool // run without --truth
	}{
		{"events without plot", in, []string{"--events", "e"}, 2,
			"evalroc: --events marks events on the pictures of --plot; give --plot DIR too (see evalroc --help)\n", false},
		{"event stream", encode(t, stream.KindEvent, map[string]any{"videos": []string{"Test001"}}), []string{"--plot", t.TempDir()}, 1,
			"evalroc: --plot needs a score stream (from regscore), not an event stream\n", false},
		{"missing events file", in, []string{"--plot", t.TempDir(), "--events", "/nonexistent/e"}, 1,
			"evalroc: --events: open /nonexistent/e: no such file or directory\n", false},
		{"no truth, no plot", in, nil, 2, "evalroc: missing --truth (or --masks DIR, for an error stream with maps) (see evalroc --help)\n", true},
		{"roc without truth", in, []string{"--plot", t.TempDir(), "--roc", "r.csv"}, 2,
			"evalroc: --roc writes the frame-level ROC, which needs --truth (see evalroc --help)\n", true},
		{"event stream without truth", alarmStream(t, nil), []string{"--plot", t.TempDir()}, 1,
			"evalroc: --plot needs a score stream (from regscore), not an event stream\n", true},
		{"bad fps", in, []string{"--plot", t.TempDir(), "--fps", "0"}, 2,
			"evalroc: --fps 0: want a positive frame rate (see evalroc --help)\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !tc.noTruth {
				args = append([]string{"--truth", truth}, args...)
			}
			_, stderr, code := runEval(tc.in, args...)
			if code != tc.code || stderr != tc.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

// TestPlotNames: ids that would leave the folder, collide once sanitised,
// or take the ROC picture's name each get a plot of their own inside it.
func TestPlotNames(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"..", ".", "a/b", "a_b", "a%2Fb", "roc", "%72oc", "Test001", "../../etc/x"} {
		n := plotName(id)
		if n == rocFile || strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".") {
			t.Errorf("plotName(%q) = %q", id, n)
		}
		if prev, ok := seen[n]; ok {
			t.Errorf("%q and %q share %q", prev, id, n)
		}
		seen[n] = id
	}
}
