// This file holds the backward ops of the fused layers' bias and tanh
// (fused.go): the tanh gradient and the channel sum, the bias's gradient.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TanhGrad maps a tanh output y and its gradient g to g*(1-y*y), the
// gradient at tanh's input. It is used only in backward passes and is not
// itself differentiable. Out, if set, keeps the output between runs.
type TanhGrad struct {
	common
	Out *Buffer
}

func (op TanhGrad) String() string        { return "TanhGrad" }
func (op TanhGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op TanhGrad) Hashcode() uint32      { return hashString(op.String()) }
func (op TanhGrad) Arity() int            { return 2 }
func (op TanhGrad) Type() hm.Type         { return fnType(4, 4, 4) }
func (op TanhGrad) DiffWRT(int) []bool    { return []bool{false, false} }
func (op TanhGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op TanhGrad) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 2, in, sameShapes(op.String()))
}

func (op TanhGrad) Do(vs ...G.Value) (G.Value, error) {
	d, s, _, err := shapedInputs(op.String(), 2, vs, sameShapes(op.String()))
	if err != nil {
		return nil, err
	}
	y, g := d[0], d[1]
	out, dx, _ := op.Out.dense(s[0]...) // every element is written
	parallel(len(y), 1<<14, func(lo, hi int) {
		tanhGradC(y[lo:hi], g[lo:hi], dx[lo:hi])
	})
	return out, nil
}

// ChannelSum sums x [N,C,...] over everything but the channel axis, giving
// [C]: the gradient of a channel bias. Backward passes only.
type ChannelSum struct{ common }

func (op ChannelSum) String() string        { return "ChannelSum" }
func (op ChannelSum) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op ChannelSum) Hashcode() uint32      { return hashString(op.String()) }
func (op ChannelSum) Arity() int            { return 1 }
func (op ChannelSum) Type() hm.Type         { return fnType(4, 1) }
func (op ChannelSum) DiffWRT(int) []bool    { return []bool{false} }
func (op ChannelSum) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op ChannelSum) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 1, in, op.shape)
}

// shape checks the input's shape and returns the output's.
func (op ChannelSum) shape(s []tensor.Shape) (tensor.Shape, error) {
	if len(s[0]) < 2 {
		return nil, fmt.Errorf("%s: input %v has no channel axis", op, s[0])
	}
	return tensor.Shape{s[0][1]}, nil
}

func (op ChannelSum) Do(vs ...G.Value) (G.Value, error) {
	d, s, _, err := shapedInputs(op.String(), 1, vs, op.shape)
	if err != nil {
		return nil, err
	}
	x, c := d[0], s[0][1]
	out, b := newDense(c)
	plane := len(x) / (s[0][0] * c)
	// Each plane's sum in parallel, then added per channel in plane order:
	// the same result on any number of cores.
	sums := make([]float64, len(x)/plane)
	parallel(len(sums), 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			sums[p] = sum64(x[p*plane : (p+1)*plane])
		}
	})
	for p, sum := range sums {
		b[p%c] += float32(sum)
	}
	return out, nil
}

// sum64 is the sum of x in float64, over four running sums so that the
// additions do not wait on each other.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}
