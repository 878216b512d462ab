// quiet.go: keeps OpenCV's own warnings (e.g. "imread_(...): can't open/read
// file" for an unreadable image) off stderr, where frames reports each
// failure in one line of its own. Setting OPENCV_LOG_LEVEL from Go (as
// lib/video does) comes too late: OpenCV reads it in static initialisers,
// before any Go code runs, so the level is set through OpenCV's API.
// FFmpeg's own messages ("[tcp @ 0x...] Connection refused" for a stream
// that cannot be opened) follow OPENCV_FFMPEG_LOGLEVEL, read when the first
// capture opens, so that one can be set from Go: to AV_LOG_PANIC (0) unless
// the user set it.

package main

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
void staeOpenCVErrorsOnly(void);
*/
import "C"

import "os"

func init() {
	C.staeOpenCVErrorsOnly()
	if _, ok := os.LookupEnv("OPENCV_FFMPEG_LOGLEVEL"); !ok {
		os.Setenv("OPENCV_FFMPEG_LOGLEVEL", "0")
	}
}
