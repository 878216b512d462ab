// size.go: a clip's frame size before any resizing, read without decoding
// the clip, so frames can name the source's size in its header (written
// before the first frame).

package video

import (
	"errors"
	"image"
	"os"

	"gocv.io/x/gocv"
)

// SourceSize returns the width and height of c's first frame: from an
// image's header (image.DecodeConfig: PNG, JPEG, TIFF, BMP), else as OpenCV
// opens it.
func SourceSize(c Clip) (w, h int, err error) {
	if c.Images != nil {
		if len(c.Images) == 0 {
			return 0, 0, ErrNoFrames
		}
		if f, err := os.Open(c.Images[0]); err == nil {
			cfg, _, err := image.DecodeConfig(f)
			f.Close()
			if err == nil {
				return cfg.Width, cfg.Height, nil
			}
		}
		if err := checkPixels(c.Images[0]); err != nil {
			return 0, 0, err
		}
		m := gocv.IMRead(c.Images[0], gocv.IMReadGrayScale)
		defer m.Close()
		if m.Empty() {
			return 0, 0, ErrNotImage
		}
		return m.Cols(), m.Rows(), nil
	}
	vc, err := gocv.VideoCaptureFileWithAPI(c.Path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		vc.Close()
		return 0, 0, ErrNotVideo
	}
	defer vc.Close()
	w, h = int(vc.Get(gocv.VideoCaptureFrameWidth)), int(vc.Get(gocv.VideoCaptureFrameHeight))
	if w <= 0 || h <= 0 {
		return 0, 0, errors.New("video declares no frame size")
	}
	return w, h, nil
}
