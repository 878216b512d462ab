// Live sources: how their SOURCE forms resolve, and stdin and frame rates
// decoded from a Matroska video written here (the network forms are tested
// end to end with ffmpeg, testdata/script/frames_live*.txtar).

package video

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestResolveLive(t *testing.T) {
	tests := []struct {
		src, id string
		live    Live
	}{
		{"-", "stdin", Stdin},
		{"udp://127.0.0.1:5000?timeout=2000000&fifo_size=100", "127.0.0.1_5000", Network},
		{"udp://@:5000", "5000", Network},
		{"rtsp://user:secret@cam.local:554/live/ch1", "cam.local_554_live_ch1", Network},
		{"RTSPS://cam.local/a b/c", "cam.local_a_b_c", Network},
		{"http://example.org/videos/walk.mp4", "example.org_videos_walk.mp4", Network},
		{"https://example.org/hls/index.m3u8", "example.org_hls_index.m3u8", Network},
		{"tcp://10.0.0.2:9000", "10.0.0.2_9000", Network},
		{"rtmp://server/app/key", "server_app_key", Network},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			cs, err := Resolve([]string{tt.src})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || cs[0].ID != tt.id || cs[0].Live != tt.live || cs[0].Path != tt.src {
				t.Fatalf("got %+v, want id %q live %d path %q", cs, tt.id, tt.live, tt.src)
			}
			if strings.Contains(cs[0].Where(), "secret") {
				t.Errorf("Where %q shows the password", cs[0].Where())
			}
		})
	}
	if _, err := os.Stat("/dev/video0"); err == nil {
		cs, err := Resolve([]string{"/dev/video0"})
		if err != nil || cs[0].ID != "video0" || cs[0].Live != Camera || cs[0].Device != 0 {
			t.Errorf("/dev/video0: got %+v %v", cs, err)
		}
	}
}

func TestResolveLiveErrors(t *testing.T) {
	tests := []struct {
		srcs []string
		want string
		is   error
	}{
		{[]string{"/dev/video97"}, "/dev/video97: no such camera", ErrNoCamera},
		{[]string{"/dev/null"}, "", nil}, // a file like any other (OpenCV decides later)
		{[]string{"-", "-"}, "- and -: video id used twice: stdin", ErrDuplicateID},
		{[]string{"rtsp://u:pw@a/x", "udp://a/x"}, "rtsp://u:xxxxx@a/x and udp://a/x: video id used twice: a_x", ErrDuplicateID},
		{[]string{"ftp://a/x"}, "ftp://a/x: no such file or directory", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.srcs, " "), func(t *testing.T) {
			_, err := Resolve(tt.srcs)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("got %q, want %q (is %v)", got, tt.want, tt.is)
			}
		})
	}
}

// Stdin: a Matroska video piped in decodes frame for frame, with its rate;
// what is not a video gives one error and leaves no named pipe behind.
func TestDecodeStdin(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	path := filepath.Join(dir, "walk.mkv")
	src := writeWalk(t, path, 6, 30, 12.5)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clips, err := Resolve([]string{"-"})
	if err != nil {
		t.Fatal(err)
	}
	decode := func(stdin []byte) ([]Frame, error) {
		var out []Frame
		err := Decode(context.Background(), clips, Options{Width: 16, Height: 8, Stdin: bytes.NewReader(stdin)}, func(f Frame) error {
			out = append(out, f)
			return nil
		})
		return out, err
	}
	frames, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(src) {
		t.Fatalf("got %d frames, want %d", len(frames), len(src))
	}
	for i, f := range frames {
		if f.Video != "stdin" || f.Index != i || f.FPS != 12.5 {
			t.Errorf("frame %d is %s/%d at %v fps, want stdin/%d at 12.5", i, f.Video, f.Index, f.FPS, i)
		}
		if want := want255(src[i].Pix); !slices.Equal(f.Data, want) {
			t.Errorf("frame %d: got %v, want %v", i, f.Data[:4], want[:4])
		}
	}
	_, err = decode([]byte("not a video at all"))
	if want := "-: not a video OpenCV can read from a pipe (MPEG-TS, Matroska, NUT or FLV)"; err == nil || err.Error() != want {
		t.Errorf("garbage on stdin: got %v, want %q", err, want)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "stae-frames-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A video file's frames carry its container's rate; an image folder's none.
func TestDecodeFPS(t *testing.T) {
	dir := t.TempDir()
	g := grayImage(8, 8, 0)
	if err := WriteGray(filepath.Join(dir, "v.avi"), []*image.Gray{g, g}, 25); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(dir, "imgs", "1.png"), g)
	frames, err := decodeAll(t, 8, 8, filepath.Join(dir, "v.avi"), filepath.Join(dir, "imgs"))
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, f := range frames {
		got = append(got, f.FPS)
	}
	if want := []float64{25, 25, 0}; !slices.Equal(got, want) {
		t.Errorf("fps %v, want %v", got, want)
	}
}
