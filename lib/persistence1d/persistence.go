// Package persistence1d finds the local minima of a 1-D signal and their
// topological persistence with Persistence1D (Kozlov and Weinkauf), and
// groups the significant minima of a regularity score into abnormal events
// as Chong & Tay 2017 do.
package persistence1d

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Minimum is a local minimum of a signal. Max is the index of the local
// maximum it was paired with when its component merged into an older one,
// and Persistence is data[Max] - data[Min]. The global minimum is never
// paired: its Max is -1 and its Persistence is the signal's range
// (max - min), which is at least that of every paired minimum, so a
// persistence threshold keeps it whenever it keeps anything.
type Minimum struct {
	Min         int
	Max         int
	Persistence float64
}

// Paired reports whether m was paired with a maximum (false for the global
// minimum).
func (m Minimum) Paired() bool { return m.Max >= 0 }

// ErrNaN reports a NaN in the signal; it has no order, so no persistence.
var ErrNaN = errors.New("signal holds NaN")

// Minima runs Persistence1D on data and returns every local minimum with its
// persistence, ordered by index. Vertices are swept upward in order of value,
// ties broken by index (so a plateau counts as one extremum, at its first
// index). A vertex with no swept neighbour starts a component (a minimum);
// one with a single swept neighbour extends that component; one with two is
// a maximum that merges them, and the component whose minimum is higher (in
// the same order) dies there, paired with that maximum.
func Minima(data []float64) ([]Minimum, error) {
	n := len(data)
	if n == 0 {
		return nil, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range data {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("value %d: %w", i, ErrNaN)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	// Stable sort on value keeps ties in index order.
	sort.SliceStable(order, func(a, b int) bool { return data[order[a]] < data[order[b]] })
	rank := make([]int, n) // position in the sweep; compares minima with ties broken by index
	for r, i := range order {
		rank[i] = r
	}

	// Components are intervals of swept vertices. Only an interval's end
	// vertices are ever looked up again (an unswept vertex's neighbours are
	// ends), so only ends keep their component up to date.
	type comp struct{ left, right, min int }
	var comps []comp
	compOf := make([]int, n)
	for i := range compOf {
		compOf[i] = -1
	}
	var out []Minimum
	for _, i := range order {
		l, r := -1, -1
		if i > 0 {
			l = compOf[i-1]
		}
		if i < n-1 {
			r = compOf[i+1]
		}
		switch {
		case l < 0 && r < 0:
			comps = append(comps, comp{i, i, i})
			compOf[i] = len(comps) - 1
		case l >= 0 && r < 0:
			comps[l].right = i
			compOf[i] = l
		case l < 0 && r >= 0:
			comps[r].left = i
			compOf[i] = r
		default:
			// A maximum: the younger component (higher minimum) dies.
			old, young := l, r
			if rank[comps[r].min] < rank[comps[l].min] {
				old, young = r, l
			}
			m := comps[young].min
			out = append(out, Minimum{Min: m, Max: i, Persistence: data[i] - data[m]})
			left, right := comps[l].left, comps[r].right
			comps[old].left, comps[old].right = left, right
			compOf[left], compOf[right], compOf[i] = old, old, old
		}
	}
	out = append(out, Minimum{Min: order[0], Max: -1, Persistence: hi - lo})
	sort.Slice(out, func(a, b int) bool { return out[a].Min < out[b].Min })
	return out, nil
}
