// This file holds the ConvLSTM's fused gate nonlinearities (equations 7-12
// of the paper with Shi et al.'s Hadamard peepholes). The gate
// pre-activations z come from one convolution over the cell input and the
// previous hidden state, with the four gates stacked on the channel axis
// in the order i, f, o, g:
//
//	i = σ(z_i + w_ci ⊙ c_prev)   f = σ(z_f + w_cf ⊙ c_prev)
//	c = f ⊙ c_prev + i ⊙ tanh(z_g)
//	o = σ(z_o + w_co ⊙ c)        h = o ⊙ tanh(c)
//
// Cell computes c and Hidden computes h. Their gradients are CellGrad and
// HiddenGrad, one op per input so every gradient is a single tensor; each
// recomputes the gates, which costs far less than the convolutions.
package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gates describes z [N,4*ch,H,W] and the state tensors [N,ch,H,W].
type gates struct{ n, ch, hw int }

func gatesOf(name string, z, c tensor.Shape, peep []tensor.Shape) (gates, error) {
	if len(z) != 4 || len(c) != 4 || z[0] != c[0] || z[1] != 4*c[1] || z[2] != c[2] || z[3] != c[3] {
		return gates{}, fmt.Errorf("%s: gates %v do not fit state %v", name, z, c)
	}
	for _, p := range peep {
		if len(p) != 3 || p[0] != c[1] || p[1] != c[2] || p[2] != c[3] {
			return gates{}, fmt.Errorf("%s: peephole %v does not fit state %v", name, p, c)
		}
	}
	return gates{n: c[0], ch: c[1], hw: c[2] * c[3]}, nil
}

// zAt returns the offset of gate q's block for image b.
func (g gates) zAt(b, q int) int { return (b*4 + q) * g.ch * g.hw }

// Cell computes the new cell state from z, c_prev and, with Peep, the
// peepholes w_ci and w_cf.
type Cell struct {
	common
	Peep bool
}

func (op Cell) String() string        { return fmt.Sprintf("LSTMCell(peep=%v)", op.Peep) }
func (op Cell) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Cell) Hashcode() uint32      { return hashString(op.String()) }
func (op Cell) Arity() int {
	if op.Peep {
		return 4
	}
	return 2
}
func (op Cell) ranks() []int {
	if op.Peep {
		return []int{4, 4, 3, 3}
	}
	return []int{4, 4}
}
func (op Cell) Type() hm.Type { return fnType(append(op.ranks(), 4)...) }
func (op Cell) DiffWRT(n int) []bool {
	r := make([]bool, n)
	for i := range r {
		r[i] = true
	}
	return r
}

func (op Cell) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	if _, err := gatesOf(op.String(), s[0], s[1], s[2:]); err != nil {
		return nil, err
	}
	return s[1].Clone(), nil
}

func (op Cell) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	g, err := gatesOf(op.String(), s[0], s[1], s[2:])
	if err != nil {
		return nil, err
	}
	out, c := newDense(s[1]...)
	cellPass(g, op.Peep, d, nil, c, nil)
	return out, nil
}

func (op Cell) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	r := make(G.Nodes, len(in))
	for i := range in {
		n, err := apply(CellGrad{Peep: op.Peep, Wrt: i}, append(append(G.Nodes{}, in...), grad)...)
		if err != nil {
			return nil, err
		}
		r[i] = n
	}
	return r, nil
}

