// This file holds the packed gradients of the ops whose backward pass is
// one op for all inputs (GatesBack): their gradients lie end to end in one
// flat tensor, and Part cuts them apart.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// parts cuts a backward op's flat output into one gradient per input, in
// input order.
func parts(back *G.Node, in G.Nodes) (G.Nodes, error) {
	r := make(G.Nodes, len(in))
	off := 0
	for i, x := range in {
		var err error
		if r[i], err = apply(Part{Off: off, Shape: x.Shape().Clone()}, back); err != nil {
			return nil, err
		}
		off += x.Shape().TotalSize()
	}
	return r, nil
}

// packed lays out the gradients of inputs of the given shapes one after
// another in one flat slice, kept in buf between runs; zeroed says
// whether it is new (all zeros) or kept (last run's values).
func packed(buf *Buffer, shapes []tensor.Shape) (out *tensor.Dense, grads [][]float32, zeroed bool) {
	out, flat, zeroed := buf.dense(totalSize(shapes))
	grads = make([][]float32, len(shapes))
	off := 0
	for i, s := range shapes {
		grads[i] = flat[off : off+s.TotalSize()]
		off += s.TotalSize()
	}
	return out, grads, zeroed
}

// totalSize is the number of values in tensors of the given shapes.
func totalSize(s []tensor.Shape) int {
	n := 0
	for _, x := range s {
		n += x.TotalSize()
	}
	return n
}

// Part is Shape's worth of values from offset Off of a flat tensor, a
// view that shares its memory: it cuts the backward ops' packed gradients
// apart. Backward passes only.
type Part struct {
	common
	Off   int
	Shape tensor.Shape
}

func (op Part) String() string        { return fmt.Sprintf("Part(off=%d,shape=%v)", op.Off, op.Shape) }
func (op Part) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Part) Hashcode() uint32      { return hashString(op.String()) }
func (op Part) Arity() int            { return 1 }
func (op Part) Type() hm.Type         { return fnType(1, len(op.Shape)) }
func (op Part) DiffWRT(n int) []bool  { return make([]bool, n) }
func (op Part) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op Part) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 1, in, op.shape)
}

// shape checks the input's shape and returns the output's.
func (op Part) shape(s []tensor.Shape) (tensor.Shape, error) {
	if len(s[0]) != 1 || op.Off < 0 || op.Off+op.Shape.TotalSize() > s[0][0] {
		return nil, fmt.Errorf("%s: input %v is too short", op, s[0])
	}
	return op.Shape.Clone(), nil
}

func (op Part) Do(vs ...G.Value) (G.Value, error) {
	d, _, _, err := shapedInputs(op.String(), 1, vs, op.shape)
	if err != nil {
		return nil, err
	}
	n := op.Shape.TotalSize()
	return tensor.New(tensor.WithShape(op.Shape...), tensor.WithBacking(d[0][op.Off:op.Off+n:op.Off+n])), nil
}
