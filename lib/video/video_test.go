// Behaviour of source resolution and decoding, on small fixtures built in a
// temporary folder with known pixel values: an image folder, a video file
// and a UCSD-layout dataset folder.

package video

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// grayImage is a w x h image whose pixel (x, y) is base + x + w*y.
// writeWalk writes a video of n 16x8 frames at fps to path, frame i
// counting up from step*i, and returns the frames.
func writeWalk(t *testing.T, path string, n, step int, fps float64) []*image.Gray {
	t.Helper()
	var src []*image.Gray
	for i := range n {
		src = append(src, grayImage(16, 8, step*i))
	}
	if err := WriteGray(path, src, fps); err != nil {
		t.Fatal(err)
	}
	return src
}

func grayImage(w, h, base int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(base + i)
	}
	return g
}

func writePNG(t *testing.T, path string, g *image.Gray) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, g); err != nil {
		t.Fatal(err)
	}
}

// writeCV writes an image with OpenCV, for formats Go's library cannot
// encode (bmp, tif).
func writeCV(t *testing.T, path string, g *image.Gray) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := grayMat(g)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !gocv.IMWrite(path, m) {
		t.Fatalf("opencv could not write %s", path)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodeAll decodes sources at w x h and returns the frames in order.
func decodeAll(t *testing.T, w, h int, sources ...string) ([]Frame, error) {
	t.Helper()
	clips, err := Resolve(sources)
	if err != nil {
		return nil, err
	}
	var out []Frame
	err = Decode(context.Background(), clips, Options{Width: w, Height: h, Workers: 2, Window: 3}, func(f Frame) error {
		out = append(out, f)
		return nil
	})
	return out, err
}

// want255 is what a frame of 8-bit pixels becomes: each value / 255.
func want255(pix []uint8) []float32 {
	out := make([]float32, len(pix))
	for i, p := range pix {
		out[i] = float32(p) / 255
	}
	return out
}

func clipIDs(cs []Clip) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"frame9.png", "frame10.png", -1},
		{"frame10.png", "frame9.png", 1},
		{"9.jpg", "010.jpg", -1},
		{"001.jpg", "002.jpg", -1},
		{"frame1.png", "frame01.png", 1}, // equal numbers: byte order decides
		{"a.png", "a.png", 0},
		{"a2b3", "a2b10", -1},
		{"Test001", "Test001_gt", -1},
		{"x99999999999999999999999", "x100000000000000000000000", -1}, // no overflow
		{"abc", "abd", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			if got := naturalCompare(tt.a, tt.b); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	g := grayImage(4, 2, 0)
	// An image folder, names that sort differently as text and as numbers.
	for _, n := range []string{"frame10.png", "frame9.png", "frame1.png"} {
		writePNG(t, filepath.Join(dir, "clip", n), g)
	}
	writeFile(t, filepath.Join(dir, "clip", "notes.txt"), "not an image")
	// A UCSD-style dataset folder, with a video file among the clips.
	for _, n := range []string{"Test002/001.png", "Test001/001.png", "Test001_gt/001.png", ".cache/001.png"} {
		writePNG(t, filepath.Join(dir, "set", n), g)
	}
	if err := WriteGray(filepath.Join(dir, "set", "Test003.avi"), []*image.Gray{g}, 10); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "set", "truth.m"), "TestVideoFile = {};")

	tests := []struct {
		name    string
		sources []string
		ids     []string
		images  [][]string // base names per clip; nil for a video
	}{
		{"image folder in number order", []string{"clip"}, []string{"clip"}, [][]string{{"frame1.png", "frame9.png", "frame10.png"}}},
		{"dataset folder", []string{"set"}, []string{"Test001", "Test002", "Test003"}, [][]string{{"001.png"}, {"001.png"}, nil}},
		{"video file", []string{"set/Test003.avi"}, []string{"Test003"}, [][]string{nil}},
		{"sources in argument order", []string{"set/Test003.avi", "clip"}, []string{"Test003", "clip"}, [][]string{nil, {"frame1.png", "frame9.png", "frame10.png"}}},
		{"trailing slash", []string{"clip/"}, []string{"clip"}, [][]string{{"frame1.png", "frame9.png", "frame10.png"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := resolveIn(dir, tt.sources)
			if err != nil {
				t.Fatal(err)
			}
			if got := clipIDs(cs); !slices.Equal(got, tt.ids) {
				t.Fatalf("ids %v, want %v", got, tt.ids)
			}
			for i, c := range cs {
				var names []string
				for _, p := range c.Images {
					names = append(names, filepath.Base(p))
				}
				if !slices.Equal(names, tt.images[i]) || (c.Images == nil) != (tt.images[i] == nil) {
					t.Errorf("%s: images %v, want %v", c.ID, names, tt.images[i])
				}
			}
		})
	}
}

