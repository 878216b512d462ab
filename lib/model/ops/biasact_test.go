// BiasAct, the unfused channel bias and activation: the reference the
// fused ops are tested against, and a benchmark's subject.

package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BiasAct adds a per-channel bias b [C] to x [N,C,...] and applies tanh
// when Tanh is set (otherwise it is the identity, for the linear output).
type BiasAct struct {
	common
	Tanh bool
}

func (op BiasAct) String() string        { return fmt.Sprintf("BiasAct(tanh=%v)", op.Tanh) }
func (op BiasAct) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op BiasAct) Hashcode() uint32      { return hashString(op.String()) }
func (op BiasAct) Arity() int            { return 2 }
func (op BiasAct) Type() hm.Type         { return fnType(4, 1, 4) }
func (op BiasAct) DiffWRT(int) []bool    { return []bool{true, true} }

func (op BiasAct) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return inferShape(op.String(), 2, in, op.shape)
}

// shape checks the inputs' shapes and returns the output's.
func (op BiasAct) shape(s []tensor.Shape) (tensor.Shape, error) {
	if len(s[0]) < 2 || len(s[1]) != 1 || s[1][0] != s[0][1] {
		return nil, fmt.Errorf("%s: bias %v does not fit input %v", op, s[1], s[0])
	}
	return s[0].Clone(), nil
}

func (op BiasAct) Do(vs ...G.Value) (G.Value, error) {
	d, s, _, err := shapedInputs(op.String(), 2, vs, op.shape)
	if err != nil {
		return nil, err
	}
	x, b := d[0], d[1]
	out, y := newDense(s[0]...)
	c := s[0][1]
	plane := len(x) / (s[0][0] * c)
	parallel(len(x)/plane, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			bv := b[p%c]
			src, dst := x[p*plane:(p+1)*plane], y[p*plane:(p+1)*plane]
			copy(dst, src)
			biasActRowsC(dst, 1, plane, plane, []float32{bv}, op.Tanh)
		}
	})
	return out, nil
}

func (op BiasAct) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx := grad
	if op.Tanh {
		var err error
		if dx, err = apply(TanhGrad{}, out, grad); err != nil {
			return nil, err
		}
	}
	db, err := apply(ChannelSum{}, dx)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, db}, nil
}
