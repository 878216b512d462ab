// Package metrics holds stae's scoring math: the per-video regularity score
// of Chong & Tay 2017 and the frame-level ROC, AUC and EER that evalroc
// reports.
//
// Scores here are abnormality scores: the higher the score, the more a frame
// is believed to be anomalous. Labels are true for anomalous frames.
package metrics
