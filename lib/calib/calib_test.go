package calib

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"stae/lib/alarm"
)

func mustBuild(t *testing.T, errs []float64, o Options) *Calibration {
	t.Helper()
	c, err := FromErrors(errs, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRank(t *testing.T) {
	c := mustBuild(t, []float64{3, 2, 5, 1, 2}, Options{}) // sorted: 1 2 2 3 5
	tests := []struct{ e, want float64 }{
		{0, 0},
		{1, 0.1},   // 0 below, 1 tie
		{1.5, 0.2}, // 1 below
		{2, 0.4},   // 1 below, 2 ties
		{2.5, 0.6},
		{3, 0.7},
		{5, 0.9},
		{6, 1},
	}
	for _, tt := range tests {
		if got := c.Rank(tt.e); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("Rank(%v) = %v, want %v", tt.e, got, tt.want)
		}
		if got := c.Exceedance(tt.e); math.Abs(got-(1-tt.want)) > 1e-15 {
			t.Errorf("Exceedance(%v) = %v, want %v", tt.e, got, 1-tt.want)
		}
	}
	if !math.IsNaN(c.Rank(math.NaN())) {
		t.Error("Rank(NaN) is not NaN")
	}
	var zero Calibration
	if !math.IsNaN(zero.Rank(1)) || !math.IsNaN(zero.Surprise(1)) {
		t.Error("zero calibration scores a frame")
	}
	if _, err := zero.Quantile(0.5); !errors.Is(err, ErrEmpty) {
		t.Errorf("zero Quantile: %v", err)
	}
}

func TestQuantile(t *testing.T) {
	c := mustBuild(t, []float64{3, 2, 5, 1, 2}, Options{})
	tests := []struct{ q, want float64 }{
		{0, 1}, {0.25, 2}, {0.5, 2}, {0.625, 2.5}, {0.875, 4}, {1, 5},
	}
	for _, tt := range tests {
		got, err := c.Quantile(tt.q)
		if err != nil || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, %v; want %v", tt.q, got, err, tt.want)
		}
	}
	for _, q := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := c.Quantile(q); !errors.Is(err, ErrArgument) {
			t.Errorf("Quantile(%v): got %v, want ErrArgument", q, err)
		}
	}
}

// normalSeries is AR(1) noise around 100: neighbouring frames' errors are
// correlated, as a video's are.
func normalSeries(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	s := make([]float64, n)
	x := 0.0
	for i := range s {
		x = 0.9*x + math.Sqrt(1-0.81)*r.NormFloat64()
		s[i] = 100 + 10*x
	}
	return s
}

func TestCappedSample(t *testing.T) {
	errs := normalSeries(7, 10001)
	const m = 101
	c := mustBuild(t, errs, Options{MaxSample: m})
	full := mustBuild(t, errs, Options{MaxSample: MaxSample})
	if !c.Capped() || full.Capped() {
		t.Fatalf("capped %v, full capped %v", c.Capped(), full.Capped())
	}
	sorted := slices.Sorted(slices.Values(errs))
	s := c.Sample()
	if len(s) != m || s[0] != sorted[0] || s[m-1] != sorted[len(sorted)-1] {
		t.Fatalf("sample of %d from %v to %v", len(s), s[0], s[m-1])
	}
	for i := range s { // n-1 = 10000 = 100·(m-1): every 100th
		if s[i] != sorted[100*i] {
			t.Fatalf("sample[%d] = %v, want sorted[%d] = %v", i, s[i], 100*i, sorted[100*i])
		}
	}
	for q := 0.0; q <= 1; q += 0.001 {
		want, _ := full.Quantile(q)
		got, _ := c.Quantile(q)
		j := min(int(q*(m-1)), m-2)
		if want < s[j] || want > s[j+1] {
			t.Errorf("q=%v: full quantile %v outside capped step [%v, %v]", q, want, s[j], s[j+1])
		}
		if got < s[j] || got > s[j+1] {
			t.Errorf("q=%v: capped quantile %v outside its step", q, got)
		}
		if d := math.Abs(c.Rank(want) - full.Rank(want)); d > 1.0/(m-1) {
			t.Errorf("q=%v: rank differs by %v", q, d)
		}
	}
}

