//go:build !purego

package vecmath

// vectorised says whether the kernels of vecmath_amd64.s and
// vecmath_avx2_amd64.s do the bulk of Exp, Sigmoid and Tanh.
const vectorised = true

// hasAVX2 says whether the AVX2 kernels take the first len(v)/8·8 values
// of a slice, leaving the rest to the SSE2 ones; a variable, so that a
// test can run both.
var hasAVX2 = detectAVX2()

func expVector(v []float32)     { vector(v, expAVX2, expSSE) }
func sigmoidVector(v []float32) { vector(v, sigmoidAVX2, sigmoidSSE) }
func tanhVector(v []float32)    { vector(v, tanhAVX2, tanhSSE) }

// vector applies a function's kernels to v, whose length is a multiple
// of 4.
func vector(v []float32, avx2, sse func([]float32, *[16][4]float32)) {
	if hasAVX2 {
		n := len(v) &^ 7
		avx2(v[:n], &fastConsts)
		v = v[n:]
	}
	sse(v, &fastConsts)
}

// detectAVX2 reports whether the CPU has AVX2 and the system saves the
// YMM registers.
func detectAVX2() bool {
	if top, _, _, _ := cpuid(0, 0); top < 7 {
		return false
	}
	const osxsave, avx = 1 << 27, 1 << 28
	if _, _, c, _ := cpuid(1, 0); c&osxsave == 0 || c&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state
		return false
	}
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<5) != 0
}

// The kernels take the first len(v)/4·4 (SSE2) or len(v)/8·8 (AVX2)
// values; the callers do the rest.
//
//go:noescape
func expSSE(v []float32, c *[16][4]float32)

//go:noescape
func sigmoidSSE(v []float32, c *[16][4]float32)

//go:noescape
func tanhSSE(v []float32, c *[16][4]float32)

//go:noescape
func expAVX2(v []float32, c *[16][4]float32)

//go:noescape
func sigmoidAVX2(v []float32, c *[16][4]float32)

//go:noescape
func tanhAVX2(v []float32, c *[16][4]float32)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func xgetbv() (a, d uint32)

// maxPool2AVX2 and maxPool2BackAVX2 do MaxPool2 and MaxPool2Back for
// rows of eight outputs or more, eight at a time and the last eight of a
// row again.
//
//go:noescape
func maxPool2AVX2(in, out []float32, at []int32, p *Pool2)

//go:noescape
func maxPool2BackAVX2(din, g []float32, at []int32, p *Pool2)

// The elementwise kernels of elementwise_amd64.s take slices whose length
// is a multiple of 8.
//
//go:noescape
func reluAVX2(dst, src []float32)

//go:noescape
func passIfPositiveAVX2(dst, g, h []float32)

//go:noescape
func differenceAVX2(dst, a, b []float32, s float32)

// transpose8AVX2 sets the 8×8 block of dst (rows ldd apart) to alpha
// times the 8×8 block of src (rows lds apart), transposed.
//
//go:noescape
func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, alpha float32)

// copyRunsAVX2 does CopyRuns for width ≥ 8, eight values at a time and the
// last eight of a run again.
//
//go:noescape
func copyRunsAVX2(dst, src []float32, runs, width, stride int)

// normalizeAVX2 and normBackAVX2 do Normalize and NormBack for a multiple
// of 8 values, their scalars in c.
//
//go:noescape
func normalizeAVX2(xh, y, x []float32, c *[4]float32)

//go:noescape
func normBackAVX2(dx, g, xh []float32, c *[4]float32)

// scaleAddAVX2 does ScaleAdd for a multiple of 8 values.
//
//go:noescape
func scaleAddAVX2(v, g []float32, mu float32)

// axpyAVX2 does Axpy for a multiple of 8 values.
//
//go:noescape
func axpyAVX2(y, x []float32, alpha float32)
