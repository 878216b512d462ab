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
// Gates computes c or, with Hidden set, h. Its backward pass is one op,
// GatesBack, that computes the gradients of all its inputs in a single
// pass over the gates into one flat tensor, which Part ops (packed.go)
// then cut into the per-input gradients gorgonia expects: one pass
// instead of one per input, since the exponentials cost more than the
// copies.

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

// Gates computes the new cell state c from z, c_prev and, with Peep, the
// peepholes w_ci and w_cf; with Hidden set, it computes the hidden state h
// from z, the new cell state c and, with Peep, the output peephole w_co.
// Out, if set, keeps the output between runs.
type Gates struct {
	common
	Hidden bool
	Peep   bool
	Out    *Buffer
}

func (op Gates) String() string {
	if op.Hidden {
		return fmt.Sprintf("LSTMHidden(peep=%v)", op.Peep)
	}
	return fmt.Sprintf("LSTMCell(peep=%v)", op.Peep)
}
func (op Gates) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op Gates) Hashcode() uint32      { return hashString(op.String()) }
func (op Gates) Arity() int            { return len(op.ranks()) }

// ranks are the inputs' ranks: z and the state, then the peepholes.
func (op Gates) ranks() []int {
	switch {
	case !op.Peep:
		return []int{4, 4}
	case op.Hidden:
		return []int{4, 4, 3}
	}
	return []int{4, 4, 3, 3}
}
func (op Gates) Type() hm.Type        { return fnType(append(op.ranks(), 4)...) }
func (op Gates) DiffWRT(n int) []bool { return allTrue(n) }

func (op Gates) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	if _, err := gatesOf(op.String(), s[0], s[1], s[2:]); err != nil {
		return nil, err
	}
	return s[1].Clone(), nil
}

func (op Gates) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	g, err := gatesOf(op.String(), s[0], s[1], s[2:])
	if err != nil {
		return nil, err
	}
	out, y, _ := op.Out.dense(s[1]...) // every element is written
	op.pass(g, d, nil, y, nil)
	return out, nil
}

// pass runs the op forward (grad == nil, writing y) or backward (writing
// the gradient of input k into dst[k]).
func (op Gates) pass(g gates, d [][]float32, grad, y []float32, dst [][]float32) {
	if op.Hidden {
		hiddenPass(g, op.Peep, d, grad, y, dst)
		return
	}
	cellPass(g, op.Peep, d, grad, y, dst)
}

func (op Gates) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	back, err := apply(GatesBack{Hidden: op.Hidden, Peep: op.Peep, Out: new(Buffer)}, append(append(G.Nodes{}, in...), grad)...)
	if err != nil {
		return nil, err
	}
	return parts(back, in)
}

// gateWork is the least number of state elements worth a second core.
const gateWork = 4096

// cellPass runs the cell forward (gc == nil, writing c) or backward
// (writing the gradient of input k into dst[k]) over inputs d = z,
// c_prev[, w_ci, w_cf]. Cores split the positions j of one image; each
// position's batch loop stays on one core so the peephole sums are the
// same on any number of cores.
func cellPass(g gates, peep bool, d [][]float32, gc, c []float32, dst [][]float32) {
	z, cp := d[0], d[1]
	var wci, wcf []float32
	if peep {
		wci, wcf = d[2], d[3]
	}
	var dz, dcp, dwci, dwcf []float32
	if gc != nil {
		dz, dcp = dst[0], dst[1]
		if peep {
			dwci, dwcf = dst[2], dst[3]
		}
	}
	m := g.ch * g.hw
	parallel(m, gateWork, func(lo, hi int) {
		var pi, pf []float32 // peepholes over [lo, hi), or empty
		if peep {
			pi, pf = wci[lo:hi], wcf[lo:hi]
		}
		for b := 0; b < g.n; b++ {
			zb := g.zAt(b, 0)
			zi, zf, zg := z[zb+lo:zb+hi], z[zb+m+lo:zb+m+hi], z[zb+3*m+lo:zb+3*m+hi]
			so := b * m
			cpb := cp[so+lo : so+hi]
			if gc == nil {
				cellFwdC(zi, zf, zg, cpb, pi, pf, c[so+lo:so+hi])
				continue
			}
			var dpi, dpf []float32
			if peep {
				dpi, dpf = dwci[lo:hi], dwcf[lo:hi]
			}
			cellBackC(zi, zf, zg, cpb, pi, pf, gc[so+lo:so+hi],
				dz[zb+lo:zb+hi], dz[zb+m+lo:zb+m+hi], dz[zb+3*m+lo:zb+3*m+hi], dcp[so+lo:so+hi], dpi, dpf)
		}
	})
}

