// Command evalroc compares a score or event stream with ground truth and
// reports the numbers methods are compared by.
//
// Given a score stream (from regscore) it computes the frame-level ROC of
// the abnormality score against the truth's anomalous frames:
//
//   - AUC, exact: the Mann-Whitney statistic, tied scores counting half;
//   - micro: all frames of all videos pooled into one ROC (what published
//     figures usually are); macro: the mean of per-video AUCs, leaving out
//     (and naming) videos whose frames are all normal or all anomalous;
//   - EER: where the false-positive rate equals the miss rate on the micro
//     ROC, interpolated between its points;
//   - per-video AUCs, and with --roc FILE the micro ROC's points as CSV.
//
// Given an event stream (from events) it counts ground-truth events (maximal
// runs of anomalous frames), those detected, and false alarms, per video and
// in total. An event detects every ground-truth event it overlaps (shares at
// least one frame with); an event that overlaps none is a false alarm.
//
//	regscore < test.errors | evalroc --truth UCSDped2.m
//	regscore < test.errors | events | evalroc --truth UCSDped2.m --json
//
// With --plot DIR it also draws, for a score stream, DIR/<video>.png: the
// regularity score over frame number with the ground-truth anomalous frames
// shaded (and, with --events FILE, the events of that event stream marked
// above the curve), as the paper's Figures 4-8; and DIR/roc.png: the micro
// ROC with its AUC and EER in the legend.
//
//	regscore < test.errors > test.scores
//	events < test.scores > test.events
//	evalroc --truth UCSDped2.m --plot plots --events test.events < test.scores
//
// Ground truth is a UCSD .m file, whose n-th entry is the n-th test video
// (Test003 takes entry 3; ids without a number take entries in sorted
// order), or a CSV file of `video,first,last` rows; both 1-based and
// inclusive, while streams are 0-based. A stream video without truth, truth
// reaching past a video's last frame, or a malformed truth line is an error;
// truth for videos the stream lacks is a warning, an error with --strict.
//
// Scores from any other method can be evaluated on the same footing by
// writing them as an NDJSON score stream:
//
//	{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"mine","version":"1","args":[]}]}
//	{"video":"Test001","frame":0,"error":0,"abnormality":0.12,"regularity":0.88}
//
// evalroc holds all scores in memory (they are small), keeping per-video
// series of scores, truth spans and events for reports built on them.
package main

import "stae/lib/tool"

func main() { tool.Main(run) }
