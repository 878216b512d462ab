// This file holds the convolutions fused with their layer's bias and
// activation: ConvAct, act(Σ_k conv(x_k, w_k) + b), which is every
// encoder layer (one input, tanh) and the ConvLSTM's gate convolution
// over [x, h] (two inputs, no activation); and ConvTAct, act(convT(y, w) +
// b), the decoder's layers. Fusing saves a pass over the output and, in
// training, keeping the pre-activation for the backward pass: the gradient
// only needs the activation's output. The backward passes are the plain
// ops of conv.go and bias.go.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvAct is act(Σ_k conv(x_k, w_k) + b) over Inputs pairs (x_k, w_k),
// followed by the bias b [O]: inputs x_1, w_1, ..., x_K, w_K, b. Every x_k
// has the same batch and size, every w_k O filters. With Data set, x_1 is
// data and gets no gradient (see Conv). With Pre set (inference only), a
// first input p [N,O,oh,ow] is a part of the sum computed before, by
// Conv: act(p + Σ_k conv(x_k, w_k) + b), with no pair at all allowed; it
// adds in the same order, so the result is the same as with p's pair
// given here. With Steps > 1 as well, p is [N*Steps,O,oh,ow], volumes of
// Steps frames, and step Step of each is the sum (read in place, as
// FrameSlice would cut it out). Out, if set, keeps the output between
// runs.
//
// InTanh and GradPreAct join two fused layers in the backward pass: with
// InTanh, x_1 is the output of a layer with Tanh and GradPreAct set, and
// this op is its only consumer; the gradient it passes to x_1 is then
// already taken through that tanh, in the same pass that computes it,
// and the producer, seeing GradPreAct, uses it as it comes. That saves a
// pass over the producer's output and a buffer its size.
type ConvAct struct {
	common
	Stride, Pad, Inputs int
	Tanh, Data          bool
	Pre                 bool
	Steps, Step         int
	InTanh, GradPreAct  bool
	Out                 *Buffer
}

func (op ConvAct) String() string {
	steps := ""
	if op.Pre && op.Steps > 1 {
		steps = fmt.Sprintf(",step=%d/%d", op.Step, op.Steps)
	}
	return fmt.Sprintf("ConvAct(s=%d,p=%d,in=%d,tanh=%v,data=%v%s%s)",
		op.Stride, op.Pad, op.Inputs, op.Tanh, op.Data, flags("pre", op.Pre, "intanh", op.InTanh, "preact", op.GradPreAct), steps)
}
func (op ConvAct) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvAct) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvAct) Arity() int            { return op.first() + 2*op.Inputs + 1 }
func (op ConvAct) Type() hm.Type {
	r := make([]int, 0, op.Arity()+1)
	if op.Pre {
		r = append(r, 4)
	}
	for k := 0; k < op.Inputs; k++ {
		r = append(r, 4, 4)
	}
	return fnType(append(r, 1, 4)...)
}
func (op ConvAct) DiffWRT(n int) []bool {
	r := allTrue(n)
	r[0] = !op.Data && !op.Pre
	return r
}

// steps is the steps of a volume in Pre's sum: 1 unless Steps says more.
func (op ConvAct) steps() int { return max(1, op.Steps) }

// first is the index of the first pair's input: 1 after Pre's sum.
func (op ConvAct) first() int {
	if op.Pre {
		return 1
	}
	return 0
}

