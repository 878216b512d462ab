// Tests for the ops: each one's gradient against central finite
// differences of its own forward pass, the convolutions against direct
// loops written from the definition, kept buffers, and the joins between
// ops in the backward pass.

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

func randDense(r *rand.Rand, shape ...int) *tensor.Dense {
	t, d := newDense(shape...)
	for i := range d {
		d[i] = float32(r.NormFloat64())
	}
	return t
}

// weightedSum is the scalar sum(out ⊙ w) in float64, the loss whose
// gradient the checks compare.
func weightedSum(out, w []float32) float64 {
	var s float64
	for i := range out {
		s += float64(out[i]) * float64(w[i])
	}
	return s
}

// gradCheck compares gorgonia's symbolic gradient of sum(op(in) ⊙ R) with
// respect to every input in wrt against central differences with step eps,
// and fails when the largest difference exceeds tol times the largest
// gradient entry.
func gradCheck(t *testing.T, op G.Op, in []*tensor.Dense, wrt []int, eps, tol float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	g := G.NewGraph()
	// Inputs need names: gorgonia merges unnamed inputs of equal shape.
	nodes := make(G.Nodes, len(in))
	for i, x := range in {
		nodes[i] = G.NewTensor(g, tensor.Float32, x.Dims(), G.WithShape(x.Shape()...), G.WithValue(x), G.WithName(fmt.Sprint("in", i)))
	}
	out, err := G.ApplyOp(op, nodes...)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	rt := randDense(r, out.Shape()...)
	rw := rt.Data().([]float32)
	rn := G.NewTensor(g, tensor.Float32, rt.Dims(), G.WithShape(rt.Shape()...), G.WithValue(rt), G.WithName("weights"))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, rn))))
	var ws G.Nodes
	for _, i := range wrt {
		ws = append(ws, nodes[i])
	}
	grads, err := G.Grad(loss, ws...)
	if err != nil {
		t.Fatalf("grad: %v", err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	lossAt := func() float64 {
		vs := make([]G.Value, len(in))
		for i := range in {
			vs[i] = in[i]
		}
		o, err := op.Do(vs...)
		if err != nil {
			t.Fatalf("do: %v", err)
		}
		return weightedSum(o.(tensor.Tensor).Data().([]float32), rw)
	}
	for k, i := range wrt {
		got := grads[k].Value().Data().([]float32)
		x := in[i].Data().([]float32)
		if len(got) != len(x) {
			t.Fatalf("input %d: gradient has %d entries, input %d", i, len(got), len(x))
		}
		var maxDiff, maxGrad float64
		for j := range x {
			old := x[j]
			x[j] = old + float32(eps)
			up := lossAt()
			x[j] = old - float32(eps)
			down := lossAt()
			x[j] = old
			num := (up - down) / (2 * eps)
			maxDiff = math.Max(maxDiff, math.Abs(num-float64(got[j])))
			maxGrad = math.Max(maxGrad, math.Abs(num))
		}
		if maxGrad == 0 {
			t.Errorf("input %d: gradient is zero everywhere; the check says nothing", i)
		}
		if maxDiff > tol*maxGrad {
			t.Errorf("input %d: symbolic and numeric gradients differ by %.3g (largest entry %.3g)", i, maxDiff, maxGrad)
		}
	}
}

func TestGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// The convolutions and frame ops are linear in each input, so a large
	// step is exact up to rounding; the gates need a small one.
	const linEps, linTol, nlEps, nlTol = 0.5, 1e-4, 1e-2, 3e-3
	cases := []struct {
		name     string
		op       G.Op
		in       []*tensor.Dense
		wrt      []int
		eps, tol float64
	}{
		{"conv 3x3 same", Conv{Stride: 1, Pad: 1}, []*tensor.Dense{randDense(r, 2, 3, 5, 6), randDense(r, 4, 3, 3, 3)}, []int{0, 1}, linEps, linTol},
		{"conv 5x5 stride 2 with leftover", Conv{Stride: 2}, []*tensor.Dense{randDense(r, 2, 2, 10, 9), randDense(r, 3, 2, 5, 5)}, []int{0, 1}, linEps, linTol},
		{"conv 11x11 stride 4", Conv{Stride: 4}, []*tensor.Dense{randDense(r, 1, 1, 19, 19), randDense(r, 2, 1, 11, 11)}, []int{0, 1}, linEps, linTol},
		{"deconv 5x5 stride 2", ConvT{Stride: 2, OutH: 9, OutW: 11}, []*tensor.Dense{randDense(r, 2, 3, 3, 4), randDense(r, 3, 2, 5, 5)}, []int{0, 1}, linEps, linTol},
		{"deconv 3x3 same with leftover", ConvT{Stride: 2, Pad: 1, OutH: 6, OutW: 5}, []*tensor.Dense{randDense(r, 1, 2, 3, 3), randDense(r, 2, 3, 3, 3)}, []int{0, 1}, linEps, linTol},
		{"conv weight gradient", ConvGradW{Stride: 2, Pad: 1, K: 3}, []*tensor.Dense{randDense(r, 2, 2, 6, 5), randDense(r, 2, 3, 3, 3)}, []int{0, 1}, linEps, linTol},
		{"bias tanh", BiasAct{Tanh: true}, []*tensor.Dense{randDense(r, 2, 3, 2, 3), randDense(r, 3)}, []int{0, 1}, nlEps, nlTol},
		{"bias linear", BiasAct{}, []*tensor.Dense{randDense(r, 2, 3, 2, 3), randDense(r, 3)}, []int{0, 1}, linEps, linTol},
		{"lstm cell with peepholes", Gates{Peep: true}, []*tensor.Dense{randDense(r, 2, 8, 2, 3), randDense(r, 2, 2, 2, 3), randDense(r, 2, 2, 3), randDense(r, 2, 2, 3)}, []int{0, 1, 2, 3}, nlEps, nlTol},
		{"lstm cell without peepholes", Gates{}, []*tensor.Dense{randDense(r, 2, 8, 2, 3), randDense(r, 2, 2, 2, 3)}, []int{0, 1}, nlEps, nlTol},
		{"lstm hidden with peephole", Gates{Hidden: true, Peep: true}, []*tensor.Dense{randDense(r, 2, 8, 2, 3), randDense(r, 2, 2, 2, 3), randDense(r, 2, 2, 3)}, []int{0, 1, 2}, nlEps, nlTol},
		{"lstm hidden without peephole", Gates{Hidden: true}, []*tensor.Dense{randDense(r, 2, 8, 2, 3), randDense(r, 2, 2, 2, 3)}, []int{0, 1}, nlEps, nlTol},
		{"conv on data: weights only", Conv{Stride: 4, Data: true}, []*tensor.Dense{randDense(r, 1, 1, 19, 19), randDense(r, 2, 1, 11, 11)}, []int{1}, linEps, linTol},
		{"conv tanh fused, one image split across cores", ConvAct{Stride: 2, Inputs: 1, Tanh: true}, []*tensor.Dense{randDense(r, 1, 3, 9, 9), randDense(r, 4, 3, 5, 5), randDense(r, 4)}, []int{0, 1, 2}, nlEps, nlTol},
		{"conv tanh fused on data, three images", ConvAct{Stride: 4, Inputs: 1, Tanh: true, Data: true}, []*tensor.Dense{randDense(r, 3, 1, 19, 19), randDense(r, 2, 1, 11, 11), randDense(r, 2)}, []int{1, 2}, nlEps, nlTol},
		{"lstm gate conv over x and h", ConvAct{Stride: 1, Pad: 1, Inputs: 2}, []*tensor.Dense{randDense(r, 1, 3, 5, 6), randDense(r, 8, 3, 3, 3), randDense(r, 1, 2, 5, 6), randDense(r, 8, 2, 3, 3), randDense(r, 8)}, []int{0, 1, 2, 3, 4}, linEps, linTol},
		{"lstm gate conv, two images", ConvAct{Stride: 1, Pad: 1, Inputs: 2}, []*tensor.Dense{randDense(r, 2, 2, 4, 5), randDense(r, 4, 2, 3, 3), randDense(r, 2, 1, 4, 5), randDense(r, 4, 1, 3, 3), randDense(r, 4)}, []int{0, 1, 2, 3, 4}, linEps, linTol},
		{"deconv tanh fused, one image split across cores", ConvTAct{Stride: 2, OutH: 9, OutW: 11, Tanh: true}, []*tensor.Dense{randDense(r, 1, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 2)}, []int{0, 1, 2}, nlEps, nlTol},
		{"deconv linear fused, to one channel", ConvTAct{Stride: 4, OutH: 19, OutW: 19}, []*tensor.Dense{randDense(r, 2, 2, 3, 3), randDense(r, 2, 1, 11, 11), randDense(r, 1)}, []int{0, 1, 2}, linEps, linTol},
		{"frame slice", FrameSlice{T: 3, Step: 1}, []*tensor.Dense{randDense(r, 6, 2, 2, 2)}, []int{0}, linEps, linTol},
		{"frame place", FramePlace{T: 3, Step: 2}, []*tensor.Dense{randDense(r, 2, 2, 2, 2)}, []int{0}, linEps, linTol},
		{"stack", Stack{T: 3}, []*tensor.Dense{randDense(r, 2, 2, 2, 2), randDense(r, 2, 2, 2, 2), randDense(r, 2, 2, 2, 2)}, []int{0, 1, 2}, linEps, linTol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { gradCheck(t, c.op, c.in, c.wrt, c.eps, c.tol) })
	}
}

