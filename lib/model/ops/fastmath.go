// This file holds float32 sigmoid and tanh: the gate and layer
// nonlinearities run on every activation of every frame, and Go's float64
// math.Exp and math.Tanh (about 15-40 ns each here) cost as much as a
// layer's matrix product. Errors stay within a few float32 ulps of 1 (see
// fastmath_test.go). The ops run act.c's vectorised copies of these
// formulas; these Go ones are their reference in the tests.

package ops

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
