// Behaviour of the frames tool, run in process: the stream it writes, the
// statistics round trip, and its one-line errors with their exit codes.

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
	"stae/lib/video"
)

func runFrames(t *testing.T, args ...string) (stdout []byte, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"frames"}, args...), strings.NewReader(""), &out, &errb)
	return out.Bytes(), errb.String(), code
}

func readFrames(t *testing.T, b []byte) (*stream.Header, []*stream.Frame) {
	t.Helper()
	return streamtest.Decode[*stream.Frame](t, b, stream.KindFrame)
}

func writePNG(t *testing.T, path string, pix ...uint8) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(image.Rect(0, 0, 2, 1))
	copy(g.Pix, pix)
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixture is a UCSD-style pair of 2x1 clips: Train/Train001 with frames
// (0, 51) and (255, 51), and Test/Test001 with (102, 0).
func fixture(t *testing.T) string {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "Train", "Train001", "1.png"), 0, 51)
	writePNG(t, filepath.Join(dir, "Train", "Train001", "2.png"), 255, 51)
	writePNG(t, filepath.Join(dir, "Test", "Test001", "frame1.png"), 102, 0)
	writePNG(t, filepath.Join(dir, "Test", "Test001_gt", "frame1.png"), 255, 255)
	return dir
}

func TestExtract(t *testing.T) {
	dir := fixture(t)
	out, stderr, code := runFrames(t, "-q", "--size", "2x1", filepath.Join(dir, "Train"), filepath.Join(dir, "Test"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("quiet run wrote %q", stderr)
	}
	h, fs := readFrames(t, out)
	fd, err := h.FrameDesc()
	if err != nil {
		t.Fatal(err)
	}
	if w := fd.Width; w != 2 {
		t.Errorf("width param %d, want 2", w)
	}
	if ht := fd.Height; ht != 1 {
		t.Errorf("height param %d, want 1", ht)
	}
	if _, ok := h.Param("normalised"); !ok || fd.Normalised {
		t.Errorf("normalised param %v (set %v), want false", fd.Normalised, ok)
	}
	if _, ok := h.Param("stats_digest"); ok {
		t.Errorf("stats_digest set without --stats")
	}
	want := []struct {
		video string
		frame int
		data  []float32
	}{
		{"Train001", 0, []float32{0, 51.0 / 255}},
		{"Train001", 1, []float32{1, 51.0 / 255}},
		{"Test001", 0, []float32{102.0 / 255, 0}},
	}
	if len(fs) != len(want) {
		t.Fatalf("%d frames, want %d", len(fs), len(want))
	}
	for i, w := range want {
		f := fs[i]
		if f.Video != w.video || f.Frame != w.frame || !slices.Equal(f.Shape, []int{1, 2}) || !slices.Equal(f.Data, w.data) {
			t.Errorf("record %d: %s/%d shape %v data %v, want %s/%d [1 2] %v", i, f.Video, f.Frame, f.Shape, f.Data, w.video, w.frame, w.data)
		}
	}
}

// `frames mean` then `frames --stats`: the test frame comes out as
// (x - mean) / std, and the header names the statistics file by digest.
func TestMeanThenStats(t *testing.T) {
	dir := fixture(t)
	statsPath := filepath.Join(dir, "stats.bin")
	if _, stderr, code := runFrames(t, "mean", "--out", statsPath, "--size", "2x1", "-q", filepath.Join(dir, "Train")); code != 0 {
		t.Fatalf("mean: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(statsPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	// Mean image (0.5, 0.2); deviations +-0.5 at pixel 0 and 0 at pixel 1,
	// so std = sqrt((0.25+0.25+0+0)/4).
	std := math.Sqrt(0.125)

	// --size is taken from the statistics when not given.
	out, stderr, code := runFrames(t, "-q", "--stats", statsPath, filepath.Join(dir, "Test"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	h, fs := readFrames(t, out)
	fd, err := h.FrameDesc()
	if err != nil {
		t.Fatal(err)
	}
	if d := fd.StatsDigest; d != hex.EncodeToString(sum[:]) {
		t.Errorf("stats_digest %q, want %x", d, sum)
	}
	if !fd.Normalised {
		t.Errorf("normalised param false, want true")
	}
	if len(fs) != 1 {
		t.Fatalf("%d frames, want 1", len(fs))
	}
	want := []float64{(102.0/255 - 0.5) / std, (0 - 51.0/255) / std}
	for i, v := range fs[0].Data {
		if math.Abs(float64(v)-want[i]) > 1e-5 {
			t.Errorf("got %v, want %v", fs[0].Data, want)
			break
		}
	}
}

func TestErrors(t *testing.T) {
	dir := fixture(t)
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("text"), 0o644)
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "readme.txt"), []byte("text"), 0o644)
	stats := filepath.Join(dir, "stats.bin")
	if _, stderr, code := runFrames(t, "mean", "--out", stats, "--size", "2x1", "-q", filepath.Join(dir, "Train")); code != 0 {
		t.Fatalf("mean: exit %d: %s", code, stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string // stderr, with D for the fixture folder
	}{
		{"missing path", []string{"D/nope"}, 1, "frames: D/nope: no such file or directory"},
		{"empty folder", []string{"D/empty"}, 1, "frames: D/empty: empty folder"},
		{"not a video", []string{"D/notes.txt"}, 1, "frames: D/notes.txt: not a video OpenCV can read"},
		{"folder of non-images", []string{"D/docs"}, 1, "frames: D/docs: no images (bmp, jpg, png, tif), videos or clip folders; want a video file, a folder of images (one clip), or a dataset folder whose subfolders of images or video files are the clips (UCSD: Test/Test001, ...)"},
		{"stats not a stats file", []string{"--stats", "D/notes.txt", "D/Test"}, 1, "frames: --stats: D/notes.txt: not a stae statistics file"},
		{"stats missing", []string{"--stats", "D/nope.bin", "D/Test"}, 1, "frames: --stats: open D/nope.bin: no such file or directory"},
		{"size differs from stats", []string{"--stats", "D/stats.bin", "--size", "43", "D/Test"}, 2, "frames: --size 43x43 differs from the 2x1 of --stats D/stats.bin (see frames --help)"},
		{"bad size", []string{"--size", "0", "D/Test"}, 2, `frames: --size "0": want N or WxH with sides 1..4096 (e.g. 227 or 360x240) (see frames --help)`},
		{"bad size text", []string{"--size", "12y5", "D/Test"}, 2, `frames: --size "12y5": want N or WxH with sides 1..4096 (e.g. 227 or 360x240) (see frames --help)`},
		{"no source", nil, 2, "frames: no SOURCE given (see frames --help)"},
		{"flag after source", []string{"D/Test", "--size"}, 2, "frames: --size needs a value (see frames --help)"},
		{"unknown flag after source", []string{"D/Test", "--sise", "3"}, 2, "frames: unknown flag --sise: did you mean --size? (see frames --help)"},
		{"mean without out", []string{"mean", "D/Train"}, 2, "frames: mean: missing --out (see frames mean --help)"},
		{"mean of nothing", []string{"mean", "--out", "D/x.bin", "D/empty"}, 1, "frames: D/empty: empty folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "D/", dir+"/"))
			}
			_, stderr, code := runFrames(t, args...)
			want := strings.ReplaceAll(tt.msg, "D/", dir+"/") + "\n"
			if code != tt.code || stderr != want {
				t.Errorf("exit %d, stderr %q; want exit %d, %q", code, stderr, tt.code, want)
			}
		})
	}
}

// A video container with no frames in it, and an unreadable folder.
func TestUnreadableVideo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "empty.avi")
	vw, err := gocv.VideoWriterFile(path, video.Codec, 10, 4, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	vw.Close()
	_, stderr, code := runFrames(t, "-q", path)
	if want := "frames: " + path + ": video has no frames\n"; code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 1, %q", code, stderr, want)
	}
}

