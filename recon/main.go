// Command recon runs a trained model over a volume stream and writes each
// frame's reconstruction error e(t), the squared L2 distance between the
// frame and its reconstruction.
//
// Where overlapping windows cover a frame more than once, its error is by
// default the mean over those windows; --frame-error last takes it from
// the window that ends on the frame (the first window for the frames
// before it), which is what a streaming detector sees. --maps adds each
// frame's per-pixel squared error map, for localisation.
//
//	frames --stats stats.bin Test | volumes | recon --model model.stae | regscore
//	... | recon --model model.stae --maps --json | head -1
//
// The stream's frame size and normalisation must be those the model was
// trained on; recon refuses any other, saying which differs. Memory is
// bounded by one video.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
