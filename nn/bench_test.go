package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkMatMul measures float32 matrix products of the shapes a BP step
// on 784-1024-128-10 with batch 64 uses, the paper CIFAR CNN's convolution
// (32 filters of 3·5·5 over 64·28·28 positions) and a square one, in GFLOP/s, with
// as many BLAS threads as GOMAXPROCS (set it with -cpu).
func BenchmarkMatMul(b *testing.B) {
	SetBLASThreads(runtime.GOMAXPROCS(0))
	for _, s := range [][3]int{{64, 784, 1024}, {784, 64, 1024}, {64, 1024, 128}, {32, 75, 64 * 28 * 28}, {1024, 1024, 1024}} {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bb, c := NewTensor(m, k), NewTensor(k, n), NewTensor(m, n)
			Gaussian(a.Data, 1, r)
			Gaussian(bb.Data, 1, r)
			var e Engine
			b.ResetTimer()
			for range b.N {
				e.MatMul(c, a, false, bb, false, 1, 0)
			}
			b.ReportMetric(2*float64(e.MACs)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkRecurrentWeightGradient times an LSTM's recurrent weight
// gradient (128 units, 512 gate columns, summed over T·batch = 6,400 rows,
// Aᵀ·B) on one thread: whole, in the 2 row pieces pieces cuts it into, and
// in the 8 column pieces of the longer side, each of which packs all of Aᵀ
// again.
func BenchmarkRecurrentWeightGradient(b *testing.B) {
	SetBLASThreads(1)
	const m, n, k = 128, 512, 6400
	r := rand.New(rand.NewPCG(1, 1))
	prev, delta, c := NewTensor(k, m), NewTensor(k, n), NewTensor(m, n)
	Gaussian(prev.Data, 1, r)
	Gaussian(delta.Data, 1, r)
	impl := blas32.Implementation()
	for _, cut := range []struct {
		name        string
		rows, width int
	}{{"whole", m, n}, {"rows", m / 2, n}, {"columns", m, n / 8}} {
		b.Run(cut.name, func(b *testing.B) {
			for range b.N {
				for lo := 0; lo < m; lo += cut.rows {
					for at := 0; at < n; at += cut.width {
						impl.Sgemm(blas.Trans, blas.NoTrans, cut.rows, cut.width, k, 1, prev.Data[lo:], m, delta.Data[at:], n, 0, c.Data[lo*n+at:], n)
					}
				}
			}
		})
	}
	if count, cols := pieces(m, n, k, true); count != 2 || cols {
		b.Fatalf("pieces cuts it into %d pieces (along the columns %v), not the 2 row pieces timed", count, cols)
	}
}
