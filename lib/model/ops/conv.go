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
// nothing reads.
type Conv struct {
	common
	Stride, Pad int
	Data        bool
}

func (op Conv) String() string {
	if op.Data {
		return fmt.Sprintf("Conv(s=%d,p=%d,data)", op.Stride, op.Pad)
	}
	return fmt.Sprintf("Conv(s=%d,p=%d)", op.Stride, op.Pad)
}
func (op Conv) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Conv) Hashcode() uint32      { return hashString(op.String()) }
func (op Conv) Arity() int            { return 2 }
func (op Conv) Type() hm.Type         { return fnType(4, 4, 4) }
func (op Conv) DiffWRT(int) []bool    { return []bool{!op.Data, true} }

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
	s, err := shapesOf(op.String(), 2, in)
	if err != nil {
		return nil, err
	}
	g, err := convGeom(op.String(), s[0], s[1], op.Stride, op.Pad)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][0], g.oh, g.ow}, nil
}

func (op Conv) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 2, vs)
	if err != nil {
		return nil, err
	}
	x, w := d[0], d[1]
	g, err := convGeom(op.String(), s[0], s[1], op.Stride, op.Pad)
	if err != nil {
		return nil, err
	}
	n, o := s[0][0], s[1][0]
	out, y := newDense(n, o, g.oh, g.ow)
	xs, ys := g.c*g.h*g.w, o*g.cols
	if n >= workers() {
		eachImage(n, g.rows*g.cols, func(col []float32, i int) {
			g.im2col(x[i*xs:(i+1)*xs], col, 0, g.oh)
			sgemm(false, false, o, g.cols, g.rows, 1, w, g.rows, col, g.cols, 0, y[i*ys:(i+1)*ys], g.cols)
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
	}
	return out, nil
}

func (op Conv) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	x, w := in[0], in[1]
	dw, err := apply(ConvGradW{Stride: op.Stride, Pad: op.Pad, K: w.Shape()[2]}, x, grad)
	if err != nil {
		return nil, err
	}
	if op.Data {
		return G.Nodes{nil, dw}, nil
	}
	dx, err := apply(ConvT{Stride: op.Stride, Pad: op.Pad, OutH: x.Shape()[2], OutW: x.Shape()[3]}, grad, w)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}

// ConvT is the transposed convolution, the adjoint of Conv with the same
// weights: y [N,O,h,w] and weights [O,C,K,K] give [N,C,OutH,OutW], where a
// Conv of that output with these weights has size h x w. OutH and OutW are
// explicit because strided convolutions map several sizes onto one. Out,
// if set, keeps the output between runs.
type ConvT struct {
	common
	Stride, Pad, OutH, OutW int
	Out                     *Buffer
}

func (op ConvT) String() string {
	return fmt.Sprintf("ConvT(s=%d,p=%d,out=%dx%d)", op.Stride, op.Pad, op.OutH, op.OutW)
}
func (op ConvT) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ConvT) Hashcode() uint32      { return hashString(op.String()) }
func (op ConvT) Arity() int            { return 2 }
func (op ConvT) Type() hm.Type         { return fnType(4, 4, 4) }
func (op ConvT) DiffWRT(int) []bool    { return []bool{true, true} }

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
	s, err := shapesOf(op.String(), 2, in)
	if err != nil {
		return nil, err
	}
	if _, err := op.geom(s[0], s[1]); err != nil {
		return nil, err
	}
	return tensor.Shape{s[0][0], s[1][1], op.OutH, op.OutW}, nil
}

func (op ConvT) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 2, vs)
	if err != nil {
		return nil, err
	}
	y, w := d[0], d[1]
	g, err := op.geom(s[0], s[1])
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
		})
	}
	return out, nil
}

func (op ConvT) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	y, w := in[0], in[1]
	dy, err := apply(Conv{Stride: op.Stride, Pad: op.Pad}, grad, w)
	if err != nil {
		return nil, err
	}
	dw, err := apply(ConvGradW{Stride: op.Stride, Pad: op.Pad, K: w.Shape()[2]}, grad, y)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dy, dw}, nil
}

// ConvGradW is the weight gradient of Conv: images x [N,C,H,W] and output
// gradients dy [N,O,h,w] give sum over n of dy_n times im2col(x_n)
// transposed, shaped [O,C,K,K]. With the roles swapped it is also the
// weight gradient of ConvT.
type ConvGradW struct {
	common
	Stride, Pad, K int
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
	out, dw := newDense(o, g.c, op.K, op.K)
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
	// One partial sum per worker, added in worker order: deterministic.
	workers := min(n, workers())
	parts := make([][]float32, workers)
	parts[0] = dw
	for w := 1; w < workers; w++ {
		parts[w] = make([]float32, len(dw))
	}
	perImage(n, g.rows*g.cols, func(col []float32, w, i int) {
		g.im2col(x[i*xs:(i+1)*xs], col, 0, g.oh)
		sgemm(false, true, o, g.rows, g.cols, 1, dy[i*ys:(i+1)*ys], g.cols, col, g.cols, 1, parts[w], g.rows)
	})
	for _, p := range parts[1:] {
		for j, v := range p {
			dw[j] += v
		}
	}
	return out, nil
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
