// Regularity score: turns a video's reconstruction errors e(t) into the
// abnormality sa(t) and regularity sr(t) = 1 - sa(t) of the paper.

package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Norm selects how errors are scaled to an abnormality score.
type Norm int

const (
	// NormMinMax scales per video to [0,1]: (e - min e) / (max e - min e).
	// This is the paper's intent ("scaling between 0 and 1") and what
	// published numbers use.
	NormMinMax Norm = iota
	// NormPaper is the formula as printed in the paper:
	// (e - min e) / max e. It does not reach 1 unless min e is 0.
	NormPaper
)

// String names the normalisation as the regscore flag spells it.
func (n Norm) String() string {
	switch n {
	case NormMinMax:
		return "minmax"
	case NormPaper:
		return "paper"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// ParseNorm reads a normalisation name as given to regscore --norm.
func ParseNorm(s string) (Norm, error) {
	switch s {
	case "minmax":
		return NormMinMax, nil
	case "paper":
		return NormPaper, nil
	}
	return 0, fmt.Errorf("unknown normalisation %q (want minmax or paper)", s)
}

// ErrNotFinite reports an error value that is NaN or infinite; no score can
// be derived from it.
var ErrNotFinite = errors.New("value is not finite")

// Regularity computes the abnormality and regularity of every frame of one
// video from its reconstruction errors. When the scaling denominator is zero
// (all errors equal, or max e = 0 under NormPaper) the video has no
// anomaly to speak of: abnormality is 0 and regularity 1 everywhere, and
// constant is true so the caller can say so.
func Regularity(errs []float64, norm Norm) (abn, reg []float64, constant bool, err error) {
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
	switch norm {
	case NormMinMax:
		den = hi - lo
	case NormPaper:
		den = hi
	default:
		return nil, nil, false, fmt.Errorf("regularity: unknown normalisation %v", norm)
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
