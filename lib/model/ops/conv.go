// This file holds the convolution family: Conv (cross-correlation, as in
// every deep learning library), ConvT (its adjoint, the transposed
// convolution or "deconvolution") and ConvGradW (the weight gradient of
// both). Each one's gradients are the other two, so autodiff stays inside
// the family.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// geom is a square-kernel convolution's geometry on one image.
type geom struct {
	c, h, w    int // input channels and size
	k, s, p    int // kernel, stride, zero padding
	oh, ow     int // output size
	rows, cols int // column matrix: c*k*k rows, oh*ow columns
}

func newGeom(c, h, w, k, s, p int) geom {
	oh := (h+2*p-k)/s + 1
	ow := (w+2*p-k)/s + 1
	return geom{c: c, h: h, w: w, k: k, s: s, p: p, oh: oh, ow: ow, rows: c * k * k, cols: oh * ow}
}

// Conv is a 2-D cross-correlation without bias: x [N,C,H,W] and weights
// [O,C,K,K] give [N,O,(H+2P-K)/S+1,(W+2P-K)/S+1]. With Data set, x is
// taken as data rather than a function of the weights and gets no
// gradient: the first layer's would be a full-size deconvolution that
// nothing reads. With ThroughTanh set (backward passes only) a third
// input y, a tanh output of the result's shape, follows, and the result
// is taken through that tanh: multiplied by 1 - y². Out, if set, keeps
// the output between runs.
type Conv struct {
	common
	Stride, Pad int
	Data        bool
	ThroughTanh bool
	Out         *Buffer
}

func (op Conv) String() string {
	return fmt.Sprintf("Conv(s=%d,p=%d%s)", op.Stride, op.Pad, flags("data", op.Data, "through", op.ThroughTanh))
}

// flags names the set ones of name, value pairs, for an op's String:
// ",a,b", or "" when none is set.
func flags(pairs ...any) string {
	var s string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1].(bool) {
			s += "," + pairs[i].(string)
		}
	}
	return s
}
func (op Conv) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Conv) Hashcode() uint32      { return hashString(op.String()) }
func (op Conv) Arity() int            { return 2 + throughArity(op.ThroughTanh) }
func (op Conv) Type() hm.Type         { return fnType(ranks(op.Arity() + 1)...) }
func (op Conv) DiffWRT(n int) []bool {
	r := []bool{!op.Data, true}
	return append(r, make([]bool, n-len(r))...)
}

// throughArity is the inputs a ThroughTanh flag adds: the tanh output.
func throughArity(through bool) int {
	if through {
		return 1
	}
	return 0
}

// ranks is n 4-D tensors' ranks.
func ranks(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = 4
	}
	return r
}

// checkThrough checks a ThroughTanh op's tanh output against its result's
// shape; without the flag there is nothing to check.
func checkThrough(op string, through bool, s []tensor.Shape, out tensor.Shape) error {
	if through && !s[len(s)-1].Eq(out) {
		return fmt.Errorf("%s: tanh output %v does not fit result %v", op, s[len(s)-1], out)
	}
	return nil
}

// throughTanh takes dst, a gradient at a tanh's output y, through the
// tanh, in place, on the calling goroutine.
func throughTanh(y, dst []float32) { tanhGradC(y, dst, dst) }

// convGeom checks an image shape against weights and returns the geometry.
func convGeom(name string, x, w tensor.Shape, s, p int) (geom, error) {
	if len(x) != 4 || len(w) != 4 {
		return geom{}, fmt.Errorf("%s: shapes %v and %v, want 4-D input and weights", name, x, w)
	}
	if x[1] != w[1] || w[2] != w[3] {
		return geom{}, fmt.Errorf("%s: input %v does not fit weights %v", name, x, w)
	}
	g := newGeom(x[1], x[2], x[3], w[2], s, p)
	if g.oh < 1 || g.ow < 1 {
		return geom{}, fmt.Errorf("%s: input %v smaller than kernel %v", name, x, w)
	}
	return g, nil
}

func (op Conv) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	_, out, err := op.geom(s)
	return out, err
}

