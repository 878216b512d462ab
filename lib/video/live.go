// Live sources: a camera (/dev/videoN), a network stream (rtsp://, udp://,
// ...) and an encoded video on stdin (-). They are read frame by frame as
// the frames come, have no declared length, and end when the sender stops.

package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"gocv.io/x/gocv"
)

// Live says what kind of live source a clip is.
type Live int

// Kinds of source; the zero value is a file or image folder.
const (
	NotLive Live = iota
	Camera       // a V4L2 device, /dev/videoN
	Network      // a URL OpenCV's FFmpeg back end opens
	Stdin        // an encoded video on stdin (-)
)

// LiveSchemes are the URL schemes taken as network streams.
var LiveSchemes = []string{"rtsp", "rtsps", "http", "https", "udp", "tcp", "rtmp"}

// Errors of live sources, for errors.Is.
var (
	ErrNoCamera    = errors.New("no such camera")
	ErrNoStream    = errors.New("cannot open the stream")
	ErrStreamEnded = errors.New("the stream ended")
)

var cameraPath = regexp.MustCompile(`^/dev/video([0-9]+)$`)

// resolveLive returns the clip of a live SOURCE, or ok false when src is
// not one (a file or folder).
func resolveLive(src string) (c Clip, ok bool, err error) {
	if src == "-" {
		return Clip{ID: "stdin", Path: src, Live: Stdin}, true, nil
	}
	if m := cameraPath.FindStringSubmatch(src); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return Clip{}, true, fmt.Errorf("%s: %w", src, ErrNoCamera)
		}
		fi, err := os.Stat(src)
		if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return Clip{}, true, fmt.Errorf("%s: %w", src, ErrNoCamera)
		}
		return Clip{ID: "video" + m[1], Path: src, Live: Camera, Device: n}, true, nil
	}
	scheme, _, found := strings.Cut(src, "://")
	if !found || !isLiveScheme(strings.ToLower(scheme)) {
		return Clip{}, false, nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return Clip{}, true, fmt.Errorf("%s: not a URL: %w", scheme+"://...", err)
	}
	return Clip{ID: urlID(u), Path: src, Live: Network}, true, nil
}

func isLiveScheme(s string) bool {
	for _, x := range LiveSchemes {
		if s == x {
			return true
		}
	}
	return false
}

// urlID is a stream's video id: its host (with port) and path, every run
// of characters other than letters, digits, '.' and '-' made one '_'.
// Credentials and the query never appear in it.
func urlID(u *url.URL) string {
	id := strings.Trim(unsafeID.ReplaceAllString(u.Host+u.Path, "_"), "_")
	if id == "" {
		return strings.ToLower(u.Scheme)
	}
	return id
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// Where names a clip's source in messages; a URL's password is masked.
func (c Clip) Where() string {
	if c.Live == Network {
		if u, err := url.Parse(c.Path); err == nil {
			return u.Redacted()
		}
	}
	return c.Path
}

// openLive opens a live clip. For stdin it also returns a function that
// stops feeding it (making the decoder see the end); it must be called.
func openLive(ctx context.Context, c Clip, stdin io.Reader) (*gocv.VideoCapture, func(), error) {
	switch c.Live {
	case Camera:
		vc, err := gocv.VideoCaptureDeviceWithAPI(c.Device, gocv.VideoCaptureV4L2)
		if err != nil || !vc.IsOpened() {
			vc.Close()
			return nil, nil, fmt.Errorf("%s: cannot open the camera", c.Path)
		}
		return vc, func() {}, nil
	case Network:
		vc, err := gocv.VideoCaptureFileWithAPI(c.Path, gocv.VideoCaptureFFmpeg)
		if err != nil || !vc.IsOpened() {
			vc.Close()
			return nil, nil, fmt.Errorf("%s: %w", c.Where(), ErrNoStream)
		}
		return vc, func() {}, nil
	}
	return openStdin(ctx, stdin)
}

// openStdin hands stdin to OpenCV through a named pipe in a private
// temporary folder: OpenCV opens names, not readers. The pipe is removed as
// soon as both ends are open (and on every error), so nothing is left
// behind. Only containers that need no seeking can be read this way:
// MPEG-TS, Matroska/WebM, NUT, FLV; not MP4 or MOV (their index may come
// last) and not AVI reliably.
func openStdin(ctx context.Context, stdin io.Reader) (*gocv.VideoCapture, func(), error) {
	if stdin == nil {
		return nil, nil, fmt.Errorf("-: no stdin")
	}
	dir, err := os.MkdirTemp("", "stae-frames-")
	if err != nil {
		return nil, nil, fmt.Errorf("-: %w", err)
	}
	defer os.RemoveAll(dir)
	fifo := filepath.Join(dir, "stdin")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return nil, nil, fmt.Errorf("-: named pipe: %w", err)
	}
	// The writer's open waits for OpenCV's (a named pipe's two ends meet),
	// so stdin's end, closing it, cannot come before OpenCV is reading.
	opened := make(chan *os.File, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			opened <- nil
			return
		}
		opened <- w
		io.Copy(w, stdin) // ends at stdin's end, or once w is closed
	}()
	stopped := make(chan struct{})
	stop := func() {
		select {
		case <-stopped:
		default:
			close(stopped)
		}
	}
	go func() {
		w := <-opened
		if w == nil {
			return
		}
		select {
		case <-copied:
		case <-ctx.Done():
		case <-stopped:
		}
		w.Close()
	}()
	vc, err := gocv.VideoCaptureFileWithAPI(fifo, gocv.VideoCaptureFFmpeg)
	if err != nil || !vc.IsOpened() {
		vc.Close()
		stop()
		// Should OpenCV have failed before opening the pipe, meet the
		// waiting writer so that it ends.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
		return nil, nil, fmt.Errorf("-: not a video OpenCV can read from a pipe (MPEG-TS, Matroska, NUT or FLV)")
	}
	return vc, stop, nil
}
