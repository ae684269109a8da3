package nn

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
)

// Engine performs the matrix products of one run and counts them. It is not
// safe for concurrent use: each run owns one.
type Engine struct {
	// MACs is the number of multiply-accumulates of every product so far.
	MACs int64
	// Hooks, when set, act on the operands of every Dense and Conv2D product.
	Hooks *Hooks
	// Cores, when set, lends idle cores to the pieces of large products;
	// the result is the same with or without it.
	Cores *Cores
	crew  *crew
	ops   operands
}

// MatMul computes C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ, and
// A, B and C are read as Rows×Cols matrices, each element one sum in a
// fixed order (see product.go), so that its bits depend on the operands
// alone. It panics when the shapes disagree.
func (e *Engine) MatMul(c *Tensor, a *Tensor, transA bool, b *Tensor, transB bool, alpha, beta float32) {
	ar, ac := a.Rows(), a.Cols()
	br, bc := b.Rows(), b.Cols()
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	k2, n := br, bc
	if transB {
		k2, n = bc, br
	}
	if k != k2 || c.Rows() != m || c.Cols() != n {
		panic(fmt.Sprintf("nn: dimension mismatch (%s %d×%d · %s %d×%d → %d×%d)",
			opName("A", transA), m, k, opName("B", transB), k2, n, c.Rows(), c.Cols()))
	}
	if m == 0 || n == 0 {
		return
	}
	e.MACs += int64(m) * int64(n) * int64(k)
	e.product(transA, transB, m, n, k, alpha, a.Data, ac, b.Data, bc, beta, c.Data, c.Cols())
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func opName(name string, t bool) string {
	if t {
		return name + "ᵀ"
	}
	return name
}