// geoms checks the shapes and returns each pair's geometry and the
// output's shape.
func (op ConvAct) geoms(s []tensor.Shape) ([]geom, tensor.Shape, error) {
	if op.Inputs < 0 || op.Inputs == 0 && !op.Pre {
		return nil, nil, fmt.Errorf("%s: no inputs", op)
	}
	b := s[len(s)-1]
	if len(b) != 1 {
		return nil, nil, fmt.Errorf("%s: bias %v is not a vector", op, b)
	}
	var out tensor.Shape
	if op.Pre {
		T := op.steps()
		if p := s[0]; len(p) != 4 || p[0]%T != 0 || op.Step < 0 || op.Step >= T {
			return nil, nil, fmt.Errorf("%s: sum %v is not a 4-D batch of %d-step volumes", op, p, T)
		}
		out = tensor.Shape{s[0][0] / T, s[0][1], s[0][2], s[0][3]}
	}
	gs := make([]geom, op.Inputs)
	pairs := s[op.first():]
	for k := range gs {
		x, w := pairs[2*k], pairs[2*k+1]
		g, err := convGeom(op.String(), x, w, op.Stride, op.Pad)
		if err != nil {
			return nil, nil, err
		}
		shape := tensor.Shape{x[0], w[0], g.oh, g.ow}
		if out == nil {
			out = shape
		}
		if !shape.Eq(out) && op.Pre {
			return nil, nil, fmt.Errorf("%s: input %d %v with weights %v does not match the sum %v", op, k+1, x, w, out)
		}
		if !shape.Eq(out) {
			return nil, nil, fmt.Errorf("%s: input %d %v with weights %v does not match input 1 %v with %v", op, k+1, x, w, pairs[0], pairs[1])
		}
		gs[k] = g
	}
	if b[0] != out[1] {
		return nil, nil, fmt.Errorf("%s: bias %v does not fit %d filters", op, b, out[1])
	}
	return gs, out, nil
}

func (op ConvAct) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	_, out, err := op.geoms(s)
	return out, err
}

func (op ConvAct) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	gs, shape, err := op.geoms(s)
	if err != nil {
		return nil, err
	}
	n, o, oh, ow, b := shape[0], shape[1], shape[2], shape[3], d[len(d)-1]
	cols := oh * ow
	// Every element is written (the sum is copied, or the first product
	// has beta 0): a kept buffer needs no clearing.
	out, y, _ := op.Out.dense(n, o, oh, ow)
	colSize := 0
	for _, g := range gs {
		colSize = max(colSize, g.rows*cols)
	}
	ys, pairs := o*cols, d[op.first():]
	// conv computes output rows [lo, hi) of image i, columns and all.
	conv := func(col []float32, i, lo, hi int) {
		c0, c1 := lo*ow, hi*ow
		yi := y[i*ys : (i+1)*ys]
		beta := float32(0)
		if op.Pre {
			at := i*op.steps() + op.Step
			pi := d[0][at*ys : (at+1)*ys]
			for ch := 0; ch < o; ch++ {
				copy(yi[ch*cols+c0:ch*cols+c1], pi[ch*cols+c0:ch*cols+c1])
			}
			beta = 1
		}
		for k, g := range gs {
			xs := g.c * g.h * g.w
			g.im2col(pairs[2*k][i*xs:(i+1)*xs], col, lo, hi)
			sgemm(false, false, o, c1-c0, g.rows, 1, pairs[2*k+1], g.rows, col[c0:], cols, beta, yi[c0:], cols)
			beta = 1
		}
		biasActRowsC(yi[c0:], o, c1-c0, cols, b, op.Tanh)
	}
	if n >= workers() {
		eachImage(n, colSize, func(col []float32, i int) { conv(col, i, 0, oh) })
		return out, nil
	}
	col := getScratch(colSize)
	defer putScratch(col)
	for i := 0; i < n; i++ {
		parallel(oh, 2, func(lo, hi int) { conv(*col, i, lo, hi) })
	}
	return out, nil
}

func (op ConvAct) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.Pre {
		return nil, fmt.Errorf("%s: a precomputed sum is for inference only", op)
	}
	dz, err := preActGrad(op.Tanh && !op.GradPreAct, out, grad)
	if err != nil {
		return nil, err
	}
	r := make(G.Nodes, len(in))
	for k := 0; k < op.Inputs; k++ {
		x, w := in[2*k], in[2*k+1]
		if r[2*k+1], err = apply(ConvGradW{Stride: op.Stride, Pad: op.Pad, K: w.Shape()[2], Out: new(Buffer)}, x, dz); err != nil {
			return nil, err
		}
		if k == 0 && op.Data {
			continue
		}
		through := k == 0 && op.InTanh
		if r[2*k], err = applyThrough(ConvT{Stride: op.Stride, Pad: op.Pad, OutH: x.Shape()[2], OutW: x.Shape()[3],
			ThroughTanh: through, Out: new(Buffer)}, through, x, dz, w); err != nil {
			return nil, err
		}
	}
	if r[len(r)-1], err = apply(ChannelSum{}, dz); err != nil {
		return nil, err
	}
	return r, nil
}

