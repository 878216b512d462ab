// Tests of the scoring math against answers computed by hand.

package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func TestRegularity(t *testing.T) {
	tests := []struct {
		name     string
		errs     []float64
		norm     Scaling
		abn, reg []float64
		constant bool
	}{
		{"minmax", []float64{2, 4, 6}, ScaleMinMax, []float64{0, 0.5, 1}, []float64{1, 0.5, 0}, false},
		{"paper divides by max", []float64{2, 4, 6}, ScalePaper, []float64{0, 1.0 / 3, 2.0 / 3}, []float64{1, 2.0 / 3, 1.0 / 3}, false},
		{"constant minmax", []float64{3, 3, 3}, ScaleMinMax, []float64{0, 0, 0}, []float64{1, 1, 1}, true},
		{"single frame", []float64{7}, ScaleMinMax, []float64{0}, []float64{1}, true},
		{"all zero paper", []float64{0, 0}, ScalePaper, []float64{0, 0}, []float64{1, 1}, true},
		{"constant non-zero paper is not constant", []float64{5, 5}, ScalePaper, []float64{0, 0}, []float64{1, 1}, false},
		{"empty", nil, ScaleMinMax, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			abn, reg, constant, err := Regularity(tc.errs, tc.norm)
			if err != nil {
				t.Fatal(err)
			}
			if constant != tc.constant {
				t.Errorf("constant = %v, want %v", constant, tc.constant)
			}
			for i := range tc.abn {
				if !near(abn[i], tc.abn[i]) || !near(reg[i], tc.reg[i]) {
					t.Fatalf("got abn %v reg %v, want abn %v reg %v", abn, reg, tc.abn, tc.reg)
				}
			}
			if len(abn) != len(tc.abn) || len(reg) != len(tc.reg) {
				t.Fatalf("got %d/%d values, want %d", len(abn), len(reg), len(tc.abn))
			}
		})
	}
	t.Run("nan is an error", func(t *testing.T) {
		_, _, _, err := Regularity([]float64{1, math.NaN()}, ScaleMinMax)
		if !errors.Is(err, ErrNotFinite) {
			t.Fatalf("got %v, want ErrNotFinite", err)
		}
	})
}

