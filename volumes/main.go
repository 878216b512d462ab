// Command volumes cuts a frame stream into volumes: windows of --length
// frames taken every --strides frames, whose first frames are --hop apart.
// A window never crosses from one video into the next, and each volume lists
// the frame numbers it was made of.
//
// The paper trains on strides 1, 2 and 3 (more motion patterns from the same
// footage) and tests on stride 1:
//
//	frames --stats stats.bin Train | volumes --strides 1,2,3 | fit --out model.stae
//	frames --stats stats.bin Test | volumes | recon --model model.stae
//
// Volumes are written in the order of their last frame, so only one window's
// span of frames is held at a time. A video shorter than a window yields no
// volume for that stride, and a note on stderr says so.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