// cellPass runs the cell forward (c != nil) or backward (gc != nil, writing
// the gradient of input wrt into dst) over inputs d = z, c_prev[, w_ci, w_cf].
func cellPass(g gates, peep bool, d [][]float32, gc, c []float32, dst func(wrt int) []float32) {
	z, cp := d[0], d[1]
	var wci, wcf []float32
	if peep {
		wci, wcf = d[2], d[3]
	}
	var dz, dcp, dwci, dwcf []float32
	if gc != nil {
		dz, dcp = dst(0), dst(1)
		if peep {
			dwci, dwcf = dst(2), dst(3)
		}
	}
	for b := 0; b < g.n; b++ {
		zi, zf, zg := z[g.zAt(b, 0):], z[g.zAt(b, 1):], z[g.zAt(b, 3):]
		so := b * g.ch * g.hw
		for j := 0; j < g.ch*g.hw; j++ {
			cpv := cp[so+j]
			ai, af := zi[j], zf[j]
			if peep {
				ai += wci[j] * cpv
				af += wcf[j] * cpv
			}
			iv, fv, gv := sigmoid32(ai), sigmoid32(af), tanh32(zg[j])
			if gc == nil {
				c[so+j] = fv*cpv + iv*gv
				continue
			}
			gcv := gc[so+j]
			di := gcv * gv * iv * (1 - iv)
			df := gcv * cpv * fv * (1 - fv)
			dg := gcv * iv * (1 - gv*gv)
			if dz != nil {
				dz[g.zAt(b, 0)+j] = di
				dz[g.zAt(b, 1)+j] = df
				dz[g.zAt(b, 3)+j] = dg
			}
			if dcp != nil {
				v := gcv * fv
				if peep {
					v += di*wci[j] + df*wcf[j]
				}
				dcp[so+j] = v
			}
			if dwci != nil {
				dwci[j] += di * cpv
			}
			if dwcf != nil {
				dwcf[j] += df * cpv
			}
		}
	}
}

// CellGrad is the gradient of Cell with respect to its input Wrt; its
// inputs are Cell's inputs followed by the gradient at c.
type CellGrad struct {
	common
	Peep bool
	Wrt  int
}

func (op CellGrad) String() string {
	return fmt.Sprintf("LSTMCellGrad(peep=%v,wrt=%d)", op.Peep, op.Wrt)
}
func (op CellGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op CellGrad) Hashcode() uint32      { return hashString(op.String()) }
func (op CellGrad) Arity() int            { return Cell{Peep: op.Peep}.Arity() + 1 }
func (op CellGrad) Type() hm.Type {
	r := Cell{Peep: op.Peep}.ranks()
	return fnType(append(append(r, 4), r[op.Wrt])...)
}
func (op CellGrad) DiffWRT(n int) []bool { return make([]bool, n) }
func (op CellGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op CellGrad) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	k := len(s) - 1
	if _, err := gatesOf(op.String(), s[0], s[1], s[2:k]); err != nil {
		return nil, err
	}
	if !s[k].Eq(s[1]) {
		return nil, fmt.Errorf("%s: gradient %v does not fit state %v", op, s[k], s[1])
	}
	return s[op.Wrt].Clone(), nil
}

func (op CellGrad) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	k := len(d) - 1
	g, err := gatesOf(op.String(), s[0], s[1], s[2:k])
	if err != nil {
		return nil, err
	}
	out, r := newDense(s[op.Wrt]...)
	cellPass(g, op.Peep, d[:k], d[k], nil, func(wrt int) []float32 {
		if wrt == op.Wrt {
			return r
		}
		return nil
	})
	return out, nil
}

// Hidden computes the hidden state from z, the new cell state c and, with
// Peep, the output peephole w_co.
type Hidden struct {
	common
	Peep bool
}

func (op Hidden) String() string        { return fmt.Sprintf("LSTMHidden(peep=%v)", op.Peep) }
func (op Hidden) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Hidden) Hashcode() uint32      { return hashString(op.String()) }
func (op Hidden) Arity() int {
	if op.Peep {
		return 3
	}
	return 2
}
func (op Hidden) ranks() []int {
	if op.Peep {
		return []int{4, 4, 3}
	}
	return []int{4, 4}
}
func (op Hidden) Type() hm.Type        { return fnType(append(op.ranks(), 4)...) }
func (op Hidden) DiffWRT(n int) []bool { return Cell{}.DiffWRT(n) }

