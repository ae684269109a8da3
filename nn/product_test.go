package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulSumsInItsOrder: every product, each transposition, α and β,
// alone and cut into pieces for cores, gives the bits of its definition
// (product.go), one loop over the terms per element, on shapes around the
// kernels' tiles and panels, with B's transposition both copied and moved
// onto A and C.
func TestMatMulSumsInItsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cores := NewCores(3)
	for _, s := range [][3]int{{1, 1, 1}, {5, 7, 300}, {64, 10, 128}, {64, 1024, 130}, {70, 33, 600}, {300, 20, 40}, {8, 520, 9}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.3, 0}, {0.5, 0.25}} {
				alpha, beta := ab[0], ab[1]
				a, b := randomFactors(m, n, k, tr, r)
				c0 := NewTensor(m, n)
				Gaussian(c0.Data, 1, r)
				want := make([]float32, m*n)
				for i := range m {
					for j := range n {
						sum := c0.Data[i*n+j]
						switch beta {
						case 0:
							sum = 0
						case 1:
						default:
							sum *= beta
						}
						for l := range k {
							av, bv := opAt(a, tr[0], k, i, l), opAt(b, tr[1], n, l, j)
							sum += float32(float32(alpha*av) * bv)
						}
						want[i*n+j] = sum
					}
				}
				for _, e := range []*Engine{{}, {Cores: cores}} {
					c := &Tensor{Shape: c0.Shape, Data: append([]float32(nil), c0.Data...)}
					e.MatMul(c, a, tr[0], b, tr[1], alpha, beta)
					name := fmt.Sprintf("%v %s·%s α %v β %v cores %v", s, opName("A", tr[0]), opName("B", tr[1]), alpha, beta, e.Cores != nil)
					for i, v := range want {
						if math.Float32bits(c.Data[i]) != math.Float32bits(v) {
							t.Fatalf("%s: C[%d,%d] = %v, the loop gives %v", name, i/n, i%n, c.Data[i], v)
						}
					}
				}
			}
		}
	}
}

// randomFactors returns standard normal factors of an m×n product with
// inner size k: A m×k (k×m when tr[0]) and B k×n (n×k when tr[1]).
func randomFactors(m, n, k int, tr [2]bool, r *rand.Rand) (a, b *Tensor) {
	a, b = NewTensor(m, k), NewTensor(k, n)
	if tr[0] {
		a = NewTensor(k, m)
	}
	if tr[1] {
		b = NewTensor(n, k)
	}
	Gaussian(a.Data, 1, r)
	Gaussian(b.Data, 1, r)
	return a, b
}

// opAt returns op(X)[i,j], op(X) being X or its transpose, with cols
// columns.
func opAt(x *Tensor, trans bool, cols, i, j int) float32 {
	if trans {
		return x.Data[j*x.Cols()+i]
	}
	return x.Data[i*cols+j]
}
