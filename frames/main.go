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
// Live sources are read as they come and each frame is written, and
// flushed, as soon as it is decoded: "-" is an encoded video on stdin
// (MPEG-TS, Matroska/WebM, NUT or FLV: containers read without seeking; id
// "stdin"), /dev/videoN a camera (id "videoN"), and an rtsp, rtsps, http,
// https, udp, tcp or rtmp URL whatever OpenCV's FFmpeg back end opens (id:
// host and path, e.g. 127.0.0.1_5000):
//
//	ffmpeg -re -i walk.avi -f mpegts udp://127.0.0.1:5000 &
//	frames --size 115 'udp://127.0.0.1:5000?timeout=2000000' | volumes > live.vol
//	ffmpeg -i walk.avi -f mpegts - | frames - > walk.frames
//
// A stream has no end of its own: when the sender stops (for udp, noticed
// after FFmpeg's ?timeout= in microseconds), frames writes what it read,
// says so in one line and exits 1; stdin's end is the video's. SIGINT or
// SIGTERM stops a live read. The header records the frame rate (fps) of the
// first clip, a video's or stream's own (a note on stderr names clips whose
// rate differs); image folders have none unless --fps gives one, which
// overrides in every case.
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