// directConv is cross-correlation from the definition.
func directConv(x, w []float32, n, c, h, wd, o, k, s, p int) []float32 {
	oh, ow := (h+2*p-k)/s+1, (wd+2*p-k)/s+1
	y := make([]float32, n*o*oh*ow)
	for b := 0; b < n; b++ {
		for q := 0; q < o; q++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var sum float64
					for ch := 0; ch < c; ch++ {
						for ki := 0; ki < k; ki++ {
							for kj := 0; kj < k; kj++ {
								ii, jj := i*s+ki-p, j*s+kj-p
								if ii < 0 || jj < 0 || ii >= h || jj >= wd {
									continue
								}
								sum += float64(x[((b*c+ch)*h+ii)*wd+jj]) * float64(w[((q*c+ch)*k+ki)*k+kj])
							}
						}
					}
					y[((b*o+q)*oh+i)*ow+j] = float32(sum)
				}
			}
		}
	}
	return y
}

// directDeconv scatters each input pixel times the kernel onto the output,
// the textbook transposed convolution.
func directDeconv(y, w []float32, n, o, ih, iw, c, k, s, p, oh, ow int) []float32 {
	x := make([]float64, n*c*oh*ow)
	for b := 0; b < n; b++ {
		for q := 0; q < o; q++ {
			for i := 0; i < ih; i++ {
				for j := 0; j < iw; j++ {
					v := float64(y[((b*o+q)*ih+i)*iw+j])
					for ch := 0; ch < c; ch++ {
						for ki := 0; ki < k; ki++ {
							for kj := 0; kj < k; kj++ {
								ii, jj := i*s+ki-p, j*s+kj-p
								if ii < 0 || jj < 0 || ii >= oh || jj >= ow {
									continue
								}
								x[((b*c+ch)*oh+ii)*ow+jj] += v * float64(w[((q*c+ch)*k+ki)*k+kj])
							}
						}
					}
				}
			}
		}
	}
	r := make([]float32, len(x))
	for i, v := range x {
		r[i] = float32(v)
	}
	return r
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

func TestConvMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name                   string
		n, c, h, w, o, k, s, p int
	}{
		{"paper conv1 shape at 35", 2, 1, 35, 35, 4, 11, 4, 0},
		{"paper conv2 shape at 35", 1, 4, 7, 7, 3, 5, 2, 0},
		{"lstm same conv", 2, 3, 4, 5, 8, 3, 1, 1},
		{"one image split across cores", 1, 5, 9, 7, 6, 3, 1, 1},
		{"three images", 3, 2, 11, 11, 3, 5, 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, w := randDense(r, c.n, c.c, c.h, c.w), randDense(r, c.o, c.c, c.k, c.k)
			got, err := Conv{Stride: c.s, Pad: c.p}.Do(x, w)
			if err != nil {
				t.Fatal(err)
			}
			want := directConv(x.Data().([]float32), w.Data().([]float32), c.n, c.c, c.h, c.w, c.o, c.k, c.s, c.p)
			if d := maxAbsDiff(got.(tensor.Tensor).Data().([]float32), want); d > 1e-4 {
				t.Errorf("differs from the direct computation by %g", d)
			}
		})
	}
}

func TestDeconvMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name                             string
		n, o, ih, iw, c, k, s, p, oh, ow int
	}{
		{"paper deconv1 shape at 35", 2, 4, 2, 2, 3, 5, 2, 0, 7, 7},
		{"paper deconv2 shape at 35", 1, 3, 7, 7, 1, 11, 4, 0, 35, 35},
		{"padded with leftover", 2, 2, 3, 3, 3, 3, 2, 1, 6, 5},
		{"one image split across channels", 1, 4, 3, 3, 5, 3, 2, 1, 6, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y, w := randDense(r, c.n, c.o, c.ih, c.iw), randDense(r, c.o, c.c, c.k, c.k)
			got, err := ConvT{Stride: c.s, Pad: c.p, OutH: c.oh, OutW: c.ow}.Do(y, w)
			if err != nil {
				t.Fatal(err)
			}
			want := directDeconv(y.Data().([]float32), w.Data().([]float32), c.n, c.o, c.ih, c.iw, c.c, c.k, c.s, c.p, c.oh, c.ow)
			if d := maxAbsDiff(got.(tensor.Tensor).Data().([]float32), want); d > 1e-4 {
				t.Errorf("differs from the direct computation by %g", d)
			}
		})
	}
}

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		name string
		op   G.Op
		in   []tensor.Shape
		want string
	}{
		{"conv channels", Conv{Stride: 1}, []tensor.Shape{{1, 2, 5, 5}, {3, 4, 3, 3}}, "Conv(s=1,p=0): input (1, 2, 5, 5) does not fit weights (3, 4, 3, 3)"},
		{"deconv size", ConvT{Stride: 2, OutH: 9, OutW: 9}, []tensor.Shape{{1, 3, 4, 4}, {3, 1, 5, 5}}, "ConvT(s=2,p=0,out=9x9): input (1, 3, 4, 4) does not map onto 9x9"},
		{"frame slice batch", FrameSlice{T: 4, Step: 0}, []tensor.Shape{{6, 1, 2, 2}}, "FrameSlice(T=4,t=0): input (6, 1, 2, 2) is not a batch of 4-frame volumes"},
		{"gate conv h size", ConvAct{Stride: 1, Pad: 1, Inputs: 2}, []tensor.Shape{{1, 2, 5, 5}, {8, 2, 3, 3}, {1, 2, 4, 5}, {8, 2, 3, 3}, {8}}, "ConvAct(s=1,p=1,in=2,tanh=false,data=false): input 2 (1, 2, 4, 5) with weights (8, 2, 3, 3) does not match input 1 (1, 2, 5, 5) with (8, 2, 3, 3)"},
		{"conv bias size", ConvAct{Stride: 1, Inputs: 1}, []tensor.Shape{{1, 2, 5, 5}, {8, 2, 3, 3}, {4}}, "ConvAct(s=1,p=0,in=1,tanh=false,data=false): bias (4) does not fit 8 filters"},
		{"gate conv sum size", ConvAct{Stride: 1, Pad: 1, Inputs: 1, Pre: true}, []tensor.Shape{{1, 8, 4, 5}, {1, 2, 5, 5}, {8, 2, 3, 3}, {8}}, "ConvAct(s=1,p=1,in=1,tanh=false,data=false,pre): input 1 (1, 2, 5, 5) with weights (8, 2, 3, 3) does not match the sum (1, 8, 4, 5)"},
		{"gate conv nothing", ConvAct{Stride: 1}, []tensor.Shape{{8}}, "ConvAct(s=1,p=0,in=0,tanh=false,data=false): no inputs"},
		{"part too long", Part{Off: 4, Shape: tensor.Shape{2, 3}}, []tensor.Shape{{9}}, "Part(off=4,shape=(2, 3)): input (9) is too short"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.op.InferShape(toDimSizers(c.in)...)
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

// TestFusedMatchesPlain checks the fused layers against the plain ops they
// replace, on one core and on two (one image is split across cores, several
// are spread over them).
func TestFusedMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	do := func(op G.Op, in ...G.Value) []float32 {
		t.Helper()
		v, err := op.Do(in...)
		if err != nil {
			t.Fatalf("%v: %v", op, err)
		}
		return v.(tensor.Tensor).Data().([]float32)
	}
	dense := func(d []float32, shape ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	for _, procs := range []int{1, 2} {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%d images on %d cores", n, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				x, wx := randDense(r, n, 3, 7, 8), randDense(r, 8, 3, 3, 3)
				h, wh := randDense(r, n, 2, 7, 8), randDense(r, 8, 2, 3, 3)
				b := randDense(r, 8)
				sum := do(Conv{Stride: 1, Pad: 1}, x, wx)
				for i, v := range do(Conv{Stride: 1, Pad: 1}, h, wh) {
					sum[i] += v
				}
				want := do(BiasAct{}, dense(sum, n, 8, 7, 8), b)
				got := do(ConvAct{Stride: 1, Pad: 1, Inputs: 2}, x, wx, h, wh, b)
				if d := maxAbsDiff(got, want); d > 1e-5 {
					t.Errorf("gate conv differs from conv+conv+bias by %g", d)
				}
				// The x half computed before (recon's frame cache): the same bits.
				pre := do(Conv{Stride: 1, Pad: 1}, x, wx)
				if d := maxAbsDiff(do(ConvAct{Stride: 1, Pad: 1, Inputs: 1, Pre: true}, dense(pre, n, 8, 7, 8), h, wh, b), got); d != 0 {
					t.Errorf("gate conv over a precomputed x half differs by %g", d)
				}
				// The sum read in place at step 1 of 2-step volumes.
				stacked := do(Stack{T: 2}, randDense(r, n, 8, 7, 8), dense(pre, n, 8, 7, 8))
				if d := maxAbsDiff(do(ConvAct{Stride: 1, Pad: 1, Inputs: 1, Pre: true, Steps: 2, Step: 1}, dense(stacked, 2*n, 8, 7, 8), h, wh, b), got); d != 0 {
					t.Errorf("gate conv over step 1 of precomputed sums differs by %g", d)
				}
				first := do(ConvAct{Stride: 1, Pad: 1, Inputs: 1}, x, wx, b)
				if d := maxAbsDiff(do(ConvAct{Stride: 1, Pad: 1, Pre: true}, dense(pre, n, 8, 7, 8), b), first); d != 0 {
					t.Errorf("first step's gate conv over a precomputed x half differs by %g", d)
				}

				w2, b2 := randDense(r, 4, 3, 5, 5), randDense(r, 4)
				want = do(BiasAct{Tanh: true}, dense(do(Conv{Stride: 2}, x, w2), n, 4, 2, 2), b2)
				if d := maxAbsDiff(do(ConvAct{Stride: 2, Inputs: 1, Tanh: true}, x, w2, b2), want); d > 1e-5 {
					t.Errorf("conv tanh differs from conv+bias+tanh by %g", d)
				}

				y, wt, bt := randDense(r, n, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 2)
				want = do(BiasAct{Tanh: true}, dense(do(ConvT{Stride: 2, OutH: 9, OutW: 11}, y, wt), n, 2, 9, 11), bt)
				if d := maxAbsDiff(do(ConvTAct{Stride: 2, OutH: 9, OutW: 11, Tanh: true}, y, wt, bt), want); d > 1e-5 {
					t.Errorf("deconv tanh differs from deconv+bias+tanh by %g", d)
				}
			})
		}
	}
}