func (op Hidden) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	if _, err := gatesOf(op.String(), s[0], s[1], s[2:]); err != nil {
		return nil, err
	}
	return s[1].Clone(), nil
}

func (op Hidden) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	g, err := gatesOf(op.String(), s[0], s[1], s[2:])
	if err != nil {
		return nil, err
	}
	out, h := newDense(s[1]...)
	hiddenPass(g, op.Peep, d, nil, h, nil)
	return out, nil
}

func (op Hidden) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	r := make(G.Nodes, len(in))
	for i := range in {
		n, err := apply(HiddenGrad{Peep: op.Peep, Wrt: i}, append(append(G.Nodes{}, in...), grad)...)
		if err != nil {
			return nil, err
		}
		r[i] = n
	}
	return r, nil
}

// hiddenPass is cellPass for Hidden over inputs d = z, c[, w_co].
func hiddenPass(g gates, peep bool, d [][]float32, gh, h []float32, dst func(wrt int) []float32) {
	z, c := d[0], d[1]
	var wco []float32
	if peep {
		wco = d[2]
	}
	var dz, dc, dwco []float32
	if gh != nil {
		dz, dc = dst(0), dst(1)
		if peep {
			dwco = dst(2)
		}
	}
	for b := 0; b < g.n; b++ {
		zo := z[g.zAt(b, 2):]
		so := b * g.ch * g.hw
		for j := 0; j < g.ch*g.hw; j++ {
			cv := c[so+j]
			ao := zo[j]
			if peep {
				ao += wco[j] * cv
			}
			ov, tc := sigmoid32(ao), tanh32(cv)
			if gh == nil {
				h[so+j] = ov * tc
				continue
			}
			ghv := gh[so+j]
			do := ghv * tc * ov * (1 - ov)
			if dz != nil {
				dz[g.zAt(b, 2)+j] = do
			}
			if dc != nil {
				v := ghv * ov * (1 - tc*tc)
				if peep {
					v += do * wco[j]
				}
				dc[so+j] = v
			}
			if dwco != nil {
				dwco[j] += do * cv
			}
		}
	}
}

// HiddenGrad is the gradient of Hidden with respect to its input Wrt; its
// inputs are Hidden's inputs followed by the gradient at h.
type HiddenGrad struct {
	common
	Peep bool
	Wrt  int
}

func (op HiddenGrad) String() string {
	return fmt.Sprintf("LSTMHiddenGrad(peep=%v,wrt=%d)", op.Peep, op.Wrt)
}
func (op HiddenGrad) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op HiddenGrad) Hashcode() uint32      { return hashString(op.String()) }
func (op HiddenGrad) Arity() int            { return Hidden{Peep: op.Peep}.Arity() + 1 }
func (op HiddenGrad) Type() hm.Type {
	r := Hidden{Peep: op.Peep}.ranks()
	return fnType(append(append(r, 4), r[op.Wrt])...)
}
func (op HiddenGrad) DiffWRT(n int) []bool { return make([]bool, n) }
func (op HiddenGrad) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op HiddenGrad) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	k := len(s) - 1
	if _, err := gatesOf(op.String(), s[0], s[1], s[2:k]); err != nil {
		return nil, err
	}
	if !s[k].Eq(s[1]) {
		return nil, fmt.Errorf("%s: gradient %v does not fit state %v", op, s[k], s[1])
	}
	return s[op.Wrt].Clone(), nil
}

func (op HiddenGrad) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	k := len(d) - 1
	g, err := gatesOf(op.String(), s[0], s[1], s[2:k])
	if err != nil {
		return nil, err
	}
	out, r := newDense(s[op.Wrt]...)
	hiddenPass(g, op.Peep, d[:k], d[k], nil, func(wrt int) []float32 {
		if wrt == op.Wrt {
			return r
		}
		return nil
	})
	return out, nil
}
