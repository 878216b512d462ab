// Package pixel measures how well error maps localise anomalies: it reads
// the per-pixel ground-truth masks UCSD ships for Ped2's test frames, brings
// recon's error maps (recon --maps) to the masks' resolution, and computes
// the pixel-level ROC of Mahadevan et al., "Anomaly detection in crowded
// scenes" (CVPR 2010), with its AUC and EER.
//
// # The criterion
//
// At a threshold θ a frame's flagged pixels are those whose map value is
// ≥ θ. A frame whose mask has a true pixel is anomalous; it counts as a true
// positive only if at least 40 % of its true pixels are flagged. A normal
// frame (an empty mask) is a false positive if any of its pixels is
// flagged. TPR is detected anomalous frames over anomalous frames, FPR is
// flagged normal frames over normal frames.
//
// # The reduction
//
// Each frame reduces to one number, its score s, such that the frame is
// called positive at θ exactly when θ ≤ s:
//
//   - an anomalous frame with k true pixels needs m = ⌈0.4·k⌉ of them
//     flagged; sorting their values in decreasing order v1 ≥ v2 ≥ …, at least
//     m are ≥ θ exactly when θ ≤ vm, so s = vm, the value such that 40 % of
//     the true pixels are ≥ it;
//   - a normal frame has a flagged pixel exactly when θ ≤ max, so s is the
//     largest value of its map.
//
// The pixel-level ROC is then the frame-level ROC of these scores
// (metrics.ROC): one point per distinct score, swept from (0,0) at θ = +Inf
// to (1,1), so the trapezoidal AUC and the interpolated EER
// (FPR = 1 - TPR) follow as for frame scores. Curves are computed per video
// (where the video holds both classes) and over all frames pooled.
//
// # Masks
//
// A video's masks lie in one folder, one image per frame: NNN.bmp or
// frameNNN.bmp (PNG too), NNN 1-based, so file 001 is frame 0. FindFolder
// looks for the folder of video V under DIR as DIR/V_gt, then DIR/V. A pixel
// is true when it is brighter than mid-gray. Image sizes are read from the
// header and bounded before a mask is decoded.
package pixel
