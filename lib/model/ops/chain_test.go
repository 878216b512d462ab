// Tests for the backward-pass joins between ops: a tanh layer whose one
// consumer takes its gradient through the tanh (GradPreAct, InTanh) must
// give the gradients of the two layers left apart, and the training loss
// must be the mean squared error and its gradient.

package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// chainGrads builds first → second on inputs in (named, the first one the
// data), with the loss sum(second ⊙ R), runs it twice (the kept buffers
// reused) and returns the gradients of every input but the data.
func chainGrads(t *testing.T, in []*tensor.Dense, first, second func(G.Nodes) (*G.Node, error)) [][]float32 {
	t.Helper()
	g := G.NewGraph()
	nodes := make(G.Nodes, len(in))
	for i, x := range in {
		nodes[i] = G.NewTensor(g, tensor.Float32, x.Dims(), G.WithShape(x.Shape()...), G.WithValue(x), G.WithName(fmt.Sprint("in", i)))
	}
	mid, err := first(nodes)
	if err != nil {
		t.Fatalf("first layer: %v", err)
	}
	out, err := second(append(G.Nodes{mid}, nodes...))
	if err != nil {
		t.Fatalf("second layer: %v", err)
	}
	rt := randDense(rand.New(rand.NewPCG(3, 4)), out.Shape()...)
	rn := G.NewTensor(g, tensor.Float32, rt.Dims(), G.WithShape(rt.Shape()...), G.WithValue(rt), G.WithName("weights"))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, rn))))
	grads, err := G.Grad(loss, nodes[1:]...)
	if err != nil {
		t.Fatalf("grad: %v", err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	for run := 0; run < 2; run++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatalf("run: %v", err)
		}
	}
	r := make([][]float32, len(grads))
	for i, gr := range grads {
		r[i] = append([]float32(nil), gr.Value().Data().([]float32)...)
	}
	return r
}

func TestTanhTakenInTheNextLayer(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, procs := range []int{1, 2} {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%d images on %d cores", n, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				// The encoder's shape: a data conv with tanh, then a strided one.
				enc := []*tensor.Dense{randDense(r, n, 1, 19, 19), randDense(r, 4, 1, 7, 7), randDense(r, 4), randDense(r, 3, 4, 3, 3), randDense(r, 3)}
				encode := func(joined bool) [][]float32 {
					return chainGrads(t, enc, func(in G.Nodes) (*G.Node, error) {
						return G.ApplyOp(ConvAct{Stride: 2, Inputs: 1, Tanh: true, Data: true, GradPreAct: joined, Out: new(Buffer)}, in[0], in[1], in[2])
					}, func(in G.Nodes) (*G.Node, error) {
						return G.ApplyOp(ConvAct{Stride: 2, Inputs: 1, Tanh: true, InTanh: joined, Out: new(Buffer)}, in[0], in[4], in[5])
					})
				}
				// The decoder's: a strided deconv with tanh, then one without.
				dec := []*tensor.Dense{randDense(r, n, 3, 3, 3), randDense(r, 3, 4, 3, 3), randDense(r, 4), randDense(r, 4, 1, 7, 7), randDense(r, 1)}
				decode := func(joined bool) [][]float32 {
					return chainGrads(t, dec, func(in G.Nodes) (*G.Node, error) {
						return G.ApplyOp(ConvTAct{Stride: 2, OutH: 7, OutW: 7, Tanh: true, GradPreAct: joined, Out: new(Buffer)}, in[0], in[1], in[2])
					}, func(in G.Nodes) (*G.Node, error) {
						return G.ApplyOp(ConvTAct{Stride: 2, OutH: 19, OutW: 19, InTanh: joined, Out: new(Buffer)}, in[0], in[4], in[5])
					})
				}
				for name, f := range map[string]func(bool) [][]float32{"encoder": encode, "decoder": decode} {
					apart, joined := f(false), f(true)
					for i := range apart {
						if i == 0 && name == "encoder" {
							continue // the data's: not asked for (nil in both)
						}
						if d := maxAbsDiff(joined[i], apart[i]); d > 1e-5*(1+maxAbs(apart[i])) || maxAbs(apart[i]) == 0 {
							t.Errorf("%s, input %d: joined gradient differs from the layers' apart by %g (largest %g)", name, i+1, d, maxAbs(apart[i]))
						}
					}
				}
			})
		}
	}
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

func TestMeanSquaredError(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	y, tg := randDense(r, 3, 1, 40, 50), randDense(r, 3, 1, 40, 50) // more values than one chunk
	yd, td := y.Data().([]float32), tg.Data().([]float32)
	var want float64
	for i := range yd {
		d := float64(yd[i]) - float64(td[i])
		want += d * d
	}
	want /= float64(len(yd))
	v, err := MeanSquaredError{}.Do(y, tg)
	if err != nil {
		t.Fatal(err)
	}
	got := float64(*v.(*G.F32))
	if math.Abs(got-want) > 1e-6*want {
		t.Errorf("loss %v, want %v", got, want)
	}
	gv, err := MeanSquaredErrorGrad{}.Do(y, tg, G.NewF32(0.5))
	if err != nil {
		t.Fatal(err)
	}
	gd := gv.(tensor.Tensor).Data().([]float32)
	for i := range gd {
		if w := 2 * 0.5 * (yd[i] - td[i]) / float32(len(yd)); math.Abs(float64(gd[i]-w)) > 1e-9 {
			t.Fatalf("gradient %d: %v, want %v", i, gd[i], w)
		}
	}
	if _, err := (MeanSquaredError{}).Do(y, randDense(r, 3, 1, 40, 49)); err == nil {
		t.Error("targets of another shape accepted")
	}
}
