package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
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
