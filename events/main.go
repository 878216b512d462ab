// Command events finds abnormal events in a score stream as Chong & Tay 2017
// do: Persistence1D (Kozlov and Weinkauf) finds the local minima of each
// video's regularity score sr(t) and their persistence; the minima that are
// significant enough are kept, and kept minima within --window frames of
// each other (50 in the paper) form one event.
//
//	regscore < test.errors | events --min-persistence 0.1 | evalroc --truth UCSDped2.m
//
// Significance: a minimum is kept when its persistence is at least
// --min-persistence and, if --max-regularity is given, its regularity is at
// most that. The global minimum of a video is never paired with a maximum;
// its persistence is taken to be the score's range (max - min), so it is
// kept whenever any minimum is.
//
// Each event record gives its first and last kept minimum (0-based frames,
// inclusive), the deepest minimum, the regularity there, and the largest
// persistence among its minima.
//
// One video's scores are held at a time, and its events are written as
// soon as it is done, followed by a record that closes the video and gives
// its frame count ({"video":"Test001","video_frames":180}), so that evalroc
// can tell a video without events from one never scored.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
