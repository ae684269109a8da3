package nn

import "math"

// Fast float32 exp, sigmoid and tanh for the recurrent cells, whose gates
// spend more time in these functions than in their products when computed
// in float64 by package math. Their error is within a few float32 ulps
// (TestFastMath).

const (
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693145751953125 // ln 2 split so that k·ln2Hi is exact
	ln2Lo  = 1.428606765330187e-06
	expMax = 88.0
	expMin = -87.0

	roundMagic = 12582912 // 1.5·2²³
)

// expSlice sets v[i] = e^v[i]: v[i] = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r
// by its Taylor polynomial of degree 6, and 2^k put in the exponent bits. A
// loop over a slice, so that nothing is called per value.
func expSlice(v []float32) {
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

// sigmoid sets v[i] = 1/(1 + e^−v[i]).
func sigmoid(v []float32) {
	for i, a := range v {
		v[i] = -a
	}
	expSlice(v)
	for i, e := range v {
		v[i] = 1 / (1 + e)
	}
}

// tanh32 sets v[i] = tanh(v[i]) = 2/(1 + e^{−2v[i]}) − 1, within 1e-7 of it
// near 0, where the difference loses its relative precision.
func tanh32(v []float32) {
	for i, a := range v {
		v[i] = -2 * a
	}
	expSlice(v)
	for i, e := range v {
		v[i] = 2/(1+e) - 1
	}
}
