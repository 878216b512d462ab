// Package protocol is stae's experiment driver: the stages of the pipeline
// written once (statistics, training and test volumes, the model,
// reconstruction errors, scores, events and their evaluation, each for the
// model and for the no-model baseline), a runner that makes each stage's
// file only when the digest of its command, its inputs and the tools'
// binaries changed, and the jobs built on them: the demo on the synthetic
// clips, the UCSD protocol with its results.json and table, and the speed
// benchmark beside the PyTorch peer, with the live chain's frame rate and
// latency. pipeline.sh builds it into bin/stae-protocol
// (lib/protocol/cmd/stae-protocol) and dispatches to it.
package protocol
