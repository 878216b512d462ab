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
	"strings"

	"gocv.io/x/gocv"

	"stae/lib/atomicfile"
	"stae/lib/stream"
)

// PNGDir writes DIR/<video>/<frame>.png (frame 0-based, six digits, so
// `ffmpeg -i DIR/Test001/%06d.png` reads them in order), each whole or not
// at all.
type PNGDir struct {
	Dir  string
	made map[string]bool
}

// NewPNGDir returns a sink writing under dir, which it creates.
func NewPNGDir(dir string) (*PNGDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("png folder: %w", err)
	}
	return &PNGDir{Dir: dir, made: map[string]bool{}}, nil
}

// Path is where the picture of a video's frame goes.
func (d *PNGDir) Path(video string, frame int) string {
	return filepath.Join(d.Dir, stream.FileName(video), fmt.Sprintf("%06d.png", frame))
}

func (d *PNGDir) Write(video string, frame int, img image.Image) error {
	if !d.made[video] {
		if err := os.MkdirAll(filepath.Join(d.Dir, stream.FileName(video)), 0o755); err != nil {
			return fmt.Errorf("png folder: %w", err)
		}
		d.made[video] = true
	}
	return atomicfile.Write(d.Path(video, frame), 0o644, func(w io.Writer) error {
		return png.Encode(w, img)
	})
}

// Close does nothing: every PNG is complete when Write returns.
func (d *PNGDir) Close() error { return nil }

// VideoFile writes every picture it receives, of one size, as the frames of
// one video file through OpenCV. The file is written under a temporary name
// and renamed by Close, so it is whole or absent.
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
	dir, base := filepath.Split(v.Path)
	f, err := os.CreateTemp(dir, "."+strings.TrimSuffix(base, filepath.Ext(base))+".tmp*"+filepath.Ext(base))
	if err != nil {
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	v.tmp = f.Name()
	f.Close()
	vw, err := gocv.VideoWriterFile(v.tmp, codec, v.FPS, w, h, true)
	if err != nil || !vw.IsOpened() {
		os.Remove(v.tmp)
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

// Close finishes the file and gives it its name. A sink that received no
// picture writes no file.
func (v *VideoFile) Close() error {
	if v.writer == nil {
		return nil
	}
	v.writer.Close()
	v.writer = nil
	if st, err := os.Stat(v.tmp); err != nil || st.Size() == 0 {
		os.Remove(v.tmp)
		return errors.New("video " + v.Path + ": OpenCV wrote nothing")
	}
	// CreateTemp made it private; a finished video is an ordinary file.
	if err := os.Chmod(v.tmp, 0o644); err != nil {
		os.Remove(v.tmp)
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	if err := os.Rename(v.tmp, v.Path); err != nil {
		os.Remove(v.tmp)
		return fmt.Errorf("video %s: %w", v.Path, err)
	}
	return nil
}

// Abort removes what was written, for a caller that failed midway.
func (v *VideoFile) Abort() {
	if v.writer != nil {
		v.writer.Close()
		v.writer = nil
	}
	if v.tmp != "" {
		os.Remove(v.tmp)
	}
}
