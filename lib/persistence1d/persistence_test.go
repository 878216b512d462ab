// Tests of Persistence1D and event grouping against hand-worked answers and
// a brute-force elder rule.

package persistence1d

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

func TestMinima(t *testing.T) {
	tests := []struct {
		name string
		data []float64
		want []Minimum
	}{
		{"empty", nil, nil},
		{"single value", []float64{5}, []Minimum{{0, -1, 0}}},
		{"constant", []float64{2, 2, 2}, []Minimum{{0, -1, 0}}},
		{"increasing", []float64{1, 2, 3, 4}, []Minimum{{0, -1, 3}}},
		{"decreasing", []float64{4, 3, 2, 1}, []Minimum{{3, -1, 3}}},
		{"valley", []float64{3, 1, 2}, []Minimum{{1, -1, 2}}},
		// Plateaus count once, at their first index; the plateau 1,1,1 dies
		// at the maximum 3 (index 4) against the older plateau 0,0.
		{"plateaus", []float64{3, 1, 1, 1, 3, 0, 0, 2}, []Minimum{{1, 4, 2}, {5, -1, 3}}},
		// Minima at both ends: 1 (index 2) dies at 2 (index 1); 0.5 dies at 3.
		{"minima at both ends", []float64{0, 2, 1, 3, 0.5}, []Minimum{{0, -1, 3}, {2, 1, 1}, {4, 3, 2.5}}},
		// Equal minima: the tie goes to the lower index, so index 2 dies.
		{"equal minima at the ends", []float64{1, 3, 1}, []Minimum{{0, -1, 2}, {2, 1, 2}}},
		// W shape with a higher right arm: the right minimum dies at the
		// middle peak, whose height is the lower of the two ways out.
		{"w", []float64{5, 0, 2, 1, 9}, []Minimum{{1, -1, 9}, {3, 2, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Minima(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Minima(%v) = %v, want %v", tc.data, got, tc.want)
			}
		})
	}
	t.Run("nan", func(t *testing.T) {
		if _, err := Minima([]float64{1, math.NaN()}); !errors.Is(err, ErrNaN) {
			t.Errorf("got %v, want ErrNaN", err)
		}
	})
}

// elder computes the persistence of minimum m by the elder rule directly:
// walk each way to the first vertex that sorts lower (value, then index);
// the minimum dies at the lower of the two highest points on those walks.
func elder(data []float64, rank []int, m int) (persistence float64, paired bool) {
	death := math.Inf(1)
	for _, step := range []int{-1, 1} {
		top := data[m]
		for i := m + step; i >= 0 && i < len(data); i += step {
			if rank[i] < rank[m] {
				death = min(death, top)
				break
			}
			top = max(top, data[i])
		}
	}
	if math.IsInf(death, 1) {
		return 0, false
	}
	return death - data[m], true
}

// TestMinimaProperties checks random signals, continuous and with many ties:
// every local minimum (in value-then-index order) is reported exactly once,
// persistence is non-negative and equals the elder rule, and only the global
// minimum is unpaired.
func TestMinimaProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		n := 1 + r.IntN(80)
		data := make([]float64, n)
		for i := range data {
			if trial%2 == 0 {
				data[i] = r.NormFloat64()
			} else {
				data[i] = float64(r.IntN(5))
			}
		}
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return data[order[a]] < data[order[b]] })
		rank := make([]int, n)
		for k, i := range order {
			rank[i] = k
		}
		var want []int
		for i := range data {
			if (i == 0 || rank[i] < rank[i-1]) && (i == n-1 || rank[i] < rank[i+1]) {
				want = append(want, i)
			}
		}
		got, err := Minima(data)
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		unpaired := 0
		for _, m := range got {
			idx = append(idx, m.Min)
			if m.Persistence < 0 {
				t.Fatalf("trial %d %v: negative persistence %+v", trial, data, m)
			}
			p, paired := elder(data, rank, m.Min)
			if paired != m.Paired() {
				t.Fatalf("trial %d %v: %+v paired=%v, elder rule says %v", trial, data, m, m.Paired(), paired)
			}
			if !paired {
				unpaired++
				if m.Min != order[0] {
					t.Fatalf("trial %d %v: unpaired minimum %d is not the global minimum %d", trial, data, m.Min, order[0])
				}
				continue
			}
			if p != m.Persistence || data[m.Max]-data[m.Min] != m.Persistence {
				t.Fatalf("trial %d %v: %+v, elder rule gives persistence %v", trial, data, m, p)
			}
		}
		if unpaired != 1 {
			t.Fatalf("trial %d %v: %d unpaired minima, want 1", trial, data, unpaired)
		}
		if !reflect.DeepEqual(idx, want) {
			t.Fatalf("trial %d %v: minima at %v, want %v", trial, data, idx, want)
		}
	}
}

