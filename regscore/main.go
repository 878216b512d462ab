// Command regscore turns each video's reconstruction errors e(t) into the
// regularity score of Chong & Tay 2017:
//
//	sa(t) = (e(t) - min e) / (max e - min e)   abnormality, per video
//	sr(t) = 1 - sa(t)                          regularity
//
// The paper prints the denominator as max e; --norm paper uses that formula
// as printed, for comparison. A video whose error is constant has no
// anomaly to speak of: it gets regularity 1 everywhere and a note on stderr.
//
// One video's errors are held at a time, so memory is bounded by the longest
// video:
//
//	recon --model model.stae < test.volumes | regscore | events | evalroc --truth UCSDped2.m
//
// A score stream is accepted as input too; its error field is scored again,
// so a score stream made elsewhere can be re-normalised.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
