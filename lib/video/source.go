// Package video turns frame sources (video files, image-sequence folders,
// and dataset folders whose entries are clips) into gray frames of one
// size scaled to [0,1], decoded with OpenCV (gocv) and delivered in a
// deterministic order.
//
// This file resolves SOURCE arguments into an ordered list of clips;
// decode.go decodes them.
package video

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Clip is one video: its id and where its frames come from.
type Clip struct {
	// ID names the video in streams: the folder's or file's base name
	// without extension (Train001, Test001.avi -> Test001).
	ID string
	// Path is the video file or the image folder.
	Path string
	// Images lists an image folder's files in frame order; nil for a
	// video file.
	Images []string
	// Live marks a camera, network stream or stdin (see live.go); Device
	// is a camera's number.
	Live   Live
	Device int
}

// ImageExts and VideoExts are the file name extensions (lower case) taken
// as images, and as videos inside a dataset folder. A video file given
// directly as a SOURCE is tried whatever its name: OpenCV decides.
var (
	ImageExts = []string{".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff"}
	VideoExts = []string{".avi", ".m4v", ".mkv", ".mov", ".mp4", ".mpeg", ".mpg", ".ogv", ".webm", ".wmv"}
)

// Errors a caller may test for with errors.Is.
var (
	ErrEmptyFolder = errors.New("empty folder")
	ErrNoClips     = errors.New("no images (bmp, jpg, png, tif), videos or clip folders; want a video file, a folder of images (one clip), or a dataset folder whose subfolders of images or video files are the clips (UCSD: Test/Test001, ...)")
	ErrDuplicateID = errors.New("video id used twice")
	ErrMixed       = errors.New("holds both images and clips (subfolders or videos); name the clips or the images' folder alone")
)

func hasExt(name string, exts []string) bool {
	return slices.Contains(exts, strings.ToLower(filepath.Ext(name)))
}

// Resolve expands SOURCE arguments into clips, in argument order and, within
// a dataset folder, in natural name order. A SOURCE is
//
//   - a file: a video (OpenCV decides later whether it can read it);
//   - a folder holding image files: one clip, the images in natural
//     order of their names (frame9 before frame10);
//   - a folder holding no image files: a dataset folder, whose every
//     subfolder is an image folder clip and every file with a video
//     extension a video clip; subfolders named *_gt (UCSD's masks) and
//     hidden entries are skipped, other files (ground truth, READMEs)
//     ignored.
//
// A live SOURCE is read as it comes (live.go): "-", an encoded video on
// stdin (video id "stdin"); /dev/videoN, a camera ("videoN", "no such
// camera" when absent); or a URL of a scheme in LiveSchemes, whatever
// OpenCV's FFmpeg back end opens (the id is its host and path, e.g.
// "127.0.0.1_5000" or "cam.local_554_live").
//
// A folder holding both images and clips is an error rather than a guess.
// Video ids must be unique over all sources, since a stream keeps one
// video's records together.
func Resolve(sources []string) ([]Clip, error) {
	var clips []Clip
	seen := map[string]string{}
	for _, src := range sources {
		cs, err := resolveOne(src)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if prev, ok := seen[c.ID]; ok {
				return nil, fmt.Errorf("%s and %s: %w: %s", prev, c.Where(), ErrDuplicateID, c.ID)
			}
			seen[c.ID] = c.Where()
		}
		clips = append(clips, cs...)
	}
	return clips, nil
}

func resolveOne(src string) ([]Clip, error) {
	if c, ok, err := resolveLive(src); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return []Clip{c}, nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, pathErr(src, err)
	}
	if !fi.IsDir() {
		return []Clip{{ID: baseID(src), Path: src}}, nil
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, pathErr(src, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: %w", src, ErrEmptyFolder)
	}
	imgs := images(src, entries)

	// Otherwise a dataset folder: the entries that are clips, in natural
	// order.
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(src, n)); err == nil {
				isDir = fi.IsDir()
			}
		}
		switch {
		case isDir && !strings.HasSuffix(n, "_gt"):
			names = append(names, n)
		case !isDir && hasExt(n, VideoExts):
			names = append(names, n)
		}
	}
	switch {
	case len(imgs) > 0 && len(names) > 0:
		// Guessing would silently drop frames or clips.
		return nil, fmt.Errorf("%s: %w", src, ErrMixed)
	case len(imgs) > 0:
		return []Clip{{ID: filepath.Base(filepath.Clean(src)), Path: src, Images: imgs}}, nil
	case len(names) == 0:
		return nil, fmt.Errorf("%s: %w", src, ErrNoClips)
	}
	slices.SortFunc(names, naturalCompare)
	var clips []Clip
	for _, n := range names {
		p := filepath.Join(src, n)
		if hasExt(n, VideoExts) {
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				clips = append(clips, Clip{ID: baseID(n), Path: p})
				continue
			}
		}
		es, err := os.ReadDir(p)
		if err != nil {
			return nil, pathErr(p, err)
		}
		imgs := images(p, es)
		if len(imgs) == 0 {
			// Only two levels: a dataset's subfolder must itself be a clip.
			return nil, fmt.Errorf("%s: %w", p, ErrNoImages)
		}
		clips = append(clips, Clip{ID: n, Path: p, Images: imgs})
	}
	return clips, nil
}

// ErrNoImages is a dataset folder's subfolder that holds no images.
var ErrNoImages = errors.New("no images (bmp, jpg, png, tif) in a dataset folder's clip folder")

// images returns the image files among a folder's entries, in natural order.
func images(dir string, entries []os.DirEntry) []string {
	var names []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && hasExt(e.Name(), ImageExts) {
			names = append(names, e.Name())
		}
	}
	slices.SortFunc(names, naturalCompare)
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = filepath.Join(dir, n)
	}
	return paths
}

// baseID is a file's base name without its extension.
func baseID(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// pathErr drops the operation ("stat", "open") from an *fs.PathError, so
// messages read "x: no such file or directory", keeping the cause for
// errors.Is.
func pathErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// naturalCompare orders names by their runs of digits as numbers and their
// other runs as text, so frame9 < frame10 and 9.jpg < 010.jpg; names that
// compare equal that way (frame01, frame1) fall back to plain byte order so
// the order is total and deterministic.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			// Longer (without leading zeros) is larger; same length
			// compares digit by digit. No overflow for long runs.
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if ca != cb {
			return cmpInt(int(ca), int(cb))
		}
		i++
		j++
	}
	if c := cmpInt(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
