// Regularity score: turns a video's reconstruction errors e(t) into the
// abnormality sa(t) and regularity sr(t) = 1 - sa(t) of the paper.

package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Scaling selects how errors are scaled to an abnormality score.
type Scaling int

const (
	// ScaleMinMax scales per video to [0,1]: (e - min e) / (max e - min e).
	// This is the paper's intent ("scaling between 0 and 1") and what
	// published numbers use.
	ScaleMinMax Scaling = iota
	// ScalePaper is the formula as printed in the paper:
	// (e - min e) / max e. It does not reach 1 unless min e is 0.
	ScalePaper
)

// String names the scaling as the regscore flag --norm spells it.
func (s Scaling) String() string {
	switch s {
	case ScaleMinMax:
		return "minmax"
	case ScalePaper:
		return "paper"
	}
	return fmt.Sprintf("Scaling(%d)", int(s))
}

// ParseScaling reads a scaling name as given to regscore --norm.
func ParseScaling(s string) (Scaling, error) {
	switch s {
	case "minmax":
		return ScaleMinMax, nil
	case "paper":
		return ScalePaper, nil
	}
	return 0, fmt.Errorf("unknown normalisation %q (want minmax or paper)", s)
}

// ErrNotFinite reports an error value that is NaN or infinite; no score can
// be derived from it.
var ErrNotFinite = errors.New("value is not finite")

// Regularity computes the abnormality and regularity of every frame of one
// video from its reconstruction errors. When the scaling denominator is zero
// (all errors equal, or max e = 0 under ScalePaper) the video has no
// anomaly to speak of: abnormality is 0 and regularity 1 everywhere, and
// constant is true so the caller can say so.
func Regularity(errs []float64, scaling Scaling) (abn, reg []float64, constant bool, err error) {
	if len(errs) == 0 {
		return nil, nil, false, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, e := range errs {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return nil, nil, false, fmt.Errorf("error of frame %d: %w", i, ErrNotFinite)
		}
		lo = min(lo, e)
		hi = max(hi, e)
	}
	var den float64
	switch scaling {
	case ScaleMinMax:
		den = hi - lo
	case ScalePaper:
		den = hi
	default:
		return nil, nil, false, fmt.Errorf("regularity: unknown normalisation %v", scaling)
	}
	abn = make([]float64, len(errs))
	reg = make([]float64, len(errs))
	if den == 0 {
		for i := range reg {
			reg[i] = 1
		}
		return abn, reg, true, nil
	}
	for i, e := range errs {
		abn[i] = (e - lo) / den
		reg[i] = 1 - abn[i]
	}
	return abn, reg, false, nil
}