// geom checks the shapes and returns the geometry and the output's shape.
func (op Conv) geom(s []tensor.Shape) (geom, tensor.Shape, error) {
	g, err := convGeom(op.String(), s[0], s[1], op.Stride, op.Pad)
	if err != nil {
		return geom{}, nil, err
	}
	out := tensor.Shape{s[0][0], s[1][0], g.oh, g.ow}
	return g, out, checkThrough(op.String(), op.ThroughTanh, s, out)
}

func (op Conv) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	x, w := d[0], d[1]
	g, _, err := op.geom(s)
	if err != nil {
		return nil, err
	}
	n, o := s[0][0], s[1][0]
	out, y, _ := op.Out.dense(n, o, g.oh, g.ow) // every element is written (beta 0)
	xs, ys := g.c*g.h*g.w, o*g.cols
	if n >= workers() {
		eachImage(n, g.rows*g.cols, func(col []float32, i int) {
			g.im2col(x[i*xs:(i+1)*xs], col, 0, g.oh)
			yi := y[i*ys : (i+1)*ys]
			sgemm(false, false, o, g.cols, g.rows, 1, w, g.rows, col, g.cols, 0, yi, g.cols)
			if op.ThroughTanh {
				throughTanh(d[2][i*ys:(i+1)*ys], yi)
			}
		})
		return out, nil
	}
	// Fewer images than cores (the ConvLSTM at batch 1): the cores split
	// each image's output rows, columns and product alike.
	col := getScratch(g.rows * g.cols)
	defer putScratch(col)
	for i := 0; i < n; i++ {
		xi, yi := x[i*xs:(i+1)*xs], y[i*ys:(i+1)*ys]
		parallel(g.oh, 2, func(lo, hi int) {
			g.im2col(xi, *col, lo, hi)
			c0, c1 := lo*g.ow, hi*g.ow
			sgemm(false, false, o, c1-c0, g.rows, 1, w, g.rows, (*col)[c0:], g.cols, 0, yi[c0:], g.cols)
		})
		if op.ThroughTanh {
			ti := d[2][i*ys : (i+1)*ys]
			parallel(len(yi), 1<<14, func(lo, hi int) { throughTanh(ti[lo:hi], yi[lo:hi]) })
		}
	}
	return out, nil
}

func (op Conv) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.ThroughTanh {
		return nil, fmt.Errorf("%s: second derivatives are not supported", op)
	}
	x, w := in[0], in[1]
	dw, err := apply(ConvGradW{Stride: op.Stride, Pad: op.Pad, K: w.Shape()[2], Out: new(Buffer)}, x, grad)
	if err != nil {
		return nil, err
	}
	if op.Data {
		return G.Nodes{nil, dw}, nil
	}
	dx, err := apply(ConvT{Stride: op.Stride, Pad: op.Pad, OutH: x.Shape()[2], OutW: x.Shape()[3], Out: new(Buffer)}, grad, w)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}

// ConvT is the transposed convolution, the adjoint of Conv with the same
// weights: y [N,O,h,w] and weights [O,C,K,K] give [N,C,OutH,OutW], where a
// Conv of that output with these weights has size h x w. OutH and OutW are
// explicit because strided convolutions map several sizes onto one.
// ThroughTanh is Conv's; with InTanh set, y is a tanh output and the
// gradient passed to it is taken through the tanh (see ConvAct.InTanh).
// Out, if set, keeps the output between runs.
type ConvT struct {
	common
	Stride, Pad, OutH, OutW int
	ThroughTanh, InTanh     bool
	Out                     *Buffer
}

func (op ConvT) String() string {
	return fmt.Sprintf("ConvT(s=%d,p=%d,out=%dx%d%s)", op.Stride, op.Pad, op.OutH, op.OutW, flags("through", op.ThroughTanh, "intanh", op.InTanh))
}
func (op ConvT) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvT) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvT) Arity() int            { return 2 + throughArity(op.ThroughTanh) }
func (op ConvT) Type() hm.Type         { return fnType(ranks(op.Arity() + 1)...) }
func (op ConvT) DiffWRT(n int) []bool {
	r := []bool{true, true}
	return append(r, make([]bool, n-len(r))...)
}

