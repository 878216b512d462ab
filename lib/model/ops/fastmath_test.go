// Tests and benchmarks for the float32 nonlinearities against math's
// float64 ones, both the Go reference functions here and kernels.c's
// vectorised loops that the ops run.
//
// The gate and layer nonlinearities run on every activation of every
// frame, and Go's float64 math.Exp and math.Tanh (about 15-40 ns each
// here) cost as much as a layer's matrix product: kernels.c computes them
// in float32 with the formulas below, whose errors stay within a few
// float32 ulps of 1.

package ops

import (
	"math"
	"testing"
)

// sigmoid32 is σ(x) = (1 + tanh(x/2))/2: no exponential and no branch.
func sigmoid32(x float32) float32 { return 0.5*tanh32(0.5*x) + 0.5 }

// tanh32 is tanh as Eigen computes it in float32: a 13/6 odd rational
// function on [-7.9, 7.9], beyond which tanh is 1 to float32 precision.
// It has no branch, which matters: activations fall either side of any
// threshold at random.
func tanh32(x float32) float32 {
	x = max(-7.90531110763549805, min(7.90531110763549805, x))
	// Estrin's scheme: shorter dependency chains than Horner's, so that
	// consecutive elements overlap in the pipeline.
	z := x * x
	z2 := z * z
	z4 := z2 * z2
	p := (4.89352455891786e-03 + 6.37261928875436e-04*z) +
		z2*(1.48572235717979e-05+5.12229709037114e-08*z) +
		z4*((-8.60467152213735e-11+2.00018790482477e-13*z)+z2*-2.76076847742355e-16)
	q := (4.89352518554385e-03 + 2.26843463243900e-03*z) + z2*(1.18534705686654e-04+1.19825839466702e-06*z)
	return x * p / q
}

func TestFastMath(t *testing.T) {
	cases := []struct {
		name    string
		f       func([]float32) []float32
		ref     func(float64) float64
		lo, hi  float64
		absTol  float64 // absolute error bound
		relTol  float64 // relative error bound where |value| > relFrom
		relFrom float64
	}{
		// Gates multiply σ by values of order one: its absolute error is
		// what reaches the output.
		{"sigmoid", each(sigmoid32), func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -40, 40, 3e-7, 1e-6, 0.1},
		{"tanh", each(tanh32), math.Tanh, -20, 20, 4e-7, 6e-7, 1e-3},
		// One call over the whole slice: the vector body and the tail.
		{"tanh in C", func(x []float32) []float32 {
			y := append([]float32(nil), x...)
			biasActRowsC(y, 1, len(y), len(y), []float32{0}, true)
			return y
		}, math.Tanh, -20, 20, 4e-7, 6e-7, 1e-3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const steps = 1 << 20
			xs := make([]float32, steps+1)
			for i := range xs {
				xs[i] = float32(c.lo + (c.hi-c.lo)*float64(i)/steps)
			}
			ys := c.f(xs)
			var worstAbs, worstRel float64
			for i, x := range xs {
				got, want := float64(ys[i]), c.ref(float64(x))
				d := math.Abs(got - want)
				worstAbs = math.Max(worstAbs, d)
				if math.Abs(want) > c.relFrom {
					worstRel = math.Max(worstRel, d/math.Abs(want))
				}
			}
			if c.absTol > 0 && worstAbs > c.absTol {
				t.Errorf("largest absolute error %.3g, want at most %.3g", worstAbs, c.absTol)
			}
			if worstRel > c.relTol {
				t.Errorf("largest relative error %.3g, want at most %.3g", worstRel, c.relTol)
			}
		})
	}
}

// each maps f over a slice.
func each(f func(float32) float32) func([]float32) []float32 {
	return func(x []float32) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = f(v)
		}
		return y
	}
}

func TestFastMathSaturates(t *testing.T) {
	cases := []struct {
		name string
		got  float32
		want float32
	}{
		{"sigmoid of -1000", sigmoid32(-1000), 0},
		{"sigmoid of 1000", sigmoid32(1000), 1},
		{"tanh of -1000", tanh32(-1000), -1},
		{"tanh of 1000", tanh32(1000), 1},
		{"tanh of 0", tanh32(0), 0},
	}
	for _, c := range cases {
		if math.Abs(float64(c.got-c.want)) > 4e-7 {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
}

var sink float32

func BenchmarkTanh32(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += tanh32(float32(i&1023)*0.01 - 5)
	}
	sink = s
}

func BenchmarkMathTanh(b *testing.B) {
	var s float32
	for i := 0; i < b.N; i++ {
		s += float32(math.Tanh(float64(i&1023)*0.01 - 5))
	}
	sink = s
}

func BenchmarkTanhSlice(b *testing.B) {
	src, dst := make([]float32, 4096), make([]float32, 4096)
	for i := range src {
		src[i] = float32(i%1024)*0.01 - 5
	}
	for i := 0; i < b.N; i++ {
		for j, v := range src {
			dst[j] = tanh32(v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4096, "ns/elem")
}

func BenchmarkTanhSliceC(b *testing.B) {
	src, dst := make([]float32, 4096), make([]float32, 4096)
	for i := range src {
		src[i] = float32(i%1024)*0.01 - 5
	}
	for i := 0; i < b.N; i++ {
		copy(dst, src)
		biasActRowsC(dst, 1, len(dst), len(dst), []float32{0}, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4096, "ns/elem")
}
