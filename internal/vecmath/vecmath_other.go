//go:build !amd64 || purego

package vecmath

const vectorised = false

func expVector([]float32)     {}
func sigmoidVector([]float32) {}
func tanhVector([]float32)    {}

func maxPool2AVX2(in, out []float32, at []int32, p *Pool2)    {}
func maxPool2BackAVX2(din, g []float32, at []int32, p *Pool2) {}

var hasAVX2 = false // no AVX2 kernels here

func reluAVX2(dst, src []float32)                                                {}
func passIfPositiveAVX2(dst, g, h []float32)                                     {}
func differenceAVX2(dst, a, b []float32, s float32)                              {}
func copyRunsAVX2(dst, src []float32, runs, width, stride int)                   {}
func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, alpha float32) {}
func normalizeAVX2(xh, y, x []float32, c *[4]float32)                            {}
func normBackAVX2(dx, g, xh []float32, c *[4]float32)                            {}
func scaleAddAVX2(v, g []float32, mu float32)                                    {}
func axpyAVX2(y, x []float32, alpha float32)                                     {}

func productVector(y []float32, ldy int, p *Packed, x []float32, ldx, n int) int { return 0 }
func dotLanesVector(lanes []float32, ldl int, a []float32, lda, m int, x []float32, ldx, kp, n int) (rows, cols int) {
	return 0, 0
}

var hasAVX512 = false // no AVX-512 kernels here

func productAddVector(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int, fresh bool) (rows, cols int) {
	return 0, 0
}