func TestSurprise(t *testing.T) {
	c := mustBuild(t, normalSeries(3, 5000), Options{})
	max := c.Sample()[len(c.Sample())-1]
	prev := -1.0
	for e := 50.0; e < max+100; e += 0.25 {
		s := c.Surprise(e)
		if s < prev || s < 0 || s > MaxSurprise {
			t.Fatalf("Surprise(%v) = %v after %v", e, s, prev)
		}
		prev = s
	}
	if !(c.Surprise(max+10) > c.Surprise(max+1)) || !(c.Surprise(max+1) > c.Surprise(max)) {
		t.Error("Surprise does not keep growing above the largest normal error")
	}
	if got := c.Surprise(1e300); got != MaxSurprise {
		t.Errorf("Surprise(1e300) = %v", got)
	}
	// One value: no tail to fit; above it is off the scale.
	one := mustBuild(t, []float64{4}, Options{})
	if a, b, d := one.Surprise(3), one.Surprise(4), one.Surprise(5); a != 0 || math.Abs(b-math.Log10(2)) > 1e-12 || d != MaxSurprise {
		t.Errorf("single value: %v %v %v", a, b, d)
	}
}

// TestNormalStaysLow scores normal footage the calibration has not seen,
// and the same footage with errors shifted up by three standard deviations.
func TestNormalStaysLow(t *testing.T) {
	c := mustBuild(t, normalSeries(1, 20000), Options{})
	test := normalSeries(2, 5000)
	ranks := make([]float64, len(test))
	shifted := make([]float64, len(test))
	for i, e := range test {
		ranks[i] = c.Rank(e)
		shifted[i] = c.Rank(e + 30)
	}
	slices.Sort(ranks)
	slices.Sort(shifted)
	if p99 := ranks[len(ranks)*99/100]; p99 >= 0.995 {
		t.Errorf("normal: 99th percentile of rank %v, want < 0.995", p99)
	}
	if med := ranks[len(ranks)/2]; med < 0.4 || med > 0.6 {
		t.Errorf("normal: median rank %v, want about 0.5", med)
	}
	if med := shifted[len(shifted)/2]; med < 0.99 {
		t.Errorf("shifted: median rank %v, want > 0.99", med)
	}
}

func countAlarms(t *testing.T, videos [][]float64, cfg alarm.Config) int {
	t.Helper()
	n := 0
	for _, v := range videos {
		evs, err := alarm.Run(cfg, v, 10)
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
	}
	return n
}