func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any folder")
	}
	dir := fixture(t)
	locked := filepath.Join(dir, "Test", "Test001")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	_, stderr, code := runFrames(t, "-q", locked)
	if want := "frames: " + locked + ": permission denied\n"; code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 1, %q", code, stderr, want)
	}
}

// The committed synthetic data: both forms of clip, in name order.
func TestSynthTestdata(t *testing.T) {
	out, stderr, code := runFrames(t, "-q", "--size", "43", "../testdata/synth/Test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, fs := readFrames(t, out)
	counts := map[string]int{}
	var order []string
	for _, f := range fs {
		if len(order) == 0 || order[len(order)-1] != f.Video {
			order = append(order, f.Video)
		}
		if f.Frame != counts[f.Video] {
			t.Fatalf("%s frame %d out of order", f.Video, f.Frame)
		}
		counts[f.Video]++
	}
	if want := []string{"Test001", "Test002", "Test003", "Test004", "Test005"}; !slices.Equal(order, want) {
		t.Errorf("videos %v, want %v", order, want)
	}
	for _, v := range order {
		if counts[v] != 90 {
			t.Errorf("%s: %d frames, want 90", v, counts[v])
		}
	}
}

func TestHelp(t *testing.T) {
	out, _, code := runFrames(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"frames mean --out stats.bin", "EXIT STATUS", "--stats", "--size"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("--help lacks %q", s)
		}
	}
}

