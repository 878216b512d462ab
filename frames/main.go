// Command frames reads video into a frame stream: gray frames of one size,
// scaled to [0,1] and, given training statistics, normalised.
//
// A SOURCE is a video file (anything OpenCV with ffmpeg decodes: avi, mp4,
// ...), an image-sequence folder (bmp, jpg, png, tif, ordered by the numbers
// in the names, so frame9 comes before frame10), or a dataset folder whose
// subfolders and video files are clips, in name order (the UCSD layout:
// Test/Test001, Test/Test002, ...; mask folders named *_gt are skipped and
// other files ignored). A clip's video id is its folder's or file's base
// name without extension. Several SOURCEs are read one after another.
//
// Frames are resized to --size (227, or WxH), shrinking with OpenCV's
// INTER_AREA, which averages the pixels it merges. The paper then subtracts
// the mean image of the training frames and scales to unit variance; the
// statistics for that are computed once and stored:
//
//	frames mean --out stats.bin --size 51 testdata/synth/Train
//	frames --stats stats.bin testdata/synth/Test > test.frames
//	frames --json /work/shared/datasets/UCSDped2/Test | head -2
//
// The output stream's header records the size, whether the frames are
// normalised, and the SHA-256 of the statistics file used, so a later stage
// can tell which statistics its input was made with. Decoding runs on all
// cores with a bounded window of frames ahead of the writer, so memory does
// not grow with the number of frames, and the output order is always the
// same.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
