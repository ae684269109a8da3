package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// TestBackendMatchesReference compares the active backend's products with
// gonum's pure-Go ones for every transpose combination, so the OpenBLAS
// build (make test runs both) is checked against the reference.
func TestBackendMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, k, n := 33, 17, 29
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		a := NewTensor(m, k)
		if tr[0] {
			a = NewTensor(k, m)
		}
		b := NewTensor(k, n)
		if tr[1] {
			b = NewTensor(n, k)
		}
		Gaussian(a.Data, 1, r)
		Gaussian(b.Data, 1, r)
		c := NewTensor(m, n)
		Gaussian(c.Data, 1, r)
		want := c.Clone()
		var e Engine
		e.MatMul(c, a, tr[0], b, tr[1], 0.5, 2)
		gonum.Implementation{}.Sgemm(trans(tr[0]), trans(tr[1]), m, n, k, 0.5, a.Data, a.Cols(), b.Data, b.Cols(), 2, want.Data, n)
		for i := range c.Data {
			if math.Abs(float64(c.Data[i]-want.Data[i])) > 1e-4*math.Max(1, math.Abs(float64(want.Data[i]))) {
				t.Fatalf("%s backend, transposes %v: element %d is %v, reference %v", Backend, tr, i, c.Data[i], want.Data[i])
			}
		}
	}
}
