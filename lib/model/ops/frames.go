// This file holds the ops that move between a batch of volumes laid out
// frame by frame, [N*T,C,H,W] with image n*T+t holding frame t of volume
// n, and one time step of it, [N,C,H,W]: the spatial layers run on all
// frames at once, the ConvLSTM one step at a time.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// FrameSlice takes step Step of T from [N*T,C,H,W], giving [N,C,H,W].
// Out, if set, keeps the output between runs.
type FrameSlice struct {
	common
	T, Step int
	Out     *Buffer
}

func (op FrameSlice) String() string        { return fmt.Sprintf("FrameSlice(T=%d,t=%d)", op.T, op.Step) }
func (op FrameSlice) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op FrameSlice) Hashcode() uint32      { return hashString(op.String()) }
func (op FrameSlice) Arity() int            { return 1 }
func (op FrameSlice) Type() hm.Type         { return fnType(4, 4) }
func (op FrameSlice) DiffWRT(int) []bool    { return []bool{true} }

func (op FrameSlice) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 1, in, op.shape)
}

// shape checks the input's shape and returns the output's.
func (op FrameSlice) shape(s []tensor.Shape) (tensor.Shape, error) {
	if len(s[0]) != 4 || s[0][0]%op.T != 0 || op.Step < 0 || op.Step >= op.T {
		return nil, fmt.Errorf("%s: input %v is not a batch of %d-frame volumes", op, s[0], op.T)
	}
	return tensor.Shape{s[0][0] / op.T, s[0][1], s[0][2], s[0][3]}, nil
}

func (op FrameSlice) Do(vs ...G.Value) (G.Value, error) {
	d, _, shape, err := shapedInputs(op.String(), 1, vs, op.shape)
	if err != nil {
		return nil, err
	}
	out, y, _ := op.Out.dense(shape...) // every element is written
	img := shape[1] * shape[2] * shape[3]
	for b := 0; b < shape[0]; b++ {
		src := (b*op.T + op.Step) * img
		copy(y[b*img:(b+1)*img], d[0][src:src+img])
	}
	return out, nil
}

func (op FrameSlice) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(FramePlace{T: op.T, Step: op.Step}, grad)
	return G.Nodes{dx}, err
}

// FramePlace is FrameSlice's adjoint: [N,C,H,W] placed at step Step of a
// zero [N*T,C,H,W].
type FramePlace struct {
	common
	T, Step int
}

func (op FramePlace) String() string        { return fmt.Sprintf("FramePlace(T=%d,t=%d)", op.T, op.Step) }
func (op FramePlace) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op FramePlace) Hashcode() uint32      { return hashString(op.String()) }
func (op FramePlace) Arity() int            { return 1 }
func (op FramePlace) Type() hm.Type         { return fnType(4, 4) }
func (op FramePlace) DiffWRT(int) []bool    { return []bool{true} }

func (op FramePlace) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 1, in, op.shape)
}

// shape checks the input's shape and returns the output's.
func (op FramePlace) shape(s []tensor.Shape) (tensor.Shape, error) {
	if len(s[0]) != 4 || op.Step < 0 || op.Step >= op.T {
		return nil, fmt.Errorf("%s: input %v is not one step of a 4-D batch", op, s[0])
	}
	return tensor.Shape{s[0][0] * op.T, s[0][1], s[0][2], s[0][3]}, nil
}

func (op FramePlace) Do(vs ...G.Value) (G.Value, error) {
	d, s, shape, err := shapedInputs(op.String(), 1, vs, op.shape)
	if err != nil {
		return nil, err
	}
	out, y := newDense(shape...)
	img := shape[1] * shape[2] * shape[3]
	for b := 0; b < s[0][0]; b++ {
		dst := (b*op.T + op.Step) * img
		copy(y[dst:dst+img], d[0][b*img:(b+1)*img])
	}
	return out, nil
}

func (op FramePlace) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := apply(FrameSlice{T: op.T, Step: op.Step}, grad)
	return G.Nodes{dx}, err
}

// Stack joins T steps [N,C,H,W] into [N*T,C,H,W]. Out, if set, keeps the
// output between runs.
type Stack struct {
	common
	T   int
	Out *Buffer
}

func (op Stack) String() string        { return fmt.Sprintf("Stack(T=%d)", op.T) }
func (op Stack) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Stack) Hashcode() uint32      { return hashString(op.String()) }
func (op Stack) Arity() int            { return op.T }
func (op Stack) Type() hm.Type {
	r := make([]int, op.T+1)
	for i := range r {
		r[i] = 4
	}
	return fnType(r...)
}
func (op Stack) DiffWRT(n int) []bool { return allTrue(n) }

func (op Stack) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), op.T, in, op.shape)
}

// shape checks the steps' shapes and returns the output's.
func (op Stack) shape(s []tensor.Shape) (tensor.Shape, error) {
	for _, x := range s {
		if len(x) != 4 || !x.Eq(s[0]) {
			return nil, fmt.Errorf("%s: steps of shapes %v and %v", op, s[0], x)
		}
	}
	return tensor.Shape{s[0][0] * op.T, s[0][1], s[0][2], s[0][3]}, nil
}

func (op Stack) Do(vs ...G.Value) (G.Value, error) {
	d, s, shape, err := shapedInputs(op.String(), op.T, vs, op.shape)
	if err != nil {
		return nil, err
	}
	out, y, _ := op.Out.dense(shape...) // every element is written
	img := shape[1] * shape[2] * shape[3]
	for t, x := range d {
		for b := 0; b < s[0][0]; b++ {
			dst := (b*op.T + t) * img
			copy(y[dst:dst+img], x[b*img:(b+1)*img])
		}
	}
	return out, nil
}

func (op Stack) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	r := make(G.Nodes, len(in))
	for t := range in {
		n, err := apply(FrameSlice{T: op.T, Step: t, Out: new(Buffer)}, grad)
		if err != nil {
			return nil, err
		}
		r[t] = n
	}
	return r, nil
}