func TestParseScaling(t *testing.T) {
	for _, n := range []Scaling{ScaleMinMax, ScalePaper} {
		got, err := ParseScaling(n.String())
		if err != nil || got != n {
			t.Errorf("ParseScaling(%q) = %v, %v; want %v", n.String(), got, err, n)
		}
	}
	if _, err := ParseScaling("max"); err == nil {
		t.Error("ParseScaling(max) succeeded, want error")
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		// pos {0.35,0.8} vs neg {0.1,0.4}: 3 of 4 pairs ordered.
		{"no ties", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		// pos {0.5,0.8} vs neg {0.5,0.2}: 1 tie (half) + 3 ordered = 3.5 of 4.
		{"ties count half", []float64{0.5, 0.5, 0.2, 0.8}, []bool{true, false, false, true}, 0.875},
		{"all tied", []float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		{"perfect", []float64{0, 1, 2, 3}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{3, 2, 1, 0}, []bool{false, false, true, true}, 0},
		{"infinite scores", []float64{math.Inf(-1), 0, math.Inf(1)}, []bool{false, true, true}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AUC(tc.scores, tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, tc.want) {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
			pts, err := ROC(tc.scores, tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			if a := AreaUnder(pts); !near(a, tc.want) {
				t.Errorf("area under ROC = %v, want %v", a, tc.want)
			}
		})
	}
}

func TestAUCErrors(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []bool
		want   error
	}{
		{"all normal", []float64{1, 2}, []bool{false, false}, ErrOneClass},
		{"all anomalous", []float64{1, 2}, []bool{true, true}, ErrOneClass},
		{"empty", nil, nil, ErrOneClass},
		{"nan", []float64{1, math.NaN()}, []bool{true, false}, ErrNotFinite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := AUC(tc.scores, tc.labels); !errors.Is(err, tc.want) {
				t.Errorf("AUC error = %v, want %v", err, tc.want)
			}
			if _, err := ROC(tc.scores, tc.labels); !errors.Is(err, tc.want) {
				t.Errorf("ROC error = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := AUC([]float64{1}, []bool{true, false}); err == nil {
		t.Error("length mismatch accepted")
	}
}

func TestROCPoints(t *testing.T) {
	// Descending: 0.8(T) | 0.5(T,F) | 0.2(F); 2 positives, 2 negatives.
	pts, err := ROC([]float64{0.5, 0.5, 0.2, 0.8}, []bool{true, false, false, true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Point{
		{math.Inf(1), 0, 0},
		{0.8, 0, 0.5},
		{0.5, 0.5, 1},
		{0.2, 1, 1},
	}
	if !reflect.DeepEqual(pts, want) {
		t.Errorf("ROC = %v, want %v", pts, want)
	}
}

func TestEER(t *testing.T) {
	tests := []struct {
		name     string
		pts      []Point
		eer, thr float64
	}{
		// d = FPR+TPR-1 goes -0.5 -> +0.5 halfway: (0.25, 0.75).
		{"crossing halfway between points", []Point{{math.Inf(1), 0, 0}, {0.8, 0, 0.5}, {0.5, 0.5, 1}, {0.2, 1, 1}}, 0.25, 0.65},
		// d goes -0.2 -> +0.5: t = 2/7, FPR = 0.2 + 0.4*2/7 = 2.2/7, miss = 0.4 - 0.3*2/7 = 2.2/7.
		{"crossing off-centre", []Point{{math.Inf(1), 0, 0}, {0.9, 0.2, 0.6}, {0.2, 0.6, 0.9}, {0.1, 1, 1}}, 2.2 / 7, 0.9 - 0.7*2/7},
		{"crossing on a point", []Point{{math.Inf(1), 0, 0}, {3, 0.25, 0.75}, {1, 1, 1}}, 0.25, 3},
		{"perfect", []Point{{math.Inf(1), 0, 0}, {2, 0, 1}, {1, 1, 1}}, 0, 2},
		// inverted scores: the only crossing is between (1,0) and (1,1).
		{"inverted", []Point{{math.Inf(1), 0, 0}, {2, 1, 0}, {1, 1, 1}}, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eer, thr, err := EER(tc.pts)
			if err != nil {
				t.Fatal(err)
			}
			if !near(eer, tc.eer) || !near(thr, tc.thr) {
				t.Errorf("EER = %v at %v, want %v at %v", eer, thr, tc.eer, tc.thr)
			}
		})
	}
	if _, _, err := EER(nil); err == nil {
		t.Error("EER of no points succeeded")
	}
}

// TestEERFromScores checks EER where the miss rate and false-positive rate
// meet between ROC points made from scores: 4 normal, 4 anomalous.
func TestEERFromScores(t *testing.T) {
	scores := []float64{8, 7, 6, 5, 4, 3, 2, 1}
	labels := []bool{true, true, false, true, false, true, false, false}
	// Points (threshold: fpr,tpr): (+Inf: 0,0) (8: 0,.25) (7: 0,.5) (6: .25,.5)
	// (5: .25,.75) ...; d: -1 -.75 -.5 -.25 0, so the crossing is at threshold 5.
	pts, err := ROC(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	eer, thr, err := EER(pts)
	if err != nil {
		t.Fatal(err)
	}
	if !near(eer, 0.25) || thr != 5 {
		t.Errorf("EER = %v at %v, want 0.25 at 5", eer, thr)
	}
}

func TestMicroMacro(t *testing.T) {
	a := Video{ID: "A", Scores: []float64{1, 2, 3, 4}, Labels: []bool{false, false, true, true}}     // AUC 1
	b := Video{ID: "B", Scores: []float64{10, 20, 30, 40}, Labels: []bool{false, true, true, false}} // AUC 0.5
	c := Video{ID: "C", Scores: []float64{5, 6}, Labels: []bool{false, false}}                       // one class
	t.Run("two videos", func(t *testing.T) {
		// pooled: pos {3,4,20,30} vs neg {1,2,10,40}: 2+2+3+3 = 10 of 16.
		_, micro, err := Micro([]Video{a, b})
		if err != nil {
			t.Fatal(err)
		}
		macro, per, err := Macro([]Video{a, b})
		if err != nil {
			t.Fatal(err)
		}
		if !near(micro, 0.625) || !near(macro, 0.75) {
			t.Errorf("micro %v macro %v, want 0.625 and 0.75", micro, macro)
		}
		want := []VideoAUC{{"A", 4, 2, 1, false}, {"B", 4, 2, 0.5, false}}
		if !reflect.DeepEqual(per, want) {
			t.Errorf("per video %v, want %v", per, want)
		}
	})
	t.Run("single-class video skipped by macro, pooled by micro", func(t *testing.T) {
		// pooled: pos {3,4,20,30} vs neg {1,2,10,40,5,6}: 2+2+5+5 = 14 of 24.
		_, micro, err := Micro([]Video{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		macro, per, err := Macro([]Video{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		if !near(micro, 14.0/24) || !near(macro, 0.75) {
			t.Errorf("micro %v macro %v, want %v and 0.75", micro, macro, 14.0/24)
		}
		if !per[2].Skipped || per[2].Frames != 2 {
			t.Errorf("video C: %+v, want skipped with 2 frames", per[2])
		}
	})
	t.Run("no video with both classes", func(t *testing.T) {
		if _, _, err := Macro([]Video{c}); !errors.Is(err, ErrOneClass) {
			t.Errorf("got %v, want ErrOneClass", err)
		}
	})
}

// TestAUCMatchesPairCount compares the tie-group AUC and the trapezoid area
// of the ROC with a direct count over all pairs, on random data with many
// ties.
func TestAUCMatchesPairCount(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 2 + r.IntN(60)
		scores := make([]float64, n)
		labels := make([]bool, n)
		for i := range scores {
			scores[i] = float64(r.IntN(8))
			labels[i] = r.IntN(3) == 0
		}
		labels[0], labels[1] = true, false
		var num, den float64
		for i := range scores {
			for j := range scores {
				if !labels[i] || labels[j] {
					continue
				}
				den++
				switch {
				case scores[i] > scores[j]:
					num++
				case scores[i] == scores[j]:
					num += 0.5
				}
			}
		}
		got, err := AUC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := ROC(scores, labels)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got, num/den) || !near(AreaUnder(pts), num/den) {
			t.Fatalf("trial %d: AUC %v, area %v, pair count %v", trial, got, AreaUnder(pts), num/den)
		}
	}
}

func BenchmarkAUC(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	scores := make([]float64, 200000)
	labels := make([]bool, len(scores))
	for i := range scores {
		scores[i] = r.Float64()
		labels[i] = r.IntN(2) == 0
	}
	for b.Loop() {
		if _, err := AUC(scores, labels); err != nil {
			b.Fatal(err)
		}
	}
}
