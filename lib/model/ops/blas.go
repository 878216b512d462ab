// This file links OpenBLAS and routes every matrix product in the model,
// ours and gorgonia's, through it: OpenBLAS's sgemm is 2-3x faster than
// gonum's pure Go one on the convolutions that dominate training.

package ops

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// impl is the BLAS every op here calls directly.
var impl = netlib.Implementation{}

func init() {
	blas32.Use(impl)
	G.Use(impl)
	// The ops run one image per core themselves: OpenBLAS's own threads
	// cost more than they gain on these matrix sizes (measured 0.60 s
	// against 0.48 s per 227x227 inference).
	C.openblas_set_num_threads(1)
}

// sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices,
// where op(A) is m x k and op(B) is k x n.
func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	impl.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