func TestGroupWindow(t *testing.T) {
	// Two minima gap frames apart (10 and 10+gap) in a flat signal.
	mk := func(gap int) ([]Minimum, []float64) {
		reg := make([]float64, 200)
		for i := range reg {
			reg[i] = 1
		}
		reg[10], reg[10+gap] = 0.2, 0.1
		return []Minimum{{10, 5, 0.8}, {10 + gap, -1, 0.9}}, reg
	}
	tests := []struct {
		name   string
		gap    int
		window int
		want   []Event
	}{
		{"49 apart, window 50", 49, 50, []Event{{10, 59, 59, 0.1, 0.9}}},
		{"50 apart, window 50", 50, 50, []Event{{10, 60, 60, 0.1, 0.9}}},
		{"51 apart, window 50", 51, 50, []Event{{10, 10, 10, 0.2, 0.8}, {61, 61, 61, 0.1, 0.9}}},
		{"1 apart, window 0", 1, 0, []Event{{10, 10, 10, 0.2, 0.8}, {11, 11, 11, 0.1, 0.9}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mins, reg := mk(tc.gap)
			got := Group(mins, nil, reg, tc.window)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Group = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("frame numbers with gaps", func(t *testing.T) {
		// Indices 1 and 2 are frames 100 and 151: 51 apart, two events.
		reg := []float64{1, 0.2, 0.1}
		mins := []Minimum{{1, 0, 0.8}, {2, -1, 0.9}}
		want := []Event{{100, 100, 100, 0.2, 0.8}, {151, 151, 151, 0.1, 0.9}}
		if got := Group(mins, []int{99, 100, 151}, reg, 50); !reflect.DeepEqual(got, want) {
			t.Errorf("Group = %v, want %v", got, want)
		}
	})
	t.Run("chain", func(t *testing.T) {
		reg := []float64{0.5, 0.3, 0.5, 0.4, 0.5, 0.2}
		mins := []Minimum{{5, -1, 1}, {1, 2, 0.2}, {3, 4, 0.1}}
		want := []Event{{1, 5, 5, 0.2, 1}}
		if got := Group(mins, nil, reg, 2); !reflect.DeepEqual(got, want) {
			t.Errorf("Group = %v, want %v", got, want)
		}
	})
}

func TestEvents(t *testing.T) {
	// Minima: index 1 (0.2, dies at 0.9 -> 0.7), index 4 (0.6, both ways
	// out climb to 0.9 -> 0.3), index 7 (0.0, global, range 1.0).
	reg := []float64{1, 0.2, 0.9, 0.8, 0.6, 0.8, 0.9, 0, 0.5}
	tests := []struct {
		name string
		o    Options
		want []Event
	}{
		{"all minima, each its own", Options{MaxRegularity: math.Inf(1)}, []Event{{1, 1, 1, 0.2, 0.7}, {4, 4, 4, 0.6, 0.3}, {7, 7, 7, 0, 1}}},
		{"persistence 0.5", Options{MinPersistence: 0.5, MaxRegularity: math.Inf(1)}, []Event{{1, 1, 1, 0.2, 0.7}, {7, 7, 7, 0, 1}}},
		{"persistence 0.7 is inclusive", Options{MinPersistence: 0.7, MaxRegularity: math.Inf(1)}, []Event{{1, 1, 1, 0.2, 0.7}, {7, 7, 7, 0, 1}}},
		{"regularity at most 0.5", Options{MaxRegularity: 0.5}, []Event{{1, 1, 1, 0.2, 0.7}, {7, 7, 7, 0, 1}}},
		{"default window joins all", DefaultOptions(), []Event{{1, 7, 7, 0, 1}}},
		{"window 3", Options{MaxRegularity: math.Inf(1), Window: 3}, []Event{{1, 7, 7, 0, 1}}},
		{"window 2", Options{MaxRegularity: math.Inf(1), Window: 2}, []Event{{1, 1, 1, 0.2, 0.7}, {4, 4, 4, 0.6, 0.3}, {7, 7, 7, 0, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Events(nil, reg, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Events = %v, want %v", got, tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Start != w.Start || g.End != w.End || g.Deepest != w.Deepest || g.Regularity != w.Regularity || math.Abs(g.Persistence-w.Persistence) > 1e-12 {
					t.Fatalf("Events = %v, want %v", got, tc.want)
				}
			}
		})
	}
	t.Run("zero persistence is never an event", func(t *testing.T) {
		// A flat score, and a plateau foot: 1,1,0 has a rank-minimum at
		// index 0 that dies at once at index 1.
		for _, reg := range [][]float64{{1, 1, 1}, {1, 1, 0}} {
			got, err := Events(nil, reg, Options{MaxRegularity: math.Inf(1)})
			if err != nil {
				t.Fatal(err)
			}
			if len(reg) == 3 && reg[2] == 0 {
				if want := []Event{{2, 2, 2, 0, 1}}; !reflect.DeepEqual(got, want) {
					t.Errorf("Events(%v) = %v, want %v", reg, got, want)
				}
			} else if len(got) != 0 {
				t.Errorf("Events(%v) = %v, want none", reg, got)
			}
		}
	})
	if _, err := Events(nil, reg, Options{Window: -1}); err == nil {
		t.Error("negative window accepted")
	}
}

func BenchmarkMinima(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]float64, 100000)
	for i := range data {
		data[i] = r.Float64()
	}
	for b.Loop() {
		if _, err := Minima(data); err != nil {
			b.Fatal(err)
		}
	}
}
