// quiet.go: keeps OpenCV's own warnings (e.g. "imread_(...): can't open/read
// file" for an unreadable image) off stderr, where frames reports each
// failure in one line of its own. Setting OPENCV_LOG_LEVEL from Go (as
// lib/video does) comes too late: OpenCV reads it in static initialisers,
// before any Go code runs, so the level is set through OpenCV's API.

package main

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
void staeOpenCVErrorsOnly(void);
*/
import "C"

func init() { C.staeOpenCVErrorsOnly() }
