// This file is the one way from Go into kernels.c: a wrapper per C kernel
// (bias and tanh, the tanh gradient, the ConvLSTM's gate passes, im2col
// and col2im), called from nowhere else. Each call does a run of
// thousands of elements or more, so cgo's cost per call (tens of ns) is
// small beside the loop's; the wrappers check the slices' bounds first.

package ops

// #cgo CFLAGS: -O3
// #include "kernels.h"
import "C"

import "unsafe"

// fp is the C pointer to s's first element, or nil for an empty slice
// (an absent peephole).
func fp(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

// biasActRowsC adds bias b[r] to row r of rows rows of n values, stride
// apart from v[0] on, in place, and applies tanh if asked.
func biasActRowsC(v []float32, rows, n, stride int, b []float32, tanh bool) {
	if rows <= 0 || n <= 0 {
		return
	}
	_, _ = v[(rows-1)*stride+n-1], b[rows-1]
	t := C.int(0)
	if tanh {
		t = 1
	}
	C.stae_bias_act_rows(fp(v), C.long(rows), C.long(n), C.long(stride), fp(b), t)
}

// tanhGradC writes g*(1-y*y) into dst.
func tanhGradC(y, g, dst []float32) {
	if len(dst) == 0 {
		return
	}
	_, _ = y[len(dst)-1], g[len(dst)-1]
	C.stae_tanh_grad(fp(y), fp(g), fp(dst), C.long(len(dst)))
}

// cellFwdC writes the new cell state c[j] for j < len(c); wci and wcf
// are empty without peepholes.
func cellFwdC(zi, zf, zg, cp, wci, wcf, c []float32) {
	if !ready(len(c), [][]float32{zi, zf, zg, cp}, wci, wcf) {
		return
	}
	C.stae_cell_fwd(fp(zi), fp(zf), fp(zg), fp(cp), fp(wci), fp(wcf), fp(c), C.long(len(c)))
}

// cellBackC is cellFwdC's backward pass over len(gc) elements.
func cellBackC(zi, zf, zg, cp, wci, wcf, gc, dzi, dzf, dzg, dcp, dwci, dwcf []float32) {
	if !ready(len(gc), [][]float32{zi, zf, zg, cp, dzi, dzf, dzg, dcp}, wci, wcf, dwci, dwcf) {
		return
	}
	C.stae_cell_back(fp(zi), fp(zf), fp(zg), fp(cp), fp(wci), fp(wcf), fp(gc),
		fp(dzi), fp(dzf), fp(dzg), fp(dcp), fp(dwci), fp(dwcf), C.long(len(gc)))
}

// hiddenFwdC writes h[j] for j < len(h); wco is empty without peepholes.
func hiddenFwdC(zo, c, wco, h []float32) {
	if !ready(len(h), [][]float32{zo, c}, wco) {
		return
	}
	C.stae_hidden_fwd(fp(zo), fp(c), fp(wco), fp(h), C.long(len(h)))
}

// hiddenBackC is hiddenFwdC's backward pass over len(gh) elements.
func hiddenBackC(zo, c, wco, gh, dzo, dc, dwco []float32) {
	if !ready(len(gh), [][]float32{zo, c, dzo, dc}, wco, dwco) {
		return
	}
	C.stae_hidden_back(fp(zo), fp(c), fp(wco), fp(gh), fp(dzo), fp(dc), fp(dwco), C.long(len(gh)))
}

// ready reports whether there are n > 0 elements to work on and, if so,
// panics as an index out of range does unless each of xs holds n, and each
// of peep too where the cell has peepholes (peep[0] not empty): the C
// loops read them unchecked.
func ready(n int, xs [][]float32, peep ...[]float32) bool {
	if n == 0 {
		return false
	}
	for _, x := range xs {
		_ = x[n-1]
	}
	if len(peep[0]) > 0 {
		for _, x := range peep {
			_ = x[n-1]
		}
	}
	return true
}

// im2col writes output rows [oiLo, oiHi) of the column matrix of one image
// x [c,h,w] into col [c*k*k, oh*ow]: row r = (c,ki,kj) holds, for each
// output position, the input pixel under kernel tap (ki,kj) or zero. The
// loops are in kernels.c: Go's bounds checks on these short strided rows
// cost three times as much.
func (g geom) im2col(x, col []float32, oiLo, oiHi int) {
	if oiLo >= oiHi {
		return
	}
	_, _ = x[g.c*g.h*g.w-1], col[g.rows*g.cols-1]
	C.stae_im2col(fp(x), fp(col), C.int(g.c), C.int(g.h), C.int(g.w), C.int(g.k), C.int(g.s), C.int(g.p),
		C.int(g.oh), C.int(g.ow), C.int(oiLo), C.int(oiHi))
}

// col2im adds the column matrix col back onto channels [cLo, cHi) of one
// image x [c,h,w], the adjoint of im2col (also in kernels.c).
func (g geom) col2im(col, x []float32, cLo, cHi int) {
	if cLo >= cHi {
		return
	}
	_, _ = x[g.c*g.h*g.w-1], col[g.rows*g.cols-1]
	C.stae_col2im(fp(col), fp(x), C.int(g.c), C.int(g.h), C.int(g.w), C.int(g.k), C.int(g.s), C.int(g.p),
		C.int(g.oh), C.int(g.ow), C.int(cLo), C.int(cHi))
}
