package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkMatMul measures float32 matrix products, in GFLOP/s, by the
// engine (engine: vecmath's kernels, on one core unless -cpu gives more)
// and by the BLAS directly (blas: the backend built in, with as many
// threads as GOMAXPROCS), on the shapes of a BP step on 784-1024-128-10
// with batch 64 (forward, weight gradient, input gradient), the paper CIFAR
// CNN's last layer (6,272 inputs, 10 classes: the same three) and its
// convolution as one product (32 filters of 3·5·5 over 64·28·28
// positions), an LSTM's recurrent weight gradient (128 units, 512 gate
// columns, over T·batch = 6,400 rows) and a square one.
func BenchmarkMatMul(b *testing.B) {
	SetBLASThreads(runtime.GOMAXPROCS(0))
	for _, s := range []struct {
		m, k, n        int
		transA, transB bool
	}{
		{64, 784, 1024, false, false}, {784, 64, 1024, true, false}, {64, 1024, 128, false, false}, {64, 128, 1024, false, true},
		{64, 6272, 10, false, false}, {6272, 64, 10, true, false}, {64, 10, 6272, false, true},
		{32, 75, 64 * 28 * 28, false, false}, {128, 6400, 512, true, false}, {1024, 1024, 1024, false, false},
	} {
		m, k, n := s.m, s.k, s.n
		name := fmt.Sprintf("%dx%dx%d", m, k, n)
		if s.transA || s.transB {
			name += fmt.Sprintf("/%s·%s", opName("A", s.transA), opName("B", s.transB))
		}
		r := rand.New(rand.NewPCG(1, 1))
		a, bb, c := NewTensor(m, k), NewTensor(k, n), NewTensor(m, n)
		if s.transA {
			a = NewTensor(k, m)
		}
		if s.transB {
			bb = NewTensor(n, k)
		}
		Gaussian(a.Data, 1, r)
		Gaussian(bb.Data, 1, r)
		flops := 2 * float64(m) * float64(n) * float64(k)
		b.Run(name+"/engine", func(b *testing.B) {
			e := Engine{Cores: NewCores(0)}
			defer e.Cores.Take()()
			for range b.N {
				e.MatMul(c, a, s.transA, bb, s.transB, 1, 0)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/blas", func(b *testing.B) {
			impl := blas32.Implementation()
			for range b.N {
				impl.Sgemm(trans(s.transA), trans(s.transB), m, n, k, 1, a.Data, a.Cols(), bb.Data, bb.Cols(), 0, c.Data, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
