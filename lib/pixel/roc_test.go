// Tests of the 40 % criterion and the pixel-level ROC on small hand-made
// masks and maps.

package pixel

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"stae/lib/metrics"
)

// grid makes a 4x4 mask from rows of '#' (true) and '.'.
func grid(rows ...string) *Mask {
	m := &Mask{H: len(rows), W: len(rows[0])}
	for _, r := range rows {
		for _, c := range r {
			m.Pix = append(m.Pix, c == '#')
		}
	}
	return m
}

// fourFrames are two anomalous and two normal 4x4 frames:
//
//	A: 5 true pixels valued .9 .8 .3 .2 .1: 40 % of 5 is 2, score .8
//	   (outside the mask .95, which must not count);
//	B: 4 true pixels valued .7 .4 .4 .1: 40 % of 4 rounds up to 2, score .4;
//	C: normal, one pixel at .6, the rest .1: score .6;
//	D: normal, at most .3: score .3.
func fourFrames() ([]*Mask, [][]float32) {
	masks := []*Mask{
		grid("##..", "###.", "....", "...."),
		grid("....", ".##.", ".##.", "...."),
		grid("....", "....", "....", "...."),
		grid("....", "....", "....", "...."),
	}
	maps := [][]float32{
		{.9, .8, .95, .95, .3, .2, .1, .95, .95, .95, .95, .95, .95, .95, .95, .95},
		{0, 0, 0, 0, 0, .7, .4, 0, 0, .4, .1, 0, 0, 0, 0, 0},
		{.1, .1, .1, .1, .1, .1, .1, .1, .1, .1, .6, .1, .1, .1, .1, .1},
		{.3, .2, .1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .3},
	}
	return masks, maps
}

func TestReduceFortyPercent(t *testing.T) {
	masks, maps := fourFrames()
	want := []Frame{{float64(float32(.8)), true}, {float64(float32(.4)), true}, {float64(float32(.6)), false}, {float64(float32(.3)), false}}
	for i := range masks {
		got, err := Reduce(masks[i], []int{4, 4}, maps[i])
		if err != nil {
			t.Fatal(err)
		}
		if got != want[i] {
			t.Errorf("frame %d: got %+v, want %+v", i, got, want[i])
		}
	}
}

func TestCurveByHand(t *testing.T) {
	masks, maps := fourFrames()
	var c Collector
	for i := range masks {
		f, err := Reduce(masks[i], []int{4, 4}, maps[i])
		if err != nil {
			t.Fatal(err)
		}
		c.Add("v", f)
	}
	r, err := c.Report()
	if err != nil {
		t.Fatal(err)
	}
	// Scores .8+ .6- .4+ .3-: at .8 one of two anomalous frames is found, at
	// .6 a normal frame alarms, at .4 both anomalous are found, at .3 all.
	f := func(v float64) float64 { return float64(float32(v)) }
	want := []metrics.Point{
		{Threshold: math.Inf(1)},
		{Threshold: f(.8), FPR: 0, TPR: .5},
		{Threshold: f(.6), FPR: .5, TPR: .5},
		{Threshold: f(.4), FPR: .5, TPR: 1},
		{Threshold: f(.3), FPR: 1, TPR: 1},
	}
	got := r.Overall
	if !reflect.DeepEqual(got.Points, want) {
		t.Errorf("points\ngot  %v\nwant %v", got.Points, want)
	}
	if got.AUC != .75 || got.EER != .5 || got.EERThreshold != f(.6) || got.Anomalous != 2 || got.Normal != 2 {
		t.Errorf("got auc %v eer %v at %v, %d+%d frames; want auc 0.75 eer 0.5 at 0.6, 2+2", got.AUC, got.EER, got.EERThreshold, got.Anomalous, got.Normal)
	}
	if len(r.Videos) != 1 || r.Videos[0].Curve == nil || r.Videos[0].Curve.AUC != .75 {
		t.Errorf("videos %+v, want one with auc 0.75", r.Videos)
	}
}

// TestReductionMatchesDefinition sweeps every distinct map value as θ and
// counts flagged pixels directly, as Mahadevan et al. define the criterion,
// against the one-number reduction.
func TestReductionMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, h, w = 40, 5, 6
	var masks []*Mask
	var maps [][]float32
	var thresholds []float32
	for i := range n {
		m := &Mask{H: h, W: w, Pix: make([]bool, h*w)}
		if i%2 == 0 {
			for j := range m.Pix {
				m.Pix[j] = rng.IntN(3) == 0
			}
			m.Pix[rng.IntN(h*w)] = true
		}
		v := make([]float32, h*w)
		for j := range v {
			v[j] = float32(rng.IntN(12)) / 4 // many ties
		}
		masks, maps = append(masks, m), append(maps, v)
		thresholds = append(thresholds, v...)
	}
	slices.Sort(thresholds)
	thresholds = slices.Compact(thresholds)
	var frames []Frame
	for i := range masks {
		f, err := ReduceSized(masks[i], maps[i])
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	for _, th := range thresholds {
		for i, m := range masks {
			k, hit, any := 0, 0, false
			for j, p := range m.Pix {
				flagged := maps[i][j] >= th
				any = any || flagged
				if p {
					k++
					if flagged {
						hit++
					}
				}
			}
			want := any
			if k > 0 {
				want = 10*hit >= 4*k
			}
			if got := float64(th) <= frames[i].Score; got != want {
				t.Fatalf("frame %d at θ %v: reduced says %v, definition %v (%d of %d true pixels flagged)", i, th, got, want, hit, k)
			}
		}
	}
	c, err := NewCurve(frames)
	if err != nil {
		t.Fatal(err)
	}
	if c.Points[0].FPR != 0 || c.Points[0].TPR != 0 || c.Points[len(c.Points)-1].FPR != 1 || c.Points[len(c.Points)-1].TPR != 1 {
		t.Errorf("curve runs from %+v to %+v, want (0,0) to (1,1)", c.Points[0], c.Points[len(c.Points)-1])
	}
}

func TestReportOneClassVideo(t *testing.T) {
	var c Collector
	c.Add("normal", Frame{Score: 1})
	c.Add("mixed", Frame{Score: 2, Anomalous: true})
	c.Add("mixed", Frame{Score: 1})
	r, err := c.Report()
	if err != nil {
		t.Fatal(err)
	}
	if r.Videos[0].ID != "normal" || r.Videos[0].Curve != nil || r.Videos[0].Normal != 1 {
		t.Errorf("one-class video: got %+v, want no curve and 1 normal frame", r.Videos[0])
	}
	if r.Videos[1].Curve == nil || r.Videos[1].Curve.AUC != 1 || r.Overall.AUC != 1 {
		t.Errorf("got %+v and overall %+v, want auc 1", r.Videos[1], r.Overall)
	}

	var only Collector
	only.Add("a", Frame{Score: 1})
	if _, err := only.Report(); !errors.Is(err, metrics.ErrOneClass) {
		t.Errorf("pooled single class: got %v, want ErrOneClass", err)
	}
}

func TestReduceErrors(t *testing.T) {
	m := grid("#.", "..")
	for _, tc := range []struct {
		name  string
		shape []int
		data  []float32
		want  string
	}{
		{"3d", []int{1, 2, 2}, make([]float32, 4), "error map shape [1 2 2], want [height width]"},
		{"short", []int{2, 2}, make([]float32, 3), "resize: 3 values for a 2x2 map"},
		{"nan", []int{2, 2}, []float32{0, float32(math.NaN()), 0, 0}, "map pixel 1: value is not finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Reduce(m, tc.shape, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
