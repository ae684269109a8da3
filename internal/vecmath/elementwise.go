package vecmath

import "math"

// bulk8 returns how many of n values the AVX2 kernels take: n/8·8 where
// the CPU has AVX2, else none (the kernels then do nothing).
func bulk8(n int) int {
	if hasAVX2 {
		return n &^ 7
	}
	return 0
}

// ReLU sets dst[i] = max(src[i], 0), by Go's max: a NaN stays a NaN, −0
// becomes +0. dst and src are as long.
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	k := bulk8(len(dst))
	reluAVX2(dst[:k], src[:k])
	for i, v := range src[k:] {
		dst[k+i] = max(v, 0)
	}
}

// PassIfPositive sets dst[i] = g[i] where h[i] > 0 and +0 where h[i] ≤ 0
// (g[i] where h[i] is NaN): ReLU's derivative applied to g, by a mask. The
// three are as long.
func PassIfPositive(dst, g, h []float32) {
	g, h = g[:len(dst)], h[:len(dst)]
	k := bulk8(len(dst))
	passIfPositiveAVX2(dst[:k], g[:k], h[:k])
	for i := k; i < len(dst); i++ {
		dst[i] = Pass(g[i], h[i])
	}
}

// Difference sets dst[i] = (a[i] − b[i])·s, the difference rounded before
// the product: a layer's local error against its target, scaled. The three
// are as long.
func Difference(dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	k := bulk8(len(dst))
	differenceAVX2(dst[:k], a[:k], b[:k], s)
	for i := k; i < len(dst); i++ {
		dst[i] = (a[i] - b[i]) * s
	}
}

// Pass returns x where h > 0 and +0 where h ≤ 0 (x for a NaN h): ReLU's
// derivative applied to one value, with a mask in place of a branch, which
// a ReLU layer's half-zero outputs would mispredict.
func Pass(x, h float32) float32 {
	keep := ^uint32(0)
	if h <= 0 {
		keep = 0 // a conditional move, not a branch
	}
	return math.Float32frombits(math.Float32bits(x) & keep)
}

// Normalize sets xh[i] = (x[i] − mu)·inv and y[i] = gamma·xh[i] + beta: a
// batch normalisation's pass over one channel. The three are as long.
func Normalize(xh, y, x []float32, mu, inv, gamma, beta float32) {
	x, y = x[:len(xh)], y[:len(xh)]
	k := bulk8(len(xh))
	normalizeAVX2(xh[:k], y[:k], x[:k], &[4]float32{mu, inv, gamma, beta})
	for i := k; i < len(xh); i++ {
		xh[i] = (x[i] - mu) * inv
		y[i] = gamma*xh[i] + beta
	}
}

// NormBack sets dx[i] = scale·(g[i] − mdy − xh[i]·mdyx): the gradient of a
// batch normalisation's input over one channel. The three are as long.
func NormBack(dx, g, xh []float32, scale, mdy, mdyx float32) {
	g, xh = g[:len(dx)], xh[:len(dx)]
	k := bulk8(len(dx))
	normBackAVX2(dx[:k], g[:k], xh[:k], &[4]float32{scale, mdy, mdyx})
	for i := k; i < len(dx); i++ {
		dx[i] = scale * (g[i] - mdy - xh[i]*mdyx)
	}
}

// ScaleAdd sets v[i] = v[i]·mu + g[i], the product rounded before the sum
// (as a BLAS scal then axpy by 1 gives): momentum's update in one pass. v
// and g are as long.
func ScaleAdd(v, g []float32, mu float32) {
	g = g[:len(v)]
	k := bulk8(len(v))
	scaleAddAVX2(v[:k], g[:k], mu)
	for i := k; i < len(v); i++ {
		v[i] = float32(v[i]*mu) + g[i] // the conversion keeps the two roundings
	}
}

// Axpy sets y[i] = y[i] + alpha·x[i], the product rounded before the sum
// (as the pure-Go BLAS's axpy gives; a fused multiply-add would round
// once), and leaves y as it is when alpha is 0. x and y are as long.
func Axpy(y, x []float32, alpha float32) {
	if alpha == 0 {
		return
	}
	x = x[:len(y)]
	k := bulk8(len(y))
	axpyAVX2(y[:k], x[:k], alpha)
	for i := k; i < len(y); i++ {
		y[i] += float32(alpha * x[i]) // the conversion keeps the two roundings
	}
}

// Scale sets v[i] = v[i]·alpha.
func Scale(v []float32, alpha float32) {
	for i := range v {
		v[i] *= alpha
	}
}
