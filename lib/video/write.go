// Writing gray frames as a video file, for the synthetic test data.

package video

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"

	"gocv.io/x/gocv"
)

// Codec is the FourCC WriteGray uses: FFV1 is lossless and, with OpenCV 4.6
// over ffmpeg, reads back pixel for pixel, so tests can check decoded
// values exactly; MJPG and mp4v would alter pixels by up to ~20 levels.
const Codec = "FFV1"

// WriteGray writes frames (all the same size) to path as an FFV1 video at
// fps frames per second. The container follows path's extension (.avi or
// .mkv). The file is written under a temporary name in the same folder and
// renamed, so path holds the whole video or nothing.
func WriteGray(path string, frames []*image.Gray, fps float64) (err error) {
	if len(frames) == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	b := frames[0].Bounds()
	w, h := b.Dx(), b.Dy()
	// OpenCV picks the container from the name, so the temporary file
	// keeps the extension.
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	vw, err := gocv.VideoWriterFile(tmp, Codec, fps, w, h, false)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !vw.IsOpened() {
		vw.Close()
		return fmt.Errorf("write %s: opencv cannot open a %s writer", path, Codec)
	}
	for i, fr := range frames {
		if fb := fr.Bounds(); fb.Dx() != w || fb.Dy() != h {
			vw.Close()
			return fmt.Errorf("write %s: frame %d is %dx%d, first frame %dx%d", path, i, fb.Dx(), fb.Dy(), w, h)
		}
		m, err := grayMat(fr)
		if err != nil {
			vw.Close()
			return fmt.Errorf("write %s: frame %d: %w", path, i, err)
		}
		err = vw.Write(m)
		m.Close()
		if err != nil {
			vw.Close()
			return fmt.Errorf("write %s: frame %d: %w", path, i, err)
		}
	}
	if err := vw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// grayMat copies an image.Gray into a new 8-bit single-channel Mat.
func grayMat(g *image.Gray) (gocv.Mat, error) {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return gocv.Mat{}, errors.New("empty frame")
	}
	pix := make([]byte, w*h)
	for y := 0; y < h; y++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+y)
		copy(pix[y*w:(y+1)*w], g.Pix[o:o+w])
	}
	return gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, pix)
}