func TestThresholdForRate(t *testing.T) {
	// 12 videos of 5 minutes at 10 frames/s: one hour.
	var b Builder
	var videos [][]float64
	for v := range 12 {
		s := normalSeries(uint64(100+v), 3000)
		videos = append(videos, s)
		if err := b.AddVideo(s); err != nil {
			t.Fatal(err)
		}
	}
	ordered, err := b.Build(Options{FPS: 10})
	if err != nil {
		t.Fatal(err)
	}
	unordered, err := b.Build(Options{FPS: 10, MaxSeries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !ordered.Ordered() || unordered.Ordered() || ordered.Seconds() != 3600 {
		t.Fatalf("ordered %v, unordered %v, seconds %v", ordered.Ordered(), unordered.Ordered(), ordered.Seconds())
	}
	all := slices.Sorted(slices.Values(slices.Concat(videos...)))
	for _, rate := range []float64{0, 1, 5, 20, 100} {
		for _, minDur := range []int{1, 5, 20} {
			tr, err := ordered.ThresholdForRate(rate, 10, minDur)
			if err != nil {
				t.Fatal(err)
			}
			tq, err := unordered.ThresholdForRate(rate, 0, minDur)
			if err != nil {
				t.Fatal(err)
			}
			rule := alarm.Config{On: tr, Off: tr, MinFrames: minDur}
			if n := countAlarms(t, videos, rule); float64(n) > rate {
				t.Errorf("rate %v min %d: replay threshold %v gives %d alarms", rate, minDur, tr, n)
			}
			// Tight: the next lower normal error gives too many.
			if i, _ := slices.BinarySearch(all, tr); i > 0 {
				lower := all[i-1]
				if n := countAlarms(t, videos, alarm.Config{On: lower, Off: lower, MinFrames: minDur}); float64(n) <= rate {
					t.Errorf("rate %v min %d: threshold %v not tight: %v gives %d", rate, minDur, tr, lower, n)
				}
			}
			// Hysteresis and merging only remove alarms.
			rule.Off, rule.MaxGap = tr-5, 10
			if n := countAlarms(t, videos, rule); float64(n) > rate {
				t.Errorf("rate %v min %d: with hysteresis %d alarms", rate, minDur, n)
			}
			if n := countAlarms(t, videos, alarm.Config{On: tq, Off: tq, MinFrames: minDur}); float64(n) > rate {
				t.Errorf("rate %v min %d: quantile threshold %v gives %d alarms", rate, minDur, tq, n)
			}
			if tq < tr {
				t.Errorf("rate %v min %d: quantile threshold %v below replay %v", rate, minDur, tq, tr)
			}
			// No alarm allowed: with one-frame alarms, nothing may be above.
			if rate == 0 && minDur == 1 && (tr != all[len(all)-1] || tq != all[len(all)-1]) {
				t.Errorf("rate 0: thresholds %v %v, want the largest error", tr, tq)
			}
		}
	}
	// The fallback is the documented quantile, rounded up to a sample value.
	tq, _ := unordered.ThresholdForRate(36, 10, 10) // 1 − 36·10/36000 = 0.99
	if want, _ := unordered.Quantile(0.99); tq < want || unordered.Rank(tq) > 0.9905 {
		t.Errorf("quantile threshold %v (rank %v), want about %v", tq, unordered.Rank(tq), want)
	}
}

func TestThresholdForRateArguments(t *testing.T) {
	withFPS := mustBuild(t, normalSeries(1, 100), Options{FPS: 10})
	noFPS := mustBuild(t, normalSeries(1, 100), Options{})
	tests := []struct {
		name      string
		c         *Calibration
		rate, fps float64
		minDur    int
	}{
		{"negative rate", withFPS, -1, 10, 1},
		{"NaN rate", withFPS, math.NaN(), 10, 1},
		{"zero duration", withFPS, 1, 10, 0},
		{"negative fps", withFPS, 1, -10, 1},
		{"other fps", withFPS, 1, 25, 1},
		{"no fps anywhere", noFPS, 1, 0, 1},
		{"empty", &Calibration{}, 1, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.c.ThresholdForRate(tt.rate, tt.fps, tt.minDur); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := noFPS.ThresholdForRate(1, 10, 1); err != nil {
		t.Errorf("fps given for a calibration without one: %v", err)
	}
	// Short footage (10 s) cannot allow one alarm an hour: the largest error.
	got, err := withFPS.ThresholdForRate(1, 0, 1)
	if s := withFPS.Sample(); err != nil || got != s[len(s)-1] {
		t.Errorf("short footage: %v, %v", got, err)
	}
}

func TestBuilder(t *testing.T) {
	var b Builder
	if _, err := b.Build(Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if err := b.Add(math.NaN()); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Add(NaN): %v", err)
	}
	if err := b.AddVideo([]float64{1, math.Inf(1)}); !errors.Is(err, ErrNotFinite) || b.Frames() != 0 {
		t.Errorf("AddVideo(Inf): %v, %d frames", err, b.Frames())
	}
	for _, e := range []float64{1, 2, 3} {
		if err := b.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	b.EndVideo()
	if err := b.Add(4); err != nil {
		t.Fatal(err)
	}
	if err := b.AddSeconds(0.5); err != nil {
		t.Fatal(err)
	}
	c, err := b.Build(Options{Scoring: "recon sse"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Frames() != 4 || c.Seconds() != 0.5 || c.FPS() != 0 || c.Scoring() != "recon sse" || len(c.w.Series) != 2 {
		t.Errorf("got frames %d seconds %v fps %v scoring %q series %d", c.Frames(), c.Seconds(), c.FPS(), c.Scoring(), len(c.w.Series))
	}
	for _, o := range []Options{{MaxSample: 1}, {MaxSample: MaxSample + 1}, {FPS: math.NaN()}, {FPS: -1}} {
		if _, err := b.Build(o); !errors.Is(err, ErrArgument) {
			t.Errorf("Build(%+v): %v", o, err)
		}
	}
	if err := b.AddSeconds(-1); !errors.Is(err, ErrArgument) {
		t.Errorf("AddSeconds(-1): %v", err)
	}
}
