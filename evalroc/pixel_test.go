// Tests of evalroc --masks on small error streams with maps and masks
// written to a temporary folder, the AUCs counted by hand.

package main

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"stae/lib/pixel"
	"stae/lib/stream"
)

// mask makes a 2x2 mask from its four pixels, row-major.
func mask(p ...bool) *pixel.Mask { return &pixel.Mask{H: 2, W: 2, Pix: p} }

// writeMasks writes masks into dir/sub, named by name(i) (1-based number),
// BMP or PNG by the name's extension.
func writeMasks(t *testing.T, dir, sub string, name func(n int) string, masks ...*pixel.Mask) {
	t.Helper()
	d := filepath.Join(dir, sub)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, m := range masks {
		f, err := os.Create(filepath.Join(d, name(i+1)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name(i+1), ".bmp") {
			err = bmp.Encode(f, m.Image())
		} else {
			err = png.Encode(f, m.Image())
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func nnnBMP(n int) string   { return pad(n) + ".bmp" }
func framePNG(n int) string { return "frame" + pad(n) + ".png" }
func pad(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

const no, yes = false, true

// maskDir holds the masks of two videos, one in each naming convention:
// A_gt/NNN.bmp (4 frames) and B/frameNNN.png (2 frames).
func maskDir(t *testing.T) string {
	dir := t.TempDir()
	writeMasks(t, dir, "A_gt", nnnBMP,
		mask(no, no, no, no), mask(yes, yes, no, no), mask(yes, yes, yes, yes), mask(no, no, no, no))
	writeMasks(t, dir, "B", framePNG, mask(no, no, no, no), mask(no, no, no, yes))
	return dir
}

// errMaps is an error record with a map of the given shape.
func errMaps(video string, frame int, e float64, shape []int, data ...float32) *stream.Error {
	return &stream.Error{Video: video, Frame: frame, Error: e, Shape: shape, Data: data}
}

// mapStream: A's maps are at the masks' size (2x2), B's are 1x1 and must be
// brought up to 2x2 (a constant map stays constant).
//
//	A0 normal     max 0.4
//	A1 2 pixels   ceil(0.8)=1st largest inside: 0.9
//	A2 4 pixels   ceil(1.6)=2nd largest inside: 0.6
//	A3 normal     max 0.7
//	B0 normal     0.5
//	B1 1 pixel    0.65
//
// A: anomalous {0.9, 0.6} over normal {0.4, 0.7}: 3 of 4 pairs, AUC 0.75;
// its ROC passes (0.5, 0.5) at 0.7, the EER. B: AUC 1. Pooled: anomalous
// {0.9, 0.65, 0.6} over normal {0.7, 0.5, 0.4}: 3+2+2 of 9 pairs, 7/9; the
// ROC passes (1/3, 2/3) at 0.65, the EER 1/3.
func mapStream(t *testing.T) []byte {
	sq := []int{2, 2}
	return encode(t, stream.KindError, nil,
		errMaps("A", 0, 1, sq, 0.1, 0.2, 0.3, 0.4),
		errMaps("A", 1, 2, sq, 0.9, 0.5, 0, 0),
		errMaps("A", 2, 3, sq, 0.8, 0.6, 0.2, 0.1),
		errMaps("A", 3, 0.5, sq, 0.7, 0, 0, 0),
		errMaps("B", 0, 0.1, []int{1, 1}, 0.5),
		errMaps("B", 1, 0.7, []int{1, 1}, 0.65))
}

type pixelJSON struct {
	Kind     string       `json:"kind"`
	Masks    string       `json:"masks"`
	Score    string       `json:"score"`
	AUCMicro *float64     `json:"auc_micro"`
	Pixel    *pixelResult `json:"pixel"`
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestPixelLevel(t *testing.T) {
	dir := maskDir(t)
	out, stderr, code := runEval(mapStream(t), "--masks", dir, "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r pixelJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Kind != "error" || r.Masks != dir || r.AUCMicro != nil || r.Score != "" || r.Pixel == nil {
		t.Fatalf("got %s; want an error report with masks, pixel and no frame-level keys", out)
	}
	p := r.Pixel
	if !near(p.AUC, 7.0/9) || !near(p.EER, 1.0/3) || !near(p.EERAt, 0.65) {
		t.Errorf("pixel auc %v eer %v at %v; want 7/9, 1/3 at 0.65", p.AUC, p.EER, p.EERAt)
	}
	if p.Videos != 2 || p.Frames != 6 || p.Anomalous != 3 || p.Normal != 3 || len(p.PerVideo) != 2 {
		t.Fatalf("got %+v; want 2 videos, 6 frames, 3 anomalous, 3 normal", p)
	}
	a, b := p.PerVideo[0], p.PerVideo[1]
	if a.Video != "A" || a.Frames != 4 || a.Anomalous != 2 || a.Normal != 2 || a.AUC == nil || *a.AUC != 0.75 || !near(*a.EER, 0.5) || !near(*a.EERAt, 0.7) {
		t.Errorf("video A %+v; want 4 frames, 2 anomalous, AUC 0.75, EER 0.5 at 0.7", a)
	}
	if b.Video != "B" || b.AUC == nil || *b.AUC != 1 {
		t.Errorf("video B %+v; want AUC 1", b)
	}

	table, _, _ := runEval(mapStream(t), "--masks", dir)
	for _, want := range []string{
		"stream:  error stream from mine --x\nmasks:   " + dir + "\n\npixel-level: ",
		"A      4       2          0.7500  0.5000\n",
		"all    6       3\n",
		"pixel AUC  0.7778  (77.8 %, all 6 frames of 2 videos pooled)\n",
		"pixel EER  0.3333  (33.3 %, at error 0.65)\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "AUC micro") || strings.Contains(table, "truth:") {
		t.Errorf("table without --truth has a frame-level section:\n%s", table)
	}
}

func TestPixelWithTruth(t *testing.T) {
	// e(t): A 1 2 3 0.5 with frames 1-2 anomalous, B 0.1 0.7 with frame 1:
	// anomalous {3, 2, 0.7} over normal {1, 0.5, 0.1}: 3+3+2 of 9 pairs.
	truth := write(t, "t.csv", "A,2,3\nB,2,2\n")
	dir := maskDir(t)
	out, stderr, code := runEval(mapStream(t), "--masks", dir, "--truth", truth, "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r pixelJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	fr := decode(t, out)
	if r.Score != "error" || r.AUCMicro == nil || !near(*r.AUCMicro, 8.0/9) || fr.Frames != 6 || fr.Anomalous != 3 || len(fr.PerVideo) != 2 {
		t.Errorf("frame level %s; want score error, auc_micro 8/9 over 6 frames", out)
	}
	if r.Pixel == nil || !near(r.Pixel.AUC, 7.0/9) {
		t.Errorf("pixel %+v, want AUC 7/9", r.Pixel)
	}
	table, _, _ := runEval(mapStream(t), "--masks", dir, "--truth", truth)
	for _, want := range []string{
		"truth:   " + truth + "\nmasks:   " + dir + "\n\nframe-level: error e(t)",
		"AUC micro  0.8889  (88.9 %, all 6 frames of 2 videos pooled)\n",
		"pixel AUC  0.7778",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestPixelErrors(t *testing.T) {
	sq := []int{2, 2}
	noMaps := encode(t, stream.KindError, nil, &stream.Error{Video: "A", Frame: 0, Error: 1})
	tests := []struct {
		name  string
		masks func(t *testing.T, dir string)
		in    []byte
		args  []string
		code  int
		want  string // the whole of stderr; DIR stands for the mask folder
	}{
		{"error stream without maps", nil, noMaps, nil, 1,
			"evalroc: --masks needs per-pixel maps: run recon --maps\n"},
		{"score stream", nil, twoVideos(t), nil, 1,
			"evalroc: --masks needs an error stream with per-pixel maps (recon --maps): wrong record kind: want an error stream, got score\n"},
		{"folder lacks the stream's frames", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "B", "frame002.png"))
		}, nil, nil, 1,
			"evalroc: record 6: video B frame 1: missing mask (file number 002): DIR/B holds 1 masks\n"},
		{"folder with a gap", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "A_gt", "002.bmp"))
		}, nil, nil, 1,
			"evalroc: video A: mask folder DIR/A_gt: missing mask for frame 1 (file number 002; the last file is 004.bmp)\n"},
		{"mask of another size", func(t *testing.T, dir string) {
			writeMasks(t, dir, "A_gt", func(int) string { return "003.bmp" }, &pixel.Mask{H: 3, W: 2, Pix: make([]bool, 6)})
		}, nil, nil, 1,
			"evalroc: video A: mask folder DIR/A_gt: frame 2: mask size differs: 003.bmp is 2x3, 001.bmp is 2x2\n"},
		{"video without masks", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "B"))
		}, nil, nil, 1,
			"evalroc: video B: no masks: neither B_gt nor B is a folder in DIR\n"},
		{"one class pooled", nil, encode(t, stream.KindError, nil, errMaps("A", 0, 1, sq, 0, 0, 0, 0), errMaps("A", 3, 1, sq, 0, 0, 0, 0)), nil, 1,
			"evalroc: pixel level: all videos: 0 anomalous and 2 normal frames: labels hold a single class\n"},
		{"--score other than error", nil, nil, []string{"--score", "abnormality"}, 2,
			"evalroc: --score: with --masks the frame-level score is the error stream's error field (see evalroc --help)\n"},
		{"--roc without --truth", nil, nil, []string{"--roc", "r.csv"}, 2,
			"evalroc: --roc writes the frame-level ROC; with --masks give --truth too (see evalroc --help)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := maskDir(t)
			if tc.masks != nil {
				tc.masks(t, dir)
			}
			in := tc.in
			if in == nil {
				in = mapStream(t)
			}
			_, stderr, code := runEval(in, append([]string{"--masks", dir}, tc.args...)...)
			if want := strings.ReplaceAll(tc.want, "DIR", dir); code != tc.code || stderr != want {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr, tc.code, want)
			}
		})
	}
}
