// Package motion computes motion channels for gray video frames that
// arrive one at a time, in frame order, a video at a time: the frame
// difference and dense optical flow, beside the gray frame itself, laid
// out as [C,H,W] planes at one output size. The channels serve both as
// model input (a model fed "gray,diff" or "gray,flow" instead of gray
// alone) and, through Energy, as the no-model baselines that score a frame
// by how much moves in it.
//
// A Computer is stateful per video: frame t's difference and flow compare
// it with frame t-1, so the first frame of a video (and of every video
// after Reset) has difference 0 and flow 0. Frames of one video must come
// in order, none skipped.
//
// Frames go in gray [0,1] at any size, best the source's own: Gray and
// Diff are taken at the output size, Flow is computed at a working size
// (by default 180 pixels wide, Ped2's 360x240 halved) and then resized to
// the output size, in output pixels per frame.
package motion
