// Command fit trains the spatiotemporal autoencoder on a volume stream and
// writes a checkpoint.
//
// It reads every volume of stdin, holding each distinct source frame once
// however many volumes share it, holds out a share of the volumes for
// validation (chosen by --seed), and trains with Adam on mini-batches of
// --batch volumes (run --micro-batch at a time, their gradients added up),
// for at most --epochs epochs, stopping early after --patience epochs
// without a better validation loss. The checkpoint keeps the weights of
// the best validation epoch, for recon, and the state to resume from.
// The same stream, flags and seed give the same model.
//
//	frames --stats stats.bin data/Train | volumes --strides 1,2,3 | fit --out model.stae
//	... | fit --out model.stae --resume model.stae --epochs 80
//	... | fit --out small.stae --scale 0.25 --batch 16 --epochs 20
//
// The checkpoint is rewritten after every epoch; SIGINT or SIGTERM stops
// after the current mini-batch and writes one that --resume continues
// from exactly.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
