// sink.go: where rendered pictures go: a PNG per frame, or one video file
// through OpenCV's VideoWriter.

package render

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gocv.io/x/gocv"

	"stae/lib/atomicfile"
	"stae/lib/stream"
)

// VideoCodecs is the FourCC written in each video container that Open
// accepts, by extension: what Debian's OpenCV over ffmpeg writes there and
// reads back.
var VideoCodecs = map[string]string{
	".avi": "MJPG",
	".mkv": "MJPG",
	".mov": "mp4v",
	".mp4": "mp4v",
	".m4v": "mp4v",
}

// ErrNotSink marks a path that is neither a folder nor a video file Open
// knows.
var ErrNotSink = errors.New("not a folder (a name without extension) or a video file")

// Open returns the sink path names: an existing folder, or a new one when
// path has no extension, takes PNGs (PNGDir); a video extension
// (VideoCodecs) one video file at fps frames a second, its codec chosen by
// the extension. Anything else is an error wrapping ErrNotSink.
func Open(path string, fps float64) (Sink, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if st, err := os.Stat(path); (err == nil && st.IsDir()) || ext == "" {
		return NewPNGDir(path)
	}
	codec, ok := VideoCodecs[ext]
	if !ok {
		exts := make([]string, 0, len(VideoCodecs))
		for e := range VideoCodecs {
			exts = append(exts, e)
		}
		slices.Sort(exts)
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotSink, strings.Join(exts, ", "))
	}
	v := NewVideoFile(path, fps)
	v.Codec = codec
	return v, nil
}

// PNGDir writes DIR/<video>/<frame>.png (frame 0-based, six digits, so
// `ffmpeg -i DIR/Test001/%06d.png` reads them in order). The folder appears
// whole or not at all: the PNGs go into a temporary sibling of DIR, which
// Close renames into place (replacing an earlier DIR only then) and Abort
// removes.
type PNGDir struct {
	Dir  string
	out  *atomicfile.Dir
	made map[string]bool
}

// NewPNGDir returns a sink writing the folder dir.
func NewPNGDir(dir string) (*PNGDir, error) {
	out, err := atomicfile.NewDir(dir)
	if err != nil {
		return nil, fmt.Errorf("png folder: %w", err)
	}
	return &PNGDir{Dir: dir, out: out, made: map[string]bool{}}, nil
}

// Path is where the picture of a video's frame goes once the folder is
// complete.
func (d *PNGDir) Path(video string, frame int) string {
	return filepath.Join(d.Dir, stream.FileName(video), fmt.Sprintf("%06d.png", frame))
}

func (d *PNGDir) Write(video string, frame int, img image.Image) error {
	if d.out.Path == "" {
		return errors.New("png folder " + d.Dir + ": already closed")
	}
	sub := filepath.Join(d.out.Path, stream.FileName(video))
	if !d.made[video] {
		if err := os.Mkdir(sub, 0o755); err != nil {
			return fmt.Errorf("png folder: %w", err)
		}
		d.made[video] = true
	}
	return atomicfile.Write(filepath.Join(sub, fmt.Sprintf("%06d.png", frame)), 0o644, func(w io.Writer) error {
		return png.Encode(w, img)
	})
}

// Close puts the finished folder in place.
func (d *PNGDir) Close() error { return d.out.Commit() }

// Abort removes what was written; an earlier folder stays as it was.
func (d *PNGDir) Abort() { d.out.Abort() }

// VideoFile writes every picture it receives, of one size, as the frames of
// one video file through OpenCV. The file is written under a temporary name
// beside Path, checked to decode to every frame written (OpenCV's
// VideoWriter reports no write error: a full disk leaves a short file), and
// renamed by Close, so it is whole or absent.
type VideoFile struct {
	Path  string
	FPS   float64
	Codec string // FourCC; "" means MJPG, which Debian's OpenCV writes in .avi

	tmp    string
	w, h   int
	writer *gocv.VideoWriter
	n      int
}

// NewVideoFile returns a sink writing path (its extension picks the
// container: .avi for MJPG) at fps frames a second.
func NewVideoFile(path string, fps float64) *VideoFile {
	return &VideoFile{Path: path, FPS: fps}
}

func (v *VideoFile) open(w, h int) error {
	codec := v.Codec
	if codec == "" {
		codec = "MJPG"
	}
	if v.FPS <= 0 {
		return fmt.Errorf("video %s: frame rate %v must be positive", v.Path, v.FPS)
	}
	to, err := atomicfile.Resolve(v.Path)
	if err != nil {
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	f, err := atomicfile.Temp(to)
	if err != nil {
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	v.tmp = f.Name()
	f.Close()
	vw, err := gocv.VideoWriterFile(v.tmp, codec, v.FPS, w, h, true)
	if err != nil || !vw.IsOpened() {
		os.Remove(v.tmp)
		v.tmp = ""
		if vw != nil {
			vw.Close()
		}
		return fmt.Errorf("video %s: OpenCV cannot write %s with codec %s", v.Path, filepath.Ext(v.Path), codec)
	}
	v.writer, v.w, v.h = vw, w, h
	return nil
}

func (v *VideoFile) Write(video string, frame int, img image.Image) error {
	b := img.Bounds()
	if v.writer == nil {
		if err := v.open(b.Dx(), b.Dy()); err != nil {
			return err
		}
	}
	if b.Dx() != v.w || b.Dy() != v.h {
		return fmt.Errorf("video %s: %s frame %d is %dx%d, the video %dx%d", v.Path, video, frame, b.Dx(), b.Dy(), v.w, v.h)
	}
	m, err := gocv.ImageToMatRGB(img)
	if err != nil {
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	defer m.Close()
	if err := v.writer.Write(m); err != nil {
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	v.n++
	return nil
}

// Close finishes the file, checks that it decodes to every frame written,
// and gives it its name. A sink that received no picture writes no file.
func (v *VideoFile) Close() error {
	if v.writer == nil {
		return nil
	}
	v.writer.Close()
	v.writer = nil
	fail := func(err error) error {
		os.Remove(v.tmp)
		v.tmp = ""
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	if st, err := os.Stat(v.tmp); err != nil || st.Size() == 0 {
		return fail(errors.New("OpenCV wrote nothing"))
	}
	if n, err := countFrames(v.tmp); err != nil {
		return fail(err)
	} else if n != v.n {
		return fail(fmt.Errorf("written incompletely (a full disk?): %d of %d frames decode", n, v.n))
	}
	// CreateTemp made it private; a finished video is an ordinary file.
	if err := os.Chmod(v.tmp, 0o644); err != nil {
		return fail(err)
	}
	to, err := atomicfile.Resolve(v.Path)
	if err != nil {
		return fail(err)
	}
	if err := os.Rename(v.tmp, to); err != nil {
		return fail(err)
	}
	v.tmp = ""
	return nil
}

// countFrames decodes the video at path and counts its frames.
func countFrames(path string) (int, error) {
	c, err := gocv.VideoCaptureFile(path)
	if err != nil || !c.IsOpened() {
		if c != nil {
			c.Close()
		}
		return 0, errors.New("written file does not open as a video")
	}
	defer c.Close()
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	for c.Read(&m) && !m.Empty() {
		n++
	}
	return n, nil
}

// Abort removes what was written, for a caller that failed midway.
func (v *VideoFile) Abort() {
	if v.writer != nil {
		v.writer.Close()
		v.writer = nil
	}
	if v.tmp != "" {
		os.Remove(v.tmp)
		v.tmp = ""
	}
}