// TestBufferReuse runs each op that can keep its output twice with one
// Buffer, on different inputs: the second run must equal a fresh op's,
// on one core and on two (which split the work differently), so nothing
// of the first run survives in the kept memory.
func TestBufferReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	cases := []struct {
		name string
		op   func(*Buffer) G.Op
		in   func() []G.Value
	}{
		{"ConvAct", func(b *Buffer) G.Op { return ConvAct{Stride: 1, Pad: 1, Inputs: 1, Tanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 3, 2, 7, 8), randDense(r, 4, 2, 3, 3), randDense(r, 4)}
			}},
		{"ConvTAct", func(b *Buffer) G.Op { return ConvTAct{Stride: 2, OutH: 9, OutW: 11, Tanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 3, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 2)}
			}},
		{"ConvTAct one image", func(b *Buffer) G.Op { return ConvTAct{Stride: 2, OutH: 9, OutW: 11, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 1, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 2)}
			}},
		{"ConvT", func(b *Buffer) G.Op { return ConvT{Stride: 2, OutH: 9, OutW: 11, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 3, 3, 3, 4), randDense(r, 3, 2, 5, 5)} }},
		{"ConvT one image", func(b *Buffer) G.Op { return ConvT{Stride: 2, OutH: 9, OutW: 11, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 1, 3, 3, 4), randDense(r, 3, 2, 5, 5)} }},
		{"Cell", func(b *Buffer) G.Op { return Gates{Peep: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 2, 8, 3, 4), randDense(r, 2, 2, 3, 4), randDense(r, 2, 3, 4), randDense(r, 2, 3, 4)}
			}},
		{"Hidden", func(b *Buffer) G.Op { return Gates{Hidden: true, Peep: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 2, 8, 3, 4), randDense(r, 2, 2, 3, 4), randDense(r, 2, 3, 4)}
			}},
		{"FrameSlice", func(b *Buffer) G.Op { return FrameSlice{T: 3, Step: 1, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 6, 2, 3, 4)} }},
		{"Stack", func(b *Buffer) G.Op { return Stack{T: 2, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 2, 2, 3, 4), randDense(r, 2, 2, 3, 4)} }},
		{"TanhGrad", func(b *Buffer) G.Op { return TanhGrad{Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 2, 3, 4, 5), randDense(r, 2, 3, 4, 5)} }},
		{"Conv through tanh", func(b *Buffer) G.Op { return Conv{Stride: 2, ThroughTanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 3, 2, 10, 9), randDense(r, 3, 2, 5, 5), randDense(r, 3, 3, 3, 3)}
			}},
		{"Conv one image", func(b *Buffer) G.Op { return Conv{Stride: 1, Pad: 1, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 1, 3, 5, 6), randDense(r, 4, 3, 3, 3)} }},
		{"ConvT through tanh", func(b *Buffer) G.Op { return ConvT{Stride: 2, OutH: 9, OutW: 11, ThroughTanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 3, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 3, 2, 9, 11)}
			}},
		{"ConvT one image through tanh", func(b *Buffer) G.Op { return ConvT{Stride: 2, OutH: 9, OutW: 11, ThroughTanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 1, 3, 3, 4), randDense(r, 3, 2, 5, 5), randDense(r, 1, 2, 9, 11)}
			}},
		{"ConvGradW", func(b *Buffer) G.Op { return ConvGradW{Stride: 2, K: 5, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 3, 2, 10, 9), randDense(r, 3, 3, 3, 3)} }},
		{"ConvGradW one image", func(b *Buffer) G.Op { return ConvGradW{Stride: 2, K: 5, Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 1, 2, 10, 9), randDense(r, 1, 3, 3, 3)} }},
		{"ConvTBack", func(b *Buffer) G.Op { return ConvTBack{Stride: 2, ThroughTanh: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 3, 2, 9, 11), randDense(r, 3, 2, 5, 5), randDense(r, 3, 3, 3, 4)}
			}},
		{"CellBack", func(b *Buffer) G.Op { return GatesBack{Peep: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 2, 8, 3, 4), randDense(r, 2, 2, 3, 4), randDense(r, 2, 3, 4), randDense(r, 2, 3, 4), randDense(r, 2, 2, 3, 4)}
			}},
		{"HiddenBack", func(b *Buffer) G.Op { return GatesBack{Hidden: true, Peep: true, Out: b} },
			func() []G.Value {
				return []G.Value{randDense(r, 2, 8, 3, 4), randDense(r, 2, 2, 3, 4), randDense(r, 2, 3, 4), randDense(r, 2, 2, 3, 4)}
			}},
		{"MeanSquaredErrorGrad", func(b *Buffer) G.Op { return MeanSquaredErrorGrad{Out: b} },
			func() []G.Value { return []G.Value{randDense(r, 2, 1, 4, 5), randDense(r, 2, 1, 4, 5), G.NewF32(1)} }},
	}
	for _, procs := range []int{1, 2} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s on %d cores", c.name, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				b := new(Buffer)
				if _, err := c.op(b).Do(c.in()...); err != nil {
					t.Fatal(err)
				}
				in := c.in()
				got, err := c.op(b).Do(in...)
				if err != nil {
					t.Fatal(err)
				}
				want, err := c.op(nil).Do(in...)
				if err != nil {
					t.Fatal(err)
				}
				g, w := got.(tensor.Tensor).Data().([]float32), want.(tensor.Tensor).Data().([]float32)
				if d := maxAbsDiff(g, w); d != 0 {
					t.Errorf("second run with a kept buffer differs from a fresh op's by %g", d)
				}
				if &g[0] != &b.t.Data().([]float32)[0] {
					t.Errorf("second run did not reuse the kept buffer")
				}
			})
		}
	}
}

func toDimSizers(s []tensor.Shape) []G.DimSizer {
	r := make([]G.DimSizer, len(s))
	for i := range s {
		r[i] = s[i]
	}
	return r
}

// The backward-pass joins between ops: a tanh layer whose one consumer
// takes its gradient through the tanh (GradPreAct, InTanh) must give the
// gradients of the two layers left apart, and the training loss must be
// the mean squared error and its gradient.

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