// resolveIn resolves sources named relative to dir.
func resolveIn(dir string, sources []string) ([]Clip, error) {
	var srcs []string
	for _, s := range sources {
		srcs = append(srcs, filepath.Join(dir, s))
	}
	return Resolve(srcs)
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	g := grayImage(4, 2, 0)
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	writeFile(t, filepath.Join(dir, "text", "a.txt"), "hello")
	writePNG(t, filepath.Join(dir, "nested", "Train", "Train001", "001.png"), g)
	writePNG(t, filepath.Join(dir, "a", "Test001", "001.png"), g)
	writePNG(t, filepath.Join(dir, "b", "Test001", "001.png"), g)
	writePNG(t, filepath.Join(dir, "mixed", "001.png"), g)
	writePNG(t, filepath.Join(dir, "mixed", "Test001", "001.png"), g)

	tests := []struct {
		name    string
		sources []string
		is      error
		msg     string // after the temporary folder's path
	}{
		{"missing path", []string{"nope"}, fs.ErrNotExist, "/nope: no such file or directory"},
		{"empty folder", []string{"empty"}, ErrEmptyFolder, "/empty: empty folder"},
		{"folder of non-images", []string{"text"}, ErrNoClips, "/text: no images (bmp, jpg, png, tif), videos or clip folders; want a video file, a folder of images (one clip), or a dataset folder whose subfolders of images or video files are the clips (UCSD: Test/Test001, ...)"},
		{"three levels", []string{"nested"}, ErrNoImages, "/nested/Train: no images (bmp, jpg, png, tif) in a dataset folder's clip folder"},
		{"images and clips", []string{"mixed"}, ErrMixed, "/mixed: holds both images and clips (subfolders or videos); name the clips or the images' folder alone"},
		{"id twice", []string{"a", "b"}, ErrDuplicateID, "/a/Test001 and " + dir + "/b/Test001: video id used twice: Test001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveIn(dir, tt.sources)
			if !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want %v", err, tt.is)
			}
			if want := dir + tt.msg; err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
		})
	}
}

func TestResolvePermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any folder")
	}
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "locked", "001.png"), grayImage(4, 2, 0))
	if err := os.Chmod(filepath.Join(dir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	_, err := Resolve([]string{filepath.Join(dir, "locked")})
	if !errors.Is(err, fs.ErrPermission) || err.Error() != filepath.Join(dir, "locked")+": permission denied" {
		t.Errorf("got %v, want permission denied", err)
	}
}

func TestDecodeImageFolder(t *testing.T) {
	dir := t.TempDir()
	// Written out of order, with the numbers in the names deciding.
	imgs := map[string]*image.Gray{"f10.png": grayImage(4, 2, 100), "f9.bmp": grayImage(4, 2, 50), "f1.tif": grayImage(4, 2, 0)}
	for n, g := range imgs {
		if strings.HasSuffix(n, ".png") {
			writePNG(t, filepath.Join(dir, "clip", n), g)
		} else {
			writeCV(t, filepath.Join(dir, "clip", n), g)
		}
	}
	frames, err := decodeAll(t, 4, 2, filepath.Join(dir, "clip"))
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"f1.tif", "f9.bmp", "f10.png"}
	if len(frames) != len(order) {
		t.Fatalf("got %d frames, want %d", len(frames), len(order))
	}
	for i, f := range frames {
		if f.Video != "clip" || f.Index != i {
			t.Errorf("frame %d is %s/%d", i, f.Video, f.Index)
		}
		if want := want255(imgs[order[i]].Pix); !slices.Equal(f.Data, want) {
			t.Errorf("frame %d (%s): got %v, want %v", i, order[i], f.Data, want)
		}
	}
}