// geom returns the geometry of the Conv this op is the adjoint of.
func (op ConvT) geom(y, w tensor.Shape) (geom, error) {
	if len(y) != 4 || len(w) != 4 || w[2] != w[3] {
		return geom{}, fmt.Errorf("%s: shapes %v and %v, want 4-D input and square weights", op, y, w)
	}
	if y[1] != w[0] {
		return geom{}, fmt.Errorf("%s: input %v does not fit weights %v", op, y, w)
	}
	g := newGeom(w[1], op.OutH, op.OutW, w[2], op.Stride, op.Pad)
	if g.oh != y[2] || g.ow != y[3] {
		return geom{}, fmt.Errorf("%s: input %v does not map onto %dx%d", op, y, op.OutH, op.OutW)
	}
	return g, nil
}

func (op ConvT) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	_, out, err := op.checked(s)
	return out, err
}

// checked checks all inputs' shapes and returns the geometry and the
// output's shape.
func (op ConvT) checked(s []tensor.Shape) (geom, tensor.Shape, error) {
	g, err := op.geom(s[0], s[1])
	if err != nil {
		return geom{}, nil, err
	}
	out := tensor.Shape{s[0][0], s[1][1], op.OutH, op.OutW}
	return g, out, checkThrough(op.String(), op.ThroughTanh, s, out)
}

func (op ConvT) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	y, w := d[0], d[1]
	g, _, err := op.checked(s)
	if err != nil {
		return nil, err
	}
	n, o := s[0][0], s[1][0]
	// col2im adds: a kept buffer is cleared first, by the cores that fill it.
	out, x, zeroed := op.Out.dense(n, g.c, g.h, g.w)
	xs, ys, plane := g.c*g.h*g.w, o*g.cols, g.h*g.w
	if n >= workers() || g.c < 2 {
		eachImage(n, g.rows*g.cols, func(col []float32, i int) {
			sgemm(true, false, g.rows, g.cols, o, 1, w, g.rows, y[i*ys:(i+1)*ys], g.cols, 0, col, g.cols)
			if !zeroed {
				clear(x[i*xs : (i+1)*xs])
			}
			g.col2im(col, x[i*xs:(i+1)*xs], 0, g.c)
			if op.ThroughTanh {
				throughTanh(d[2][i*xs:(i+1)*xs], x[i*xs:(i+1)*xs])
			}
		})
		return out, nil
	}
	// Fewer images than cores: the cores split each image's channels, the
	// product's rows with them.
	col := getScratch(g.rows * g.cols)
	defer putScratch(col)
	kk := g.k * g.k
	for i := 0; i < n; i++ {
		xi, yi := x[i*xs:(i+1)*xs], y[i*ys:(i+1)*ys]
		parallel(g.c, 2, func(lo, hi int) {
			r0, r1 := lo*kk, hi*kk
			sgemm(true, false, r1-r0, g.cols, o, 1, w[r0:], g.rows, yi, g.cols, 0, (*col)[r0*g.cols:], g.cols)
			if !zeroed {
				clear(xi[lo*plane : hi*plane])
			}
			g.col2im(*col, xi, lo, hi)
			if op.ThroughTanh {
				throughTanh(d[2][i*xs+lo*plane:i*xs+hi*plane], xi[lo*plane:hi*plane])
			}
		})
	}
	return out, nil
}

func (op ConvT) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.ThroughTanh {
		return nil, fmt.Errorf("%s: second derivatives are not supported", op)
	}
	back, err := apply(ConvTBack{Stride: op.Stride, Pad: op.Pad, ThroughTanh: op.InTanh, Out: new(Buffer)}, grad, in[1], in[0])
	if err != nil {
		return nil, err
	}
	return parts(back, in)
}

// ConvTBack is ConvT's backward pass in one op: the output's gradient g
// [N,C,OutH,OutW], the weights w [O,C,K,K] and ConvT's input y [N,O,h,w]
// give the gradients of y (Conv of g with w, taken through y's tanh with
// ThroughTanh) and of w (ConvGradW of g and y), end to end in one flat
// tensor, from one im2col of g per image where Conv and ConvGradW would
// each make their own. Backward passes only. Out, if set, keeps the
// output between runs.
type ConvTBack struct {
	common
	Stride, Pad int
	ThroughTanh bool
	Out         *Buffer
}

