// Alarm thresholds with a bounded false-alarm rate on normal footage.

package calib

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// ThresholdForRate returns the lowest error threshold T at which the alarm
// rule of lib/alarm, with On = Off = T, MinFrames = minDurationFrames and
// MaxGap = 0, raises at most falseAlarmsPerHour × hours alarms on the
// calibration footage itself (and no more at any threshold above T). A
// lower Off or a positive MaxGap can only merge alarms, so the bound holds
// for them too. T is never below the smallest normal error; when the
// footage is too short to allow one alarm, T is the lowest threshold that
// raises none on it (the largest error when minDurationFrames is 1).
//
// fps is the frame rate the frame counts refer to; 0 takes the
// calibration's own (or frames/seconds when only the duration is known),
// and a rate other than the calibration's is refused, since
// minDurationFrames would then mean another duration.
//
// When the calibration keeps its errors in order (Ordered), the rule is
// replayed on them, video by video, for every candidate threshold (one
// pass with a union-find over frames in decreasing error). Otherwise T is
// the order statistic at the quantile 1 − rate·minDuration/(3600·fps),
// rounded up to a stored sample value so that at most
// ⌊rate·hours·minDuration⌋ normal frames lie strictly above it: each alarm
// needs minDuration of them, so the bound holds, more conservatively.
func (c *Calibration) ThresholdForRate(falseAlarmsPerHour, fps float64, minDurationFrames int) (float64, error) {
	if len(c.w.Sample) == 0 {
		return 0, ErrEmpty
	}
	rate := falseAlarmsPerHour
	if math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 {
		return 0, fmt.Errorf("%w: false alarm rate %v per hour", ErrArgument, rate)
	}
	if minDurationFrames < 1 {
		return 0, fmt.Errorf("%w: min duration %d frames", ErrArgument, minDurationFrames)
	}
	if math.IsNaN(fps) || math.IsInf(fps, 0) || fps < 0 {
		return 0, fmt.Errorf("%w: frame rate %v", ErrArgument, fps)
	}
	own := c.w.FPS
	if own == 0 && c.w.Seconds > 0 {
		own = float64(c.w.Frames) / c.w.Seconds
	}
	switch {
	case fps == 0 && own == 0:
		return 0, fmt.Errorf("%w: frame rate unknown: the calibration has none and none was given", ErrArgument)
	case fps == 0:
		fps = own
	case c.w.FPS > 0 && math.Abs(fps-c.w.FPS) > 1e-9*c.w.FPS:
		return 0, fmt.Errorf("%w: frame rate %v differs from the calibration's %v", ErrArgument, fps, c.w.FPS)
	}
	hours := float64(c.w.Frames) / fps / 3600
	// The tiny slack keeps e.g. 2/h × 1.5 h at 3 despite rounding.
	allowed := math.Floor(rate * hours * (1 + 1e-12))
	if c.Ordered() {
		return thresholdByReplay(c.w.Series, allowed, minDurationFrames), nil
	}
	above := math.Floor(rate * hours * float64(minDurationFrames) * (1 + 1e-12))
	n := c.w.Frames
	m := len(c.w.Sample)
	need := float64(n-1) - above // rank the threshold must reach
	i := sort.Search(m, func(i int) bool { return float64(rankOf(i, m, n)) >= need })
	return c.w.Sample[min(i, m-1)], nil
}

// thresholdByReplay lowers the threshold one distinct value at a time,
// activating the frames above it and keeping count of the runs of active
// frames at least minDur long (the alarms of the rule with On = Off and no
// gap), and stops before the count first exceeds allowed.
func thresholdByReplay(videos [][]float64, allowed float64, minDur int) float64 {
	var vals []float64
	var video []int32
	for v, s := range videos {
		vals = append(vals, s...)
		for range s {
			video = append(video, int32(v))
		}
	}
	n := len(vals)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		// Decreasing value, then frame order for determinism.
		if vals[a] != vals[b] {
			if vals[a] > vals[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	parent := make([]int32, n)
	size := make([]int32, n)
	for i := range parent {
		parent[i] = -1 // inactive
	}
	var find func(int32) int32
	find = func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	long := func(r int32) int {
		if int(size[r]) >= minDur {
			return 1
		}
		return 0
	}
	count := 0
	best := vals[order[0]] // nothing is above the largest error
	for k := 0; k < n; {
		v := vals[order[k]]
		for ; k < n && vals[order[k]] == v; k++ {
			i := order[k]
			parent[i], size[i] = i, 1
			r := i
			count += long(r)
			for _, j := range [2]int32{i - 1, i + 1} {
				if j < 0 || int(j) >= n || parent[j] < 0 || video[j] != video[i] {
					continue
				}
				rj := find(j)
				count -= long(rj) + long(r)
				if size[rj] < size[r] {
					rj, r = r, rj
				}
				parent[r] = rj
				size[rj] += size[r]
				r = rj
				count += long(r)
			}
		}
		if float64(count) > allowed {
			break
		}
		if k < n {
			best = vals[order[k]] // frames above the next value are all active
		}
	}
	return best
}
