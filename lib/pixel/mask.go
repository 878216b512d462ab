// Reading ground-truth pixel masks: one image file per frame, one folder
// per video.

package pixel

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // masks may be PNG
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	_ "golang.org/x/image/bmp" // UCSD's masks are BMP

	"stae/lib/stream"
)

// Bounds on a mask image, checked against its header before decoding.
const (
	MaxSide   = 8192
	MaxPixels = 1 << 24
)

var (
	// ErrNoMasks reports a folder that holds no mask files, or a video
	// without a mask folder.
	ErrNoMasks = errors.New("no masks")
	// ErrMissing reports a frame without a mask.
	ErrMissing = errors.New("missing mask")
	// ErrDuplicate reports two files for one frame (007.bmp and
	// frame007.png).
	ErrDuplicate = errors.New("two masks for one frame")
	// ErrSize reports a mask whose size differs from the folder's first.
	ErrSize = errors.New("mask size differs")
	// ErrTooLarge reports an image whose header exceeds MaxSide or
	// MaxPixels.
	ErrTooLarge = errors.New("mask image too large")
)

// Mask is one frame's ground truth: H rows of W pixels, row-major, true
// where the pixel is anomalous.
type Mask struct {
	H, W int
	Pix  []bool
}

// Count returns the number of true pixels.
func (m *Mask) Count() int {
	n := 0
	for _, p := range m.Pix {
		if p {
			n++
		}
	}
	return n
}

// Anomalous reports whether the mask has a true pixel.
func (m *Mask) Anomalous() bool {
	for _, p := range m.Pix {
		if p {
			return true
		}
	}
	return false
}

// maskName matches a mask file: NNN.bmp or frameNNN.bmp, BMP or PNG.
var maskName = regexp.MustCompile(`(?i)^(frame)?([0-9]+)\.(bmp|png)$`)

// FindFolder returns the mask folder of video id under dir: dir/id_gt if it
// is a folder, else dir/id. The id is made a file name as stream.FileName
// does (slashes become underscores).
func FindFolder(dir, id string) (string, error) {
	name := stream.FileName(id)
	for _, p := range []string{filepath.Join(dir, name+"_gt"), filepath.Join(dir, name)} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("video %s: %w: neither %s_gt nor %s is a folder in %s", id, ErrNoMasks, name, name, dir)
}

// ReadFolder reads the masks of one video from dir: element i is frame i
// (file number i+1). Files that are not NNN.bmp, frameNNN.bmp or their .png
// forms are ignored. With frames > 0 the folder must hold masks for frames
// 0 to frames-1 and only those are decoded; with frames <= 0 every mask is.
// Either way the file numbers must run from 1 without a gap, and all masks
// must have one size. Errors name the folder and the frame.
func ReadFolder(dir string, frames int) ([]*Mask, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mask folder %s: %w", dir, err)
	}
	files := map[int]string{} // file number -> name
	for _, e := range ents {
		sub := maskName.FindStringSubmatch(e.Name())
		if sub == nil || e.IsDir() {
			continue
		}
		n, err := strconv.Atoi(sub[2])
		if err != nil || n < 1 || n > 1<<20 {
			return nil, fmt.Errorf("mask folder %s: %s: frame number out of range", dir, e.Name())
		}
		if prev, ok := files[n]; ok {
			a, b := prev, e.Name()
			if b < a {
				a, b = b, a
			}
			return nil, fmt.Errorf("mask folder %s: %w %d: %s and %s", dir, ErrDuplicate, n-1, a, b)
		}
		files[n] = e.Name()
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("mask folder %s: %w (no NNN.bmp, frameNNN.bmp or .png files)", dir, ErrNoMasks)
	}
	nums := make([]int, 0, len(files))
	for n := range files {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for i, n := range nums {
		if n != i+1 {
			return nil, fmt.Errorf("mask folder %s: %w for frame %d (file number %03d; the last file is %s)", dir, ErrMissing, i, i+1, files[nums[len(nums)-1]])
		}
	}
	if frames > len(nums) {
		return nil, fmt.Errorf("mask folder %s: %w for frame %d (file number %03d): the folder holds %d masks, the video %d frames", dir, ErrMissing, len(nums), len(nums)+1, len(nums), frames)
	}
	if frames <= 0 {
		frames = len(nums)
	}
	masks := make([]*Mask, frames)
	for i := range masks {
		name := files[i+1]
		m, err := ReadMask(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("mask folder %s: frame %d: %w", dir, i, err)
		}
		if i > 0 && (m.H != masks[0].H || m.W != masks[0].W) {
			return nil, fmt.Errorf("mask folder %s: frame %d: %w: %s is %dx%d, %s is %dx%d", dir, i, ErrSize, name, m.W, m.H, files[1], masks[0].W, masks[0].H)
		}
		masks[i] = m
	}
	return masks, nil
}

// ReadMask reads one mask image (BMP or PNG, told apart by content). A pixel
// is true when its gray level is above half the maximum. The header's size
// is checked against MaxSide and MaxPixels before the pixels are decoded.
func ReadMask(path string) (*Mask, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	cfg, format, err := image.DecodeConfig(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("%s: %w: %s %dx%d (at most %d a side, %d pixels)", filepath.Base(path), ErrTooLarge, format, cfg.Width, cfg.Height, MaxSide, MaxPixels)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	br.Reset(f)
	img, _, err := image.Decode(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return FromImage(img), nil
}

// FromImage makes a mask of an image: true where the gray level is above
// half the maximum.
func FromImage(img image.Image) *Mask {
	b := img.Bounds()
	m := &Mask{H: b.Dy(), W: b.Dx(), Pix: make([]bool, b.Dx()*b.Dy())}
	bright := func(c color.Color) bool { return color.Gray16Model.Convert(c).(color.Gray16).Y >= 0x8000 }
	switch im := img.(type) {
	case *image.Gray: // PNG masks, 1- or 8-bit
		for y := range m.H {
			row := im.Pix[y*im.Stride : y*im.Stride+m.W]
			for x, g := range row {
				m.Pix[y*m.W+x] = g >= 0x80
			}
		}
	case *image.Paletted: // 1- and 8-bit BMP masks
		on := make([]bool, 256)
		for i, c := range im.Palette {
			on[i] = bright(c)
		}
		for y := range m.H {
			row := im.Pix[y*im.Stride : y*im.Stride+m.W]
			for x, p := range row {
				m.Pix[y*m.W+x] = on[p]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				m.Pix[i] = bright(img.At(x, y))
				i++
			}
		}
	}
	return m
}

// Image returns the mask as a gray image, 255 where true: what a test or a
// tool writes with png.Encode or bmp.Encode.
func (m *Mask) Image() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, m.W, m.H))
	for i, p := range m.Pix {
		if p {
			img.Pix[i] = 255
		}
	}
	return img
}