func (op ConvTBack) String() string {
	return fmt.Sprintf("ConvTBack(s=%d,p=%d%s)", op.Stride, op.Pad, flags("through", op.ThroughTanh))
}
func (op ConvTBack) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvTBack) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvTBack) Arity() int            { return 3 }
func (op ConvTBack) Type() hm.Type         { return fnType(4, 4, 4, 1) }
func (op ConvTBack) DiffWRT(n int) []bool  { return make([]bool, n) }
func (op ConvTBack) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

// plain are the two ops ConvTBack does the work of.
func (op ConvTBack) plain(k int) (Conv, ConvGradW) {
	return Conv{Stride: op.Stride, Pad: op.Pad, ThroughTanh: op.ThroughTanh}, ConvGradW{Stride: op.Stride, Pad: op.Pad, K: k}
}

// shapes checks the inputs and returns the geometry of g's convolution
// and the shapes of y and w, the gradients' order in the output.
func (op ConvTBack) shapes(s []tensor.Shape) (geom, []tensor.Shape, error) {
	if len(s[1]) != 4 {
		return geom{}, nil, fmt.Errorf("%s: weights %v are not 4-D", op, s[1])
	}
	conv, gradW := op.plain(s[1][2])
	g, out, err := conv.geom(append([]tensor.Shape{s[0], s[1]}, s[2:3]...))
	if err != nil {
		return geom{}, nil, err
	}
	if !out.Eq(s[2]) {
		return geom{}, nil, fmt.Errorf("%s: input %v does not fit the gradient %v and weights %v", op, s[2], s[0], s[1])
	}
	if _, err := gradW.geom(s[0], s[2]); err != nil {
		return geom{}, nil, err
	}
	return g, []tensor.Shape{s[2], s[1]}, nil
}

func (op ConvTBack) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), 3, in)
	if err != nil {
		return nil, err
	}
	_, parts, err := op.shapes(s)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{totalSize(parts)}, nil
}

func (op ConvTBack) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 3, vs)
	if err != nil {
		return nil, err
	}
	g, shapes, err := op.shapes(s)
	if err != nil {
		return nil, err
	}
	out, dst, zeroed := packed(op.Out, shapes)
	gr, w, y := d[0], d[1], d[2]
	dy, dw := dst[0], dst[1] // dy is written whole; the products add into dw
	if !zeroed {
		clear(dw)
	}
	n, o := s[0][0], s[1][0]
	if n < workers() {
		// Fewer images than cores: the two ops, each splitting one image.
		conv, gradW := op.plain(s[1][2])
		in := []G.Value{vs[0], vs[1]}
		if op.ThroughTanh {
			in = append(in, vs[2])
		}
		for k, r := range []struct {
			op G.Op
			in []G.Value
		}{{conv, in}, {gradW, []G.Value{vs[0], vs[2]}}} {
			v, err := r.op.Do(r.in...)
			if err != nil {
				return nil, err
			}
			copy(dst[k], v.(tensor.Tensor).Data().([]float32))
		}
		return out, nil
	}
	partial, add := workerSums(dw, n)
	gs, ys := g.c*g.h*g.w, o*g.cols
	perImage(n, g.rows*g.cols, func(col []float32, k, i int) {
		g.im2col(gr[i*gs:(i+1)*gs], col, 0, g.oh)
		yi, dyi := y[i*ys:(i+1)*ys], dy[i*ys:(i+1)*ys]
		sgemm(false, false, o, g.cols, g.rows, 1, w, g.rows, col, g.cols, 0, dyi, g.cols)
		if op.ThroughTanh {
			throughTanh(yi, dyi)
		}
		sgemm(false, true, o, g.rows, g.cols, 1, yi, g.cols, col, g.cols, 1, partial[k], g.rows)
	})
	add()
	return out, nil
}

// ConvGradW is the weight gradient of Conv: images x [N,C,H,W] and output
// gradients dy [N,O,h,w] give sum over n of dy_n times im2col(x_n)
// transposed, shaped [O,C,K,K]. With the roles swapped it is also the
// weight gradient of ConvT. Out, if set, keeps the output between runs.
type ConvGradW struct {
	common
	Stride, Pad, K int
	Out            *Buffer
}