// TestChannels: --channels gray,diff makes [2, H, W] frames whose second
// plane is x_t - x_{t-1} (a video's first frame takes its successor's, and
// a video of one frame has none), the header and statistics name the
// planes, and --stats brings its channels along.
func TestChannels(t *testing.T) {
	dir := fixture(t)
	writePNG(t, filepath.Join(dir, "Train", "Train001", "3.png"), 255, 0)
	out, stderr, code := runFrames(t, "-q", "--size", "2x1", "--channels", "gray,diff", filepath.Join(dir, "Train"), filepath.Join(dir, "Test"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	h, fs := readFrames(t, out)
	fd, err := h.FrameDesc()
	if err != nil || !slices.Equal(fd.Channels, []string{"gray", "diff"}) {
		t.Fatalf("channels %v (%v), want [gray diff]", fd.Channels, err)
	}
	want := [][]float32{
		{0, 51.0 / 255, 1, 0},  // Train001 frame 0: its successor's difference
		{1, 51.0 / 255, 1, 0},  // frame 1: pixel 0 went 0 -> 255
		{1, 0, 0, -51.0 / 255}, // frame 2: pixel 1 went 51 -> 0
		{102.0 / 255, 0, 0, 0}, // Test001, one frame: no motion at all
	}
	if len(fs) != len(want) {
		t.Fatalf("%d frames, want %d", len(fs), len(want))
	}
	for i, w := range want {
		if !slices.Equal(fs[i].Shape, []int{2, 1, 2}) {
			t.Errorf("record %d: shape %v, want [2 1 2]", i, fs[i].Shape)
		}
		for j := range w {
			if math.Abs(float64(fs[i].Data[j]-w[j])) > 1e-6 {
				t.Errorf("record %d: data %v, want %v", i, fs[i].Data, w)
				break
			}
		}
	}
	statsPath := filepath.Join(dir, "stats.bin")
	if _, stderr, code := runFrames(t, "mean", "-q", "--out", statsPath, "--size", "2x1", "--channels", "gray,diff", filepath.Join(dir, "Train")); code != 0 {
		t.Fatalf("mean: exit %d: %s", code, stderr)
	}
	out, stderr, code = runFrames(t, "-q", "--stats", statsPath, filepath.Join(dir, "Test"))
	if code != 0 {
		t.Fatalf("with stats: exit %d: %s", code, stderr)
	}
	h, fs = readFrames(t, out)
	if fd, _ := h.FrameDesc(); !slices.Equal(fd.Channels, []string{"gray", "diff"}) || !fd.Normalised || !slices.Equal(fs[0].Shape, []int{2, 1, 2}) {
		t.Errorf("frames from two-plane statistics: channels %v normalised %v shape %v", fd.Channels, fd.Normalised, fs[0].Shape)
	}
	_, stderr, code = runFrames(t, "-q", "--stats", statsPath, "--channels", "gray", filepath.Join(dir, "Test"))
	if code != 2 || stderr != "frames: --channels gray differs from the gray,diff of --stats "+statsPath+" (see frames --help)\n" {
		t.Errorf("channels unlike the statistics': exit %d, %q", code, stderr)
	}
	_, stderr, code = runFrames(t, "-q", "--channels", "gray,depth", filepath.Join(dir, "Test"))
	if code != 2 || !strings.HasPrefix(stderr, "frames: --channels: ") {
		t.Errorf("unknown channel: exit %d, %q", code, stderr)
	}
}
