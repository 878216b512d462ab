// Package ops holds the gorgonia operations the spatiotemporal autoencoder
// is built from: convolution, transposed convolution and the weight
// gradient that joins them, the same fused with the layer's bias and
// tanh (and, for the ConvLSTM, over [x, h] at once), the fused ConvLSTM
// gates, and the frame slicing that runs the LSTM over time.
//
// All work on NCHW float32 tensors and call sgemm directly on the
// [out, in*k*k] weight matrix and per-image column buffers, so no layout
// transposes happen anywhere. Work is spread over the cores by image, or,
// when a batch has fewer images than cores (the ConvLSTM at batch 1),
// within each image by output rows or channels; OpenBLAS itself runs
// single-threaded. The loops around the products (im2col, col2im, the
// activations and the gates) are C in kernels.c, which the compiler
// vectorises. Each op is symbolically differentiable
// (gorgonia's SDOp); the gradient of every linear op is another op of this
// package, so the set is closed under differentiation.
package ops

import (
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// common supplies the Op methods that are the same for every op here.
// Each op also defines String, naming all its parameters, and hashes that
// string: gorgonia merges nodes whose ops hash alike.
type common struct{}

func (common) ReturnsPtr() bool     { return false }
func (common) CallsExtern() bool    { return true }
func (common) OverwritesInput() int { return -1 }

func hashString(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// tt is a tensor type of the given rank over the type variable a.
func tt(dims int) hm.Type { return G.TensorType{Dims: dims, Of: hm.TypeVariable('a')} }

// fnType is the type of an op from tensors of the given ranks to one of the
// last rank.
func fnType(dims ...int) hm.Type {
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = tt(d)
	}
	return hm.NewFnType(ts...)
}

// shapesOf converts InferShape's arguments.
func shapesOf(op string, want int, in []G.DimSizer) ([]tensor.Shape, error) {
	if len(in) != want {
		return nil, fmt.Errorf("%s: %d inputs, want %d", op, len(in), want)
	}
	out := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("%s: input %d: shape of type %T", op, i, d)
		}
		out[i] = s
	}
	return out, nil
}

// f32 returns a value's float32 data and shape, refusing other kinds.
func f32(op string, v G.Value) ([]float32, tensor.Shape, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: input of type %T, want a tensor", op, v)
	}
	d, ok := t.Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("%s: input of dtype %v, want float32", op, t.Dtype())
	}
	return d, t.Shape(), nil
}

// inputs unpacks Do's arguments.
func inputs(op string, want int, vs []G.Value) ([][]float32, []tensor.Shape, error) {
	if len(vs) != want {
		return nil, nil, fmt.Errorf("%s: %d inputs, want %d", op, len(vs), want)
	}
	ds := make([][]float32, want)
	ss := make([]tensor.Shape, want)
	for i, v := range vs {
		d, s, err := f32(op, v)
		if err != nil {
			return nil, nil, err
		}
		ds[i], ss[i] = d, s
	}
	return ds, ss, nil
}

// inferShape is an op's InferShape: its arity's shapes, checked by the op's
// shape method, which gives the output's.
func inferShape(op string, arity int, in []G.DimSizer, shape func([]tensor.Shape) (tensor.Shape, error)) (tensor.Shape, error) {
	s, err := shapesOf(op, arity, in)
	if err != nil {
		return nil, err
	}
	return shape(s)
}

// sameShapes is the shape method of an op over two tensors of one shape.
func sameShapes(op string) func([]tensor.Shape) (tensor.Shape, error) {
	return func(s []tensor.Shape) (tensor.Shape, error) {
		if !s[0].Eq(s[1]) {
			return nil, fmt.Errorf("%s: shapes %v and %v differ", op, s[0], s[1])
		}
		return s[0].Clone(), nil
	}
}

// shapedInputs unpacks Do's arguments as inputs does and checks their
// shapes with the op's shape method, returning the output's shape too.
func shapedInputs(op string, arity int, vs []G.Value, shape func([]tensor.Shape) (tensor.Shape, error)) ([][]float32, []tensor.Shape, tensor.Shape, error) {
	d, s, err := inputs(op, arity, vs)
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := shape(s)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, s, out, nil
}

// newDense allocates a zeroed float32 tensor.
func newDense(shape ...int) (*tensor.Dense, []float32) {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d)), d
}

// scratch keeps column buffers between calls, a free list per size: they
// are the largest temporaries, and a sync.Pool would drop them at every
// collection, to be allocated, zeroed and faulted in again. At most one
// buffer per core per size is ever in use at once.
var (
	scratchMu sync.Mutex
	scratch   = map[int][]*[]float32{}
)

func getScratch(n int) *[]float32 {
	scratchMu.Lock()
	defer scratchMu.Unlock()
	if free := scratch[n]; len(free) > 0 {
		b := free[len(free)-1]
		scratch[n] = free[:len(free)-1]
		return b
	}
	b := make([]float32, n)
	return &b
}

func putScratch(b *[]float32) {
	scratchMu.Lock()
	scratch[len(*b)] = append(scratch[len(*b)], b)
	scratchMu.Unlock()
}

// allTrue is DiffWRT for an op differentiable in all its n inputs.
func allTrue(n int) []bool {
	r := make([]bool, n)
	for i := range r {
		r[i] = true
	}
	return r
}

func apply(op G.Op, in ...*G.Node) (*G.Node, error) { return G.ApplyOp(op, in...) }

// applyThrough applies a gradient op to in, with y, the tanh output it is
// taken through, as its last input when through is set.
func applyThrough(op G.Op, through bool, y *G.Node, in ...*G.Node) (*G.Node, error) {
	if through {
		in = append(in, y)
	}
	return apply(op, in...)
}

// Buffer keeps an op's output from one run of a graph to the next: the
// layers' activations are tens of MB, and allocating them afresh each run
// costs a serial zeroing pass, page faults and collections. An op given
// one overwrites it on each run, so a graph's outputs are valid only until
// its next run; each node needs its own.
type Buffer struct{ t *tensor.Dense }

// dense returns the kept tensor if it has this shape, else a new zeroed
// one that is kept from now on; zeroed says which. A nil Buffer always
// allocates.
func (b *Buffer) dense(shape ...int) (t *tensor.Dense, d []float32, zeroed bool) {
	if b != nil && b.t != nil && b.t.Shape().Eq(tensor.Shape(shape)) {
		return b.t, b.t.Data().([]float32), false
	}
	t, d = newDense(shape...)
	if b != nil {
		b.t = t
	}
	return t, d, true
}
