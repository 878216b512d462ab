// pixels.go: an image file's size read from its header before OpenCV
// decodes it, so a small file claiming a huge picture (a 950 KB PNG of
// 30000x30000) is refused instead of costing gigabytes.

package video

import (
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of the formats frames reads
	_ "image/png"
	"os"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
)

// MaxImagePixels bounds an image file's pixels (8192x4096).
const MaxImagePixels = 1 << 25

// checkPixels refuses an image whose header gives more than
// MaxImagePixels. A format image.DecodeConfig does not know is left to
// OpenCV.
func checkPixels(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // OpenCV reports it
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return fmt.Errorf("%s: image of %dx%d pixels, more than the %d a frame may have", path, cfg.Width, cfg.Height, MaxImagePixels)
	}
	return nil
}
