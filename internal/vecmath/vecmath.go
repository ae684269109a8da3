// Package vecmath has fast float32 exp, sigmoid and tanh over slices, for
// the recurrent cells, whose gates spend more time in these functions than
// in their products when computed in float64 by package math. Their error
// is within a few float32 ulps (TestFastMath). It also has the elementwise
// work of a convolutional net that would otherwise cost as much as its
// products: ReLU and its derivative, 2×2 max pooling and its adjoint, batch
// normalisation's passes, and the runs of a convolution's columns; a convolution's products themselves, in a summation
// order of their own (product.go); and SGD's momentum update in one pass. On
// amd64, AVX2 kernels (where the CPU has them) do eight values at a time (and
// SSE2 kernels four for exp, sigmoid and tanh; AVX-512 kernels sixteen for
// the products), to the same bits as the scalar loops; they live here, apart
// from nn, because a package that uses cgo (nn with OpenBLAS) cannot hold Go
// assembly.
package vecmath

import "math"

const (
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693145751953125 // ln 2 split so that k·ln2Hi is exact
	ln2Lo  = 1.428606765330187e-06
	expMax = 88.0
	expMin = -87.0

	roundMagic = 12582912 // 1.5·2²³
)

// fastConsts are the constants of the vector kernels, each in four lanes:
// the scalar loops' constants, converted to float32 as they are, and the
// bit patterns of 127 (the exponent bias), of the sign, then −2 and 2.
var fastConsts = func() (c [16][4]float32) {
	for i, v := range []float32{expMin, expMax, log2e, roundMagic, ln2Hi, ln2Lo, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
		math.Float32frombits(127), math.Float32frombits(1 << 31), -2, 2} {
		c[i] = [4]float32{v, v, v, v}
	}
	return c
}()

// bulk returns how many of n values the vector kernels take.
func bulk(n int) int {
	if vectorised {
		return n &^ 3
	}
	return 0
}

// Exp sets v[i] = e^v[i]: v[i] = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r
// by its Taylor polynomial of degree 6, and 2^k put in the exponent bits. A
// loop over a slice, so that nothing is called per value.
func Exp(v []float32) {
	n := bulk(len(v))
	expVector(v[:n])
	expScalar(v[n:])
}

func expScalar(v []float32) {
	for i, x := range v {
		if x < expMin {
			x = expMin
		} else if x > expMax {
			x = expMax
		}
		// x·log₂e rounded to the nearest integer: adding 1.5·2²³ leaves no
		// fraction bits in a float32.
		k := x*log2e + roundMagic - roundMagic
		ki := int32(k)
		r := x - k*ln2Hi - k*ln2Lo
		// Estrin's scheme: shorter chains of dependent products than Horner's.
		r2 := r * r
		p := (1 + r) + r2*(1.0/2+r*(1.0/6)) + r2*r2*((1.0/24+r*(1.0/120))+r2*(1.0/720))
		v[i] = p * math.Float32frombits(uint32(ki+127)<<23)
	}
}

// Sigmoid sets v[i] = 1/(1 + e^−v[i]).
func Sigmoid(v []float32) {
	n := bulk(len(v))
	sigmoidVector(v[:n])
	sigmoidScalar(v[n:])
}

func sigmoidScalar(v []float32) {
	for i, a := range v {
		v[i] = -a
	}
	expScalar(v)
	for i, e := range v {
		v[i] = 1 / (1 + e)
	}
}

// Tanh sets v[i] = tanh(v[i]) = 2/(1 + e^{−2v[i]}) − 1, within 1e-7 of it
// near 0, where the difference loses its relative precision.
func Tanh(v []float32) {
	n := bulk(len(v))
	tanhVector(v[:n])
	tanhScalar(v[n:])
}

func tanhScalar(v []float32) {
	for i, a := range v {
		v[i] = -2 * a
	}
	expScalar(v)
	for i, e := range v {
		v[i] = 2/(1+e) - 1
	}
}
