// Frame-level ROC, exact AUC and EER.

package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrOneClass reports scores whose labels are all anomalous or all normal:
// no ROC exists for them.
var ErrOneClass = errors.New("labels hold a single class")

// Point is one point of a ROC curve: at scores >= Threshold a frame is
// called anomalous, giving false-positive rate FPR and true-positive rate TPR.
// The first point (0,0) has Threshold +Inf.
type Point struct {
	Threshold float64 `json:"threshold"`
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
}

// check validates a score/label pair of slices.
func check(scores []float64, labels []bool) (pos, neg int, err error) {
	if len(scores) != len(labels) {
		return 0, 0, fmt.Errorf("%d scores but %d labels", len(scores), len(labels))
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return 0, 0, fmt.Errorf("score %d: %w", i, ErrNotFinite)
		}
		if labels[i] {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return pos, neg, fmt.Errorf("%d anomalous and %d normal frames: %w", pos, neg, ErrOneClass)
	}
	return pos, neg, nil
}

// ROC returns the ROC curve, one point per distinct score plus (0,0), in
// order of decreasing threshold. Tied scores share one point, so the
// trapezoidal area under the curve equals AUC (ties counted as half).
// Infinite scores are allowed; NaN is not.
func ROC(scores []float64, labels []bool) ([]Point, error) {
	pos, neg, err := check(scores, labels)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	pts := []Point{{Threshold: math.Inf(1)}}
	tp, fp := 0, 0
	for i := 0; i < len(idx); {
		s := scores[idx[i]]
		for ; i < len(idx) && scores[idx[i]] == s; i++ {
			if labels[idx[i]] {
				tp++
			} else {
				fp++
			}
		}
		pts = append(pts, Point{Threshold: s, FPR: float64(fp) / float64(neg), TPR: float64(tp) / float64(pos)})
	}
	return pts, nil
}

// AUC returns the area under the ROC curve computed exactly as the
// Mann-Whitney statistic: the probability that a random anomalous frame
// scores above a random normal one, ties counting half.
func AUC(scores []float64, labels []bool) (float64, error) {
	pos, neg, err := check(scores, labels)
	if err != nil {
		return 0, err
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	// Walk tie groups in increasing score; each anomalous frame in a group
	// beats every normal frame below it and ties with those in its group.
	// Counting in doubled integers keeps the sum exact.
	var twice, below int64
	for i := 0; i < len(idx); {
		s := scores[idx[i]]
		var p, n int64
		for ; i < len(idx) && scores[idx[i]] == s; i++ {
			if labels[idx[i]] {
				p++
			} else {
				n++
			}
		}
		twice += p * (2*below + n)
		below += n
	}
	return float64(twice) / (2 * float64(pos) * float64(neg)), nil
}

// AreaUnder integrates a ROC curve by the trapezoid rule. On a curve from
// ROC it equals AUC up to rounding.
func AreaUnder(pts []Point) float64 {
	var a float64
	for i := 1; i < len(pts); i++ {
		a += (pts[i].FPR - pts[i-1].FPR) * (pts[i].TPR + pts[i-1].TPR) / 2
	}
	return a
}

// EER returns the equal error rate of a ROC curve: the false-positive rate
// where it equals the miss rate 1 - TPR, interpolated linearly between the
// two points the crossing falls between. It also returns the interpolated
// threshold (between the two points' thresholds; +Inf at the first point).
func EER(pts []Point) (eer, threshold float64, err error) {
	if len(pts) == 0 {
		return 0, 0, errors.New("eer of an empty roc curve")
	}
	// d = FPR - (1 - TPR) rises from -1 at (0,0) to +1 at (1,1).
	d := func(p Point) float64 { return p.FPR + p.TPR - 1 }
	if d(pts[0]) >= 0 {
		return pts[0].FPR, pts[0].Threshold, nil
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		db := d(b)
		if db < 0 {
			continue
		}
		da := d(a)
		t := -da / (db - da)
		eer = a.FPR + t*(b.FPR-a.FPR)
		switch {
		case t == 1 || math.IsInf(a.Threshold, 0):
			threshold = b.Threshold
		default:
			threshold = a.Threshold + t*(b.Threshold-a.Threshold)
		}
		return eer, threshold, nil
	}
	return 0, 0, errors.New("roc curve never reaches fpr = 1 - tpr")
}