// hiddenPass is cellPass for the hidden state over inputs d = z, c[, w_co].
func hiddenPass(g gates, peep bool, d [][]float32, gh, h []float32, dst [][]float32) {
	z, c := d[0], d[1]
	var wco []float32
	if peep {
		wco = d[2]
	}
	var dz, dc, dwco []float32
	if gh != nil {
		dz, dc = dst[0], dst[1]
		if peep {
			dwco = dst[2]
		}
	}
	m := g.ch * g.hw
	parallel(m, gateWork, func(lo, hi int) {
		var po, dpo []float32 // peephole and its gradient over [lo, hi), or empty
		if peep {
			po = wco[lo:hi]
			if gh != nil {
				dpo = dwco[lo:hi]
			}
		}
		for b := 0; b < g.n; b++ {
			zb := g.zAt(b, 2)
			zo := z[zb+lo : zb+hi]
			so := b * m
			cb := c[so+lo : so+hi]
			if gh == nil {
				hiddenFwdC(zo, cb, po, h[so+lo:so+hi])
				continue
			}
			hiddenBackC(zo, cb, po, gh[so+lo:so+hi], dz[zb+lo:zb+hi], dc[so+lo:so+hi], dpo)
		}
	})
}

// GatesBack is the backward pass of Gates: its inputs are Gates' inputs
// followed by the gradient at the output, and its output the gradients of
// Gates' inputs laid end to end in one flat tensor. Backward passes only.
// Out, if set, keeps the output between runs.
type GatesBack struct {
	common
	Hidden bool
	Peep   bool
	Out    *Buffer
}

func (op GatesBack) fwd() Gates { return Gates{Hidden: op.Hidden, Peep: op.Peep} }

func (op GatesBack) String() string {
	if op.Hidden {
		return fmt.Sprintf("LSTMHiddenBack(peep=%v)", op.Peep)
	}
	return fmt.Sprintf("LSTMCellBack(peep=%v)", op.Peep)
}
func (op GatesBack) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op GatesBack) Hashcode() uint32      { return hashString(op.String()) }
func (op GatesBack) Arity() int            { return op.fwd().Arity() + 1 }
func (op GatesBack) Type() hm.Type         { return fnType(append(append(op.fwd().ranks(), 4), 1)...) }
func (op GatesBack) DiffWRT(n int) []bool  { return make([]bool, n) }
func (op GatesBack) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

// gates checks the shapes: the forward inputs', then the gradient's.
func (op GatesBack) gates(s []tensor.Shape) (gates, error) {
	k := len(s) - 1
	g, err := gatesOf(op.String(), s[0], s[1], s[2:k])
	if err != nil {
		return gates{}, err
	}
	if !s[k].Eq(s[1]) {
		return gates{}, fmt.Errorf("%s: gradient %v does not fit state %v", op, s[k], s[1])
	}
	return g, nil
}

func (op GatesBack) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(op.String(), op.Arity(), in)
	if err != nil {
		return nil, err
	}
	if _, err := op.gates(s); err != nil {
		return nil, err
	}
	return tensor.Shape{totalSize(s[:len(s)-1])}, nil
}

func (op GatesBack) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	g, err := op.gates(s)
	if err != nil {
		return nil, err
	}
	k := len(d) - 1
	out, dst, zeroed := packed(op.Out, s[:k])
	if !zeroed {
		// The passes leave some gradients' parts alone: those must be zero.
		clear(out.Data().([]float32))
	}
	op.fwd().pass(g, d[:k], d[k], nil, dst)
	return out, nil
}
