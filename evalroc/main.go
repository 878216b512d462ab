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
// With --masks DIR it reads an error stream with per-pixel maps (recon
// --maps) instead, and computes the pixel-level ROC of Mahadevan et al.
// (lib/pixel) against the masks of DIR/<video>_gt/ or DIR/<video>/ (NNN.bmp
// or frameNNN.bmp, PNG too, 1-based): each map is resized to its mask and
// the frame reduced to one score at once (an anomalous frame is detected
// when 40 % of its mask's pixels are flagged, a normal one is a false alarm
// when any pixel is), so only one video's masks are held. AUC and EER per
// video and over all frames pooled, in a "pixel-level" section of the table
// and under "pixel" in --json. With --truth as well, the report also holds
// the frame-level AUC and EER of the stream's error e(t), raw (no per-video
// min-max), under the keys a score stream's report uses.
//
//	recon --model model.stae --maps < test.volumes | evalroc --masks UCSDped2/Test --truth UCSDped2.m
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