// ConvTAct is act(convT(y, w) + b): ConvT's inputs followed by the bias
// b [C]. InTanh and GradPreAct are ConvAct's. Out, if set, keeps the
// output between runs.
type ConvTAct struct {
	common
	Stride, Pad, OutH, OutW int
	Tanh                    bool
	InTanh, GradPreAct      bool
	Out                     *Buffer
}

func (op ConvTAct) String() string {
	return fmt.Sprintf("ConvTAct(s=%d,p=%d,out=%dx%d,tanh=%v%s)",
		op.Stride, op.Pad, op.OutH, op.OutW, op.Tanh, flags("intanh", op.InTanh, "preact", op.GradPreAct))
}
func (op ConvTAct) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvTAct) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvTAct) Arity() int            { return 3 }
func (op ConvTAct) Type() hm.Type         { return fnType(4, 4, 1, 4) }
func (op ConvTAct) DiffWRT(n int) []bool  { return allTrue(n) }
func (op ConvTAct) plain() ConvT {
	return ConvT{Stride: op.Stride, Pad: op.Pad, OutH: op.OutH, OutW: op.OutW, InTanh: op.InTanh}
}

func (op ConvTAct) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), 3, in)
	if err != nil {
		return nil, err
	}
	if _, err := op.geom(s); err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][1], op.OutH, op.OutW}, nil
}

// geom checks the shapes and returns the geometry of the Conv the
// deconvolution is the adjoint of.
func (op ConvTAct) geom(s []tensor.Shape) (geom, error) {
	g, err := op.plain().geom(s[0], s[1])
	if err != nil {
		return geom{}, err
	}
	if len(s[2]) != 1 || s[2][0] != s[1][1] {
		return geom{}, fmt.Errorf("%s: bias %v does not fit weights %v", op, s[2], s[1])
	}
	return g, nil
}

func (op ConvTAct) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 3, vs)
	if err != nil {
		return nil, err
	}
	g, err := op.geom(s)
	if err != nil {
		return nil, err
	}
	y, w, b := d[0], d[1], d[2]
	n, o := s[0][0], s[1][0]
	out, x, zeroed := op.Out.dense(n, g.c, g.h, g.w)
	xs, ys, plane, kk := g.c*g.h*g.w, o*g.cols, g.h*g.w, g.k*g.k
	// deconv computes channels [lo, hi) of image i; col2im adds, so a kept
	// buffer is cleared first, by the cores that fill it.
	deconv := func(col []float32, i, lo, hi int) {
		xi, yi := x[i*xs:(i+1)*xs], y[i*ys:(i+1)*ys]
		if !zeroed {
			clear(xi[lo*plane : hi*plane])
		}
		r0, r1 := lo*kk, hi*kk
		sgemm(true, false, r1-r0, g.cols, o, 1, w[r0:], g.rows, yi, g.cols, 0, col[r0*g.cols:], g.cols)
		g.col2im(col, xi, lo, hi)
		biasActRowsC(xi[lo*plane:], hi-lo, plane, plane, b[lo:], op.Tanh)
	}
	if n >= workers() || g.c < 2 {
		eachImage(n, g.rows*g.cols, func(col []float32, i int) { deconv(col, i, 0, g.c) })
		return out, nil
	}
	col := getScratch(g.rows * g.cols)
	defer putScratch(col)
	for i := 0; i < n; i++ {
		parallel(g.c, 2, func(lo, hi int) { deconv(*col, i, lo, hi) })
	}
	return out, nil
}

func (op ConvTAct) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dz, err := preActGrad(op.Tanh && !op.GradPreAct, out, grad)
	if err != nil {
		return nil, err
	}
	r, err := op.plain().SymDiff(in[:2], nil, dz)
	if err != nil {
		return nil, err
	}
	db, err := apply(ChannelSum{}, dz)
	if err != nil {
		return nil, err
	}
	return append(r, db), nil
}

// preActGrad is the gradient before a fused op's activation, given the
// output's: through tanh (from its output) where tanh is set, else grad.
func preActGrad(tanh bool, out, grad *G.Node) (*G.Node, error) {
	if !tanh {
		return grad, nil
	}
	return apply(TanhGrad{Out: new(Buffer)}, out, grad)
}