// Shrinking averages the pixels each output pixel covers (INTER_AREA):
// 4x2 -> 2x1 takes the mean of each 2x2 block.
func TestDecodeResize(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(g.Pix, []uint8{10, 20, 100, 100, 30, 40, 200, 0})
	writePNG(t, filepath.Join(dir, "clip", "1.png"), g)
	frames, err := decodeAll(t, 2, 1, filepath.Join(dir, "clip"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{25.0 / 255, 100.0 / 255}; len(frames) != 1 || !slices.Equal(frames[0].Data, want) {
		t.Errorf("got %v, want %v", frames, want)
	}
}

func TestDecodeVideo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "walk.avi")
	src := writeWalk(t, path, 5, 20, 10)
	frames, err := decodeAll(t, 16, 8, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(src) {
		t.Fatalf("got %d frames, want %d", len(frames), len(src))
	}
	for i, f := range frames {
		if f.Video != "walk" || f.Index != i {
			t.Errorf("frame %d is %s/%d", i, f.Video, f.Index)
		}
		// FFV1 is lossless: the values come back exactly.
		if want := want255(src[i].Pix); !slices.Equal(f.Data, want) {
			t.Errorf("frame %d: got %v, want %v", i, f.Data[:4], want[:4])
		}
	}
}

// A UCSD-layout folder: clip folders in name order, masks skipped, other
// files ignored, video files taken as clips.
func TestDecodeDatasetFolder(t *testing.T) {
	dir := t.TempDir()
	set := filepath.Join(dir, "Test")
	for c := 1; c <= 2; c++ {
		for i := 1; i <= 3; i++ {
			writePNG(t, filepath.Join(set, fmt.Sprintf("Test%03d", c), fmt.Sprintf("%03d.png", i)), grayImage(6, 4, 100*c+10*i))
			writePNG(t, filepath.Join(set, fmt.Sprintf("Test%03d_gt", c), fmt.Sprintf("%03d.png", i)), grayImage(6, 4, 255))
		}
	}
	if err := WriteGray(filepath.Join(set, "Test003.avi"), []*image.Gray{grayImage(6, 4, 7), grayImage(6, 4, 9)}, 10); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(set, "UCSDped2.m"), "TestVideoFile = {};\n")

	frames, err := decodeAll(t, 6, 4, set)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		video string
		index int
		base  int
	}
	wants := []want{{"Test001", 0, 110}, {"Test001", 1, 120}, {"Test001", 2, 130}, {"Test002", 0, 210}, {"Test002", 1, 220}, {"Test002", 2, 230}, {"Test003", 0, 7}, {"Test003", 1, 9}}
	if len(frames) != len(wants) {
		t.Fatalf("got %d frames, want %d", len(frames), len(wants))
	}
	for i, w := range wants {
		f := frames[i]
		if f.Video != w.video || f.Index != w.index {
			t.Errorf("frame %d is %s/%d, want %s/%d", i, f.Video, f.Index, w.video, w.index)
		}
		if want := want255(grayImage(6, 4, w.base).Pix); !slices.Equal(f.Data, want) {
			t.Errorf("%s/%d: got %v..., want %v...", f.Video, f.Index, f.Data[:3], want[:3])
		}
	}
}

