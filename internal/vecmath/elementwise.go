package vecmath

import "math"

// ReLU sets dst[i] = max(src[i], 0), by Go's max: a NaN stays a NaN, −0
// becomes +0. dst and src are as long.
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	k := 0
	if hasAVX2 {
		k = len(dst) &^ 7
		reluAVX2(dst[:k], src[:k])
	}
	for i, v := range src[k:] {
		dst[k+i] = max(v, 0)
	}
}

// PassIfPositive sets dst[i] = g[i] where h[i] > 0 and +0 where h[i] ≤ 0
// (g[i] where h[i] is NaN): ReLU's derivative applied to g, by a mask. The
// three are as long.
func PassIfPositive(dst, g, h []float32) {
	g, h = g[:len(dst)], h[:len(dst)]
	k := 0
	if hasAVX2 {
		k = len(dst) &^ 7
		passIfPositiveAVX2(dst[:k], g[:k], h[:k])
	}
	for i := k; i < len(dst); i++ {
		dst[i] = passIfPositive(g[i], h[i])
	}
}

func passIfPositive(x, h float32) float32 {
	keep := ^uint32(0)
	if h <= 0 {
		keep = 0 // a conditional move, not a branch
	}
	return math.Float32frombits(math.Float32bits(x) & keep)
}

// AddConst sets dst[i] = src[i] + c. dst and src are as long.
func AddConst(dst, src []float32, c float32) {
	src = src[:len(dst)]
	k := 0
	if hasAVX2 {
		k = len(dst) &^ 7
		addConstAVX2(dst[:k], src[:k], c)
	}
	for i, v := range src[k:] {
		dst[k+i] = v + c
	}
}
