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
// Cell computes c and Hidden computes h. Each one's backward pass is one
// op, CellBack or HiddenBack, that computes the gradients of all its
// inputs in a single pass over the gates into one flat tensor, which Part
// ops then cut into the per-input gradients gorgonia expects: one pass
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

// Cell computes the new cell state from z, c_prev and, with Peep, the
// peepholes w_ci and w_cf. Out, if set, keeps the output between runs.
type Cell struct {
	common
	Peep bool
	Out  *Buffer
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
func (op Cell) Type() hm.Type        { return fnType(append(op.ranks(), 4)...) }
func (op Cell) DiffWRT(n int) []bool { return allTrue(n) }

func allTrue(n int) []bool {
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
	out, c, _ := op.Out.dense(s[1]...) // every element is written
	cellPass(g, op.Peep, d, nil, c, nil)
	return out, nil
}

func (op Cell) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	back, err := apply(CellBack{Peep: op.Peep}, append(append(G.Nodes{}, in...), grad)...)
	if err != nil {
		return nil, err
	}
	return parts(back, in)
}

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
// another in one flat slice.
func packed(shapes []tensor.Shape) (*tensor.Dense, [][]float32) {
	n := 0
	for _, s := range shapes {
		n += s.TotalSize()
	}
	out, flat := newDense(n)
	r := make([][]float32, len(shapes))
	off := 0
	for i, s := range shapes {
		r[i] = flat[off : off+s.TotalSize()]
		off += s.TotalSize()
	}
	return out, r
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

// CellBack is the backward pass of Cell: its inputs are Cell's inputs
// followed by the gradient at c, and its output the gradients of Cell's
// inputs laid end to end in one flat tensor. Backward passes only.
type CellBack struct {
	common
	Peep bool
}

func (op CellBack) String() string        { return fmt.Sprintf("LSTMCellBack(peep=%v)", op.Peep) }
func (op CellBack) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op CellBack) Hashcode() uint32      { return hashString(op.String()) }
func (op CellBack) Arity() int            { return Cell{Peep: op.Peep}.Arity() + 1 }
func (op CellBack) Type() hm.Type {
	return fnType(append(append(Cell{Peep: op.Peep}.ranks(), 4), 1)...)
}
func (op CellBack) DiffWRT(n int) []bool { return make([]bool, n) }
func (op CellBack) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op CellBack) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
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
	return tensor.Shape{totalSize(s[:k])}, nil
}

func totalSize(s []tensor.Shape) int {
	n := 0
	for _, x := range s {
		n += x.TotalSize()
	}
	return n
}

func (op CellBack) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	k := len(d) - 1
	g, err := gatesOf(op.String(), s[0], s[1], s[2:k])
	if err != nil {
		return nil, err
	}
	out, dst := packed(s[:k])
	cellPass(g, op.Peep, d[:k], d[k], nil, dst)
	return out, nil
}

// Hidden computes the hidden state from z, the new cell state c and, with
// Peep, the output peephole w_co. Out, if set, keeps the output between
// runs.
type Hidden struct {
	common
	Peep bool
	Out  *Buffer
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
func (op Hidden) DiffWRT(n int) []bool { return allTrue(n) }

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
	out, h, _ := op.Out.dense(s[1]...) // every element is written
	hiddenPass(g, op.Peep, d, nil, h, nil)
	return out, nil
}

func (op Hidden) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	back, err := apply(HiddenBack{Peep: op.Peep}, append(append(G.Nodes{}, in...), grad)...)
	if err != nil {
		return nil, err
	}
	return parts(back, in)
}

// hiddenPass is cellPass for Hidden over inputs d = z, c[, w_co].
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

// HiddenBack is the backward pass of Hidden, laid out like CellBack's.
type HiddenBack struct {
	common
	Peep bool
}

func (op HiddenBack) String() string        { return fmt.Sprintf("LSTMHiddenBack(peep=%v)", op.Peep) }
func (op HiddenBack) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op HiddenBack) Hashcode() uint32      { return hashString(op.String()) }
func (op HiddenBack) Arity() int            { return Hidden{Peep: op.Peep}.Arity() + 1 }
func (op HiddenBack) Type() hm.Type {
	return fnType(append(append(Hidden{Peep: op.Peep}.ranks(), 4), 1)...)
}
func (op HiddenBack) DiffWRT(n int) []bool { return make([]bool, n) }
func (op HiddenBack) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%s: second derivatives are not supported", op)
}

func (op HiddenBack) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
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
	return tensor.Shape{totalSize(s[:k])}, nil
}

func (op HiddenBack) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	k := len(d) - 1
	g, err := gatesOf(op.String(), s[0], s[1], s[2:k])
	if err != nil {
		return nil, err
	}
	out, dst := packed(s[:k])
	hiddenPass(g, op.Peep, d[:k], d[k], nil, dst)
	return out, nil
}

// Part copies Shape's worth of values from offset Off of a flat tensor:
// it cuts the backward ops' packed gradients apart. Backward passes only.
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
	s, err := shapesOf(op.String(), 1, in)
	if err != nil {
		return nil, err
	}
	if len(s[0]) != 1 || op.Off < 0 || op.Off+op.Shape.TotalSize() > s[0][0] {
		return nil, fmt.Errorf("%s: input %v is too short", op, s[0])
	}
	return op.Shape.Clone(), nil
}

func (op Part) Do(vs ...G.Value) (G.Value, error) {
	d, s, err := inputs(op.String(), 1, vs)
	if err != nil {
		return nil, err
	}
	if _, err := op.InferShape(s[0]); err != nil {
		return nil, err
	}
	out, y := newDense(op.Shape...)
	copy(y, d[0][op.Off:])
	return out, nil
}
