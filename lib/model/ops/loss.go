// This file holds the training loss, the mean squared error between the
// output and its target, as one op with one backward op: built from
// gorgonia's Sub, Square and Mean it would keep the difference, its
// square and each of their gradients, all the size of the output.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossChunk is how many values each partial sum of the loss covers: the
// partial sums are added in order, so the loss is the same on any number
// of cores.
const lossChunk = 1 << 15

// MeanSquaredError is mean((y - t)²) over all values of y and its target
// t, of the same shape: a scalar. The target is data and gets no
// gradient.
type MeanSquaredError struct{ common }

func (op MeanSquaredError) String() string        { return "MeanSquaredError" }
func (op MeanSquaredError) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op MeanSquaredError) Hashcode() uint32      { return hashString(op.String()) }
func (op MeanSquaredError) Arity() int            { return 2 }
func (op MeanSquaredError) Type() hm.Type {
	return hm.NewFnType(tt(4), tt(4), hm.TypeVariable('a'))
}
func (op MeanSquaredError) DiffWRT(int) []bool { return []bool{true, false} }

func (op MeanSquaredError) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if _, err := inferShape(op.String(), 2, in, sameShapes(op.String())); err != nil {
		return nil, err
	}
	return tensor.ScalarShape(), nil
}

func (op MeanSquaredError) Do(vs ...G.Value) (G.Value, error) {
	d, _, _, err := shapedInputs(op.String(), 2, vs, sameShapes(op.String()))
	if err != nil {
		return nil, err
	}
	y, t := d[0], d[1]
	sums := make([]float64, (len(y)+lossChunk-1)/lossChunk)
	parallel(len(sums), 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			var s float64
			for j := c * lossChunk; j < min(len(y), (c+1)*lossChunk); j++ {
				e := float64(y[j] - t[j])
				s += e * e
			}
			sums[c] = s
		}
	})
	var sum float64
	for _, s := range sums {
		sum += s
	}
	return G.NewF32(float32(sum / float64(max(1, len(y))))), nil
}

func (op MeanSquaredError) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dy, err := apply(MeanSquaredErrorGrad{Out: new(Buffer)}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dy, nil}, nil
}

// MeanSquaredErrorGrad is the gradient of MeanSquaredError at y, given y,
// t and the loss's own gradient g: 2(y - t)g/N. Backward passes only. Out,
// if set, keeps the output between runs.
type MeanSquaredErrorGrad struct {
	common
	Out *Buffer
}

func (op MeanSquaredErrorGrad) String() string        { return "MeanSquaredErrorGrad" }
func (op MeanSquaredErrorGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op MeanSquaredErrorGrad) Hashcode() uint32      { return hashString(op.String()) }
func (op MeanSquaredErrorGrad) Arity() int            { return 3 }
func (op MeanSquaredErrorGrad) Type() hm.Type {
	return hm.NewFnType(tt(4), tt(4), hm.TypeVariable('a'), tt(4))
}
func (op MeanSquaredErrorGrad) DiffWRT(n int) []bool { return make([]bool, n) }
func (op MeanSquaredErrorGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op MeanSquaredErrorGrad) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%s: %d inputs, want 3", op, len(in))
	}
	return inferShape(op.String(), 2, in[:2], sameShapes(op.String()))
}

func (op MeanSquaredErrorGrad) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%s: %d inputs, want 3", op, len(vs))
	}
	d, _, shape, err := shapedInputs(op.String(), 2, vs[:2], sameShapes(op.String()))
	if err != nil {
		return nil, err
	}
	g, err := scalarOf(op.String(), vs[2])
	if err != nil {
		return nil, err
	}
	y, t := d[0], d[1]
	out, dy, _ := op.Out.dense(shape...) // every element is written
	k := 2 * g / float32(max(1, len(y)))
	parallel(len(y), 1<<14, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			dy[j] = k * (y[j] - t[j])
		}
	})
	return out, nil
}

// scalarOf is a scalar float32 value, as gorgonia passes a cost's gradient.
func scalarOf(op string, v G.Value) (float32, error) {
	switch s := v.(type) {
	case *G.F32:
		return float32(*s), nil
	case tensor.Tensor:
		if d, ok := s.Data().(float32); ok {
			return d, nil
		}
		if d, ok := s.Data().([]float32); ok && len(d) == 1 {
			return d[0], nil
		}
	}
	return 0, fmt.Errorf("%s: gradient of type %T, want a float32 scalar", op, v)
}