func (op ConvGradW) String() string {
	return fmt.Sprintf("ConvGradW(s=%d,p=%d,k=%d)", op.Stride, op.Pad, op.K)
}
func (op ConvGradW) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvGradW) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvGradW) Arity() int            { return 2 }
func (op ConvGradW) Type() hm.Type         { return fnType(4, 4, 4) }
func (op ConvGradW) DiffWRT(int) []bool    { return []bool{true, true} }

func (op ConvGradW) geom(x, dy tensor.Shape) (geom, error) {
	if len(x) != 4 || len(dy) != 4 || x[0] != dy[0] {
		return geom{}, fmt.Errorf("%s: shapes %v and %v, want 4-D with the same batch", op, x, dy)
	}
	g := newGeom(x[1], x[2], x[3], op.K, op.Stride, op.Pad)
	if g.oh != dy[2] || g.ow != dy[3] {
		return geom{}, fmt.Errorf("%s: gradient %v does not fit input %v", op, dy, x)
	}
	return g, nil
}

func (op ConvGradW) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), 2, in)
	if err != nil {
		return nil, err
	}
	if _, err := op.geom(s[0], s[1]); err != nil {
		return nil, err
	}
	return tensor.Shape{s[1][1], s[0][1], op.K, op.K}, nil
}

func (op ConvGradW) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 2, vs)
	if err != nil {
		return nil, err
	}
	x, dy := d[0], d[1]
	g, err := op.geom(s[0], s[1])
	if err != nil {
		return nil, err
	}
	n, o := s[0][0], s[1][1]
	// The products add into dw: a kept buffer is cleared first.
	out, dw, zeroed := op.Out.dense(o, g.c, op.K, op.K)
	if !zeroed {
		clear(dw)
	}
	xs, ys := g.c*g.h*g.w, o*g.cols
	if n < workers() {
		// Fewer images than cores: the cores split the column matrix's
		// rows, then the gradient's rows.
		col := getScratch(g.rows * g.cols)
		defer putScratch(col)
		for i := 0; i < n; i++ {
			xi, dyi := x[i*xs:(i+1)*xs], dy[i*ys:(i+1)*ys]
			parallel(g.oh, 2, func(lo, hi int) { g.im2col(xi, *col, lo, hi) })
			parallel(o, 2, func(lo, hi int) {
				sgemm(false, true, hi-lo, g.rows, g.cols, 1, dyi[lo*g.cols:], g.cols, *col, g.cols, 1, dw[lo*g.rows:], g.rows)
			})
		}
		return out, nil
	}
	parts, add := workerSums(dw, n)
	perImage(n, g.rows*g.cols, func(col []float32, w, i int) {
		g.im2col(x[i*xs:(i+1)*xs], col, 0, g.oh)
		sgemm(false, true, o, g.rows, g.cols, 1, dy[i*ys:(i+1)*ys], g.cols, col, g.cols, 1, parts[w], g.rows)
	})
	add()
	return out, nil
}

// workerSums gives each worker of perImage over n images a zeroed sum of
// dst's size, the first dst itself; add adds the others into dst in
// worker order, so the result is the same however the images were
// shared out, and returns their memory.
func workerSums(dst []float32, n int) (sums [][]float32, add func()) {
	sums = make([][]float32, max(1, min(n, workers())))
	sums[0] = dst
	scratch := make([]*[]float32, 0, len(sums)-1)
	for w := 1; w < len(sums); w++ {
		p := getScratch(len(dst))
		scratch = append(scratch, p)
		sums[w] = *p
		clear(sums[w])
	}
	return sums, func() {
		for _, p := range sums[1:] {
			for j, v := range p {
				dst[j] += v
			}
		}
		for _, p := range scratch {
			putScratch(p)
		}
	}
}

func (op ConvGradW) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	x, dy := in[0], in[1]
	dx, err := apply(ConvT{Stride: op.Stride, Pad: op.Pad, OutH: x.Shape()[2], OutW: x.Shape()[3]}, dy, grad)
	if err != nil {
		return nil, err
	}
	ddy, err := apply(Conv{Stride: op.Stride, Pad: op.Pad}, x, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, ddy}, nil
}
