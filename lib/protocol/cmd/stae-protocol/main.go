// Command stae-protocol runs stae's jobs through the pipeline's stages,
// each stage's file rebuilt only when its command, inputs or tools changed:
//
//	stae-protocol demo [OUT_DIR]                                the synthetic scene in testdata/synth
//	stae-protocol ped2 [--preset cpu|paper] [--quick] DATA OUT  the UCSD Ped2 protocol: results.json, roc.csv, a table
//	stae-protocol check OUT                                     whether OUT holds ped2's outputs, well formed
//	stae-protocol bench [--json] [--only PARTS] [--reps N] [--sizes S] ...  speed beside the PyTorch peer, and the live chain's
//
// pipeline.sh builds it into bin/ and runs it from the repository root
// with the seven tools on PATH; --help says more.
package main

import (
	"stae/lib/protocol"
	"stae/lib/tool"
)

func main() { tool.Main(protocol.Run) }
