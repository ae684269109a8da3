package nn

import "github.com/creditbench/creditbench/internal/vecmath"

// The arithmetic of MatMul: each element of C is one sum in a fixed order,
//
//	C[i,j] ← s + (α·op(A)[i,0])·op(B)[0,j] + … + (α·op(A)[i,k−1])·op(B)[k−1,j],
//
// with s = C[i,j] for β = 1, 0 for β = 0 and β·C[i,j] otherwise, every
// product and sum rounded to float32 in that order (vecmath.ProductAdd).
// Its bits are the same with every kernel (AVX-512, AVX2, the scalar
// loops), on every CPU, and however the product is cut into pieces for
// cores: they depend on the operands alone.

// operands holds the copies a product makes of its operands in the layout
// vecmath's kernels read: op(A) scaled or transposed, op(B) transposed, C
// transposed.
type operands struct{ a, b, c []float32 }

// product computes C = α·op(A)·op(B) + β·C for row-major operands with
// leading dimensions lda, ldb and ldc, in pieces shared with the engine's
// cores.
func (e *Engine) product(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	scale(c, ldc, m, n, beta)
	sum := vecmath.ProductAddPanels // onto β·C
	if beta == 0 {
		sum = vecmath.ProductPanels // from zero, without reading C
	}
	ops := &e.ops
	// The kernels read both factors by rows: op(A) as it is, or scaled or
	// transposed first; op(B) as it is, or transposed first. Cᵀ =
	// op(B)ᵀ·op(A)ᵀ has the same terms in the same order (a product of two
	// floats does not depend on their order), and reads B and A the other
	// way round, at the cost of transposing C: whichever of the two copies
	// fewer values is taken (a layer's weights are not copied to multiply
	// them by a batch).
	copyA, copyB := tA || alpha != 1, tB
	if viaC := m*k*b2i(!tA || alpha != 1) + k*n*b2i(!tB) + m*n*(1+b2i(beta != 0)); viaC < m*k*b2i(copyA)+k*n*b2i(copyB) {
		q, ldq := b, ldb // op(B)ᵀ, n×k: B itself when it is stored transposed
		if !tB {
			ops.b = grow(ops.b, n*k)
			transposeScaled(ops.b, k, b, ldb, true, n, k, 1)
			q, ldq = ops.b, k
		}
		x, ldx := a, lda // α·op(A)ᵀ, k×m: A itself when it is stored transposed
		if !tA || alpha != 1 {
			ops.a = grow(ops.a, k*m)
			transposeScaled(ops.a, m, a, lda, !tA, k, m, alpha)
			x, ldx = ops.a, m
		}
		ops.c = grow(ops.c, n*m)
		if beta != 0 {
			transposeScaled(ops.c, m, c, ldc, true, n, m, 1)
		}
		e.pieces(n, m, k, func(i0, i1, j0, j1 int) {
			sum(ops.c[i0*m+j0:], m, q[i0*ldq:], ldq, i1-i0, k, x[j0:], ldx, j1-j0)
		})
		transposeScaled(c, ldc, ops.c, m, true, m, n, 1)
		return
	}
	p, ldp := a, lda
	if copyA {
		ops.a = grow(ops.a, m*k)
		transposeScaled(ops.a, k, a, lda, tA, m, k, alpha)
		p, ldp = ops.a, k
	}
	x, ldx := b, ldb
	if copyB {
		ops.b = grow(ops.b, k*n)
		transposeScaled(ops.b, n, b, ldb, true, k, n, 1)
		x, ldx = ops.b, n
	}
	e.pieces(m, n, k, func(i0, i1, j0, j1 int) {
		sum(c[i0*ldc+j0:], ldc, p[i0*ldp:], ldp, i1-i0, k, x[j0:], ldx, j1-j0)
	})
}

// pieces calls f on the blocks [i0, i1) × [j0, j1) of an m×n product with
// inner size k, cut along its longer side by its shape alone, with the help
// of the engine's cores.
func (e *Engine) pieces(m, n, k int, f func(i0, i1, j0, j1 int)) {
	count, alongCols := pieces(m, n, k)
	if count == 1 {
		f(0, m, 0, n)
		return
	}
	e.helpers().share(count, func(i int) {
		if alongCols {
			f(0, m, bound(i, count, n), bound(i+1, count, n))
		} else {
			f(bound(i, count, m), bound(i+1, count, m), 0, n)
		}
	})
}

// scale multiplies the m×n matrix c by β, the first term of its sums, when
// it is neither 1 (c as it is) nor 0 (the sums start from zero instead).
func scale(c []float32, ldc, m, n int, beta float32) {
	if beta == 1 || beta == 0 {
		return
	}
	for i := range m {
		row := c[i*ldc:][:n]
		for j := range row {
			row[j] *= beta
		}
	}
}

// transposeScaled sets the rows×cols matrix dst (leading dimension ldd) to
// α·src, src read transposed (cols×rows) when trans, else as it is.
func transposeScaled(dst []float32, ldd int, src []float32, lds int, trans bool, rows, cols int, alpha float32) {
	if !trans {
		for i := range rows {
			d, s := dst[i*ldd:][:cols], src[i*lds:][:cols]
			if alpha == 1 {
				copy(d, s)
				continue
			}
			for j, v := range s {
				d[j] = alpha * v
			}
		}
		return
	}
	vecmath.Transpose(dst, ldd, src, lds, rows, cols, alpha)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