// Many frames through a small window with two workers still arrive in
// order.
func TestDecodeOrder(t *testing.T) {
	dir := t.TempDir()
	const n = 60
	for i := range n {
		writePNG(t, filepath.Join(dir, "clip", fmt.Sprintf("%d.png", i)), grayImage(3, 1, i))
	}
	frames, err := decodeAll(t, 3, 1, filepath.Join(dir, "clip"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if f.Index != i || f.Data[0] != float32(i)/255 {
			t.Fatalf("position %d holds frame %d (first pixel %v)", i, f.Index, f.Data[0])
		}
	}
	if len(frames) != n {
		t.Errorf("got %d frames, want %d", len(frames), n)
	}
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	g := grayImage(4, 2, 0)
	writeFile(t, filepath.Join(dir, "notes.avi"), "this is not a video")
	writeFile(t, filepath.Join(dir, "zero.avi"), "")
	// An image folder whose third image is broken: the first two frames
	// still arrive, then the error.
	writePNG(t, filepath.Join(dir, "broken", "1.png"), g)
	writePNG(t, filepath.Join(dir, "broken", "2.png"), g)
	writeFile(t, filepath.Join(dir, "broken", "3.png"), "not a png")
	// A video container with no frames in it.
	vw, err := gocv.VideoWriterFile(filepath.Join(dir, "noframes.avi"), Codec, 10, 4, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	vw.Close()
	// A video cut short: the first third of the synthetic training clip
	// (80 frames declared, about 26 decodable).
	whole, err := os.ReadFile(filepath.Join("..", "..", "testdata", "synth", "Train", "Train001.avi"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cut.avi"), string(whole[:len(whole)/3]))
	cutFrames := func() int { // what OpenCV decodes from the cut file
		frames, _ := decodeAll(t, 4, 2, filepath.Join(dir, "cut.avi"))
		return len(frames)
	}()

	tests := []struct {
		name   string
		source string
		frames int
		is     error
		msg    string
	}{
		{"file that is not a video", "notes.avi", 0, ErrNotVideo, "/notes.avi: not a video OpenCV can read"},
		{"empty file", "zero.avi", 0, ErrNotVideo, "/zero.avi: empty file: not a video OpenCV can read"},
		{"video with no frames", "noframes.avi", 0, ErrNoFrames, "/noframes.avi: video has no frames"},
		{"broken image", "broken", 2, ErrNotImage, "/broken/3.png: not an image OpenCV can read"},
		{"video cut short", "cut.avi", cutFrames, ErrCutShort,
			fmt.Sprintf("/cut.avi: decoded %d of 80 frames: video ends before the frames its file declares (cut short or damaged?)", cutFrames)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := decodeAll(t, 4, 2, filepath.Join(dir, tt.source))
			if !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want %v", err, tt.is)
			}
			if want := dir + tt.msg; err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
			if len(frames) != tt.frames {
				t.Errorf("%d frames before the error, want %d", len(frames), tt.frames)
			}
		})
	}

	t.Run("bad size", func(t *testing.T) {
		err := Decode(context.Background(), nil, Options{Width: 0, Height: 5}, func(Frame) error { return nil })
		if !errors.Is(err, ErrBadSize) || err.Error() != "0x5: frame size must be positive" {
			t.Errorf("got %v", err)
		}
	})
}

// An error from emit stops decoding at once and is returned as is.
func TestDecodeStopsOnEmitError(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		writePNG(t, filepath.Join(dir, "clip", fmt.Sprintf("%d.png", i)), grayImage(3, 1, i))
	}
	clips, err := Resolve([]string{filepath.Join(dir, "clip")})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err = Decode(context.Background(), clips, Options{Width: 3, Height: 1}, func(Frame) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5 {
		t.Errorf("got %v after %d frames, want stop after 5", err, n)
	}
}

const ucsd = "/work/shared/datasets/UCSDped2"

// ucsdTest resolves UCSD Ped2's Test folder, skipping tb where it is not
// present.
func ucsdTest(tb testing.TB) []Clip {
	tb.Helper()
	if _, err := os.Stat(ucsd); err != nil {
		tb.Skip("UCSDped2 not present")
	}
	cs, err := Resolve([]string{filepath.Join(ucsd, "Test")})
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// The real benchmark, where present: the Test folder resolves to 12 clips
// and 2010 frames.
func TestResolveUCSDped2(t *testing.T) {
	cs := ucsdTest(t)
	var want []string
	for i := 1; i <= 12; i++ {
		want = append(want, fmt.Sprintf("Test%03d", i))
	}
	if got := clipIDs(cs); !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	n := 0
	for _, c := range cs {
		n += len(c.Images)
	}
	if n != 2010 {
		t.Errorf("%d frames, want 2010", n)
	}
}

// BenchmarkDecodeUCSDped2Test decodes UCSD Ped2's Test set (2010 JPEGs,
// 360x240) to 227x227; frames/s is the figure to watch.
func BenchmarkDecodeUCSDped2Test(b *testing.B) {
	cs := ucsdTest(b)
	n := 0
	for b.Loop() {
		err := Decode(context.Background(), cs, Options{Width: 227, Height: 227}, func(Frame) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "frames/s")
}

func TestSourceSize(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "Clip001")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(folder, "001.png"), grayImage(36, 24, 0))
	avi := filepath.Join(dir, "Clip002.avi")
	if err := WriteGray(avi, []*image.Gray{grayImage(40, 30, 0), grayImage(40, 30, 9)}, 10); err != nil {
		t.Fatal(err)
	}
	clips, err := Resolve([]string{folder, avi})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]int{{36, 24}, {40, 30}} {
		w, h, err := SourceSize(clips[i])
		if err != nil || w != want[0] || h != want[1] {
			t.Errorf("%s: %dx%d, %v; want %dx%d", clips[i].ID, w, h, err, want[0], want[1])
		}
	}
}
