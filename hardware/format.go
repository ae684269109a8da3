// Package hardware models low-precision and analog hardware: number formats
// and their quantizers, rounding modes, and analog device non-idealities,
// gathered into profiles that act on any rule's training through narrow
// hooks (nn.Hooks on activations, errors and product outputs, and an
// optimizer wrapper on updates and weight writes). Every random draw comes
// from the run's seeded streams.
package hardware

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Format is a number format: "fp32" (no change), "bf16", "fp16", "fp8e4m3",
// "fp8e5m2", or "intN" for N = 2..8 (signed, symmetric, with a scale per
// tensor or per channel).
type Format struct {
	Name string
	// float formats
	mant, exp int     // mantissa (fraction) and exponent bits
	maxVal    float64 // largest finite value; larger magnitudes saturate
	// integer formats
	bits int
}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "fp32", "":
		return Format{Name: "fp32"}, nil
	case "bf16":
		return Format{Name: s, mant: 7, exp: 8, maxVal: 3.3895313892515355e38}, nil
	case "fp16":
		return Format{Name: s, mant: 10, exp: 5, maxVal: 65504}, nil
	case "fp8e4m3":
		return Format{Name: s, mant: 3, exp: 4, maxVal: 448}, nil
	case "fp8e5m2":
		return Format{Name: s, mant: 2, exp: 5, maxVal: 57344}, nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "int")); strings.HasPrefix(s, "int") && err == nil && n >= 2 && n <= 8 {
		return Format{Name: s, bits: n}, nil
	}
	return Format{}, fmt.Errorf("unknown number format %q (accepted: %s)", s, strings.Join(FormatNames, ", "))
}

// FormatNames lists the accepted formats.
var FormatNames = []string{"fp32", "bf16", "fp16", "fp8e4m3", "fp8e5m2", "int2", "int3", "int4", "int5", "int6", "int7", "int8"}

// Bits is the width of one value: sign, exponent and mantissa bits of a
// float format (32 for fp32), the bits of an integer one.
func (f Format) Bits() int {
	switch {
	case f.bits > 0:
		return f.bits
	case f.mant > 0:
		return 1 + f.exp + f.mant
	}
	return 32
}

// IsIdentity reports whether the format leaves float32 values unchanged.
func (f Format) IsIdentity() bool { return f.Name == "fp32" }

// Rounding is round-to-nearest (ties to even) or stochastic rounding, which
// rounds up with probability equal to the remainder, so that it is unbiased.
type Rounding struct {
	Stochastic bool
	R          *rand.Rand // the stream of stochastic rounding
}

// round returns x/q rounded to an integer.
func (r Rounding) round(x float64) float64 {
	if r.Stochastic {
		f := math.Floor(x)
		if r.R.Float64() < x-f {
			return f + 1
		}
		return f
	}
	return math.RoundToEven(x)
}

// Quantize rounds every value of v to the format, in place. channels > 1
// gives integer formats one scale per channel, the channel of v[i] being
// i % channels (a column of a row-major matrix).
func (f Format) Quantize(v []float32, channels int, r Rounding) {
	switch {
	case f.IsIdentity():
	case f.bits > 0:
		f.quantizeInt(v, max(channels, 1), r)
	default:
		for i, x := range v {
			v[i] = float32(f.roundFloat(float64(x), r))
		}
	}
}

// roundFloat rounds x to the nearest (or a stochastic neighbour) value with
// f.mant fraction bits and f.exp exponent bits, with subnormals, saturating
// at ±maxVal.
func (f Format) roundFloat(x float64, r Rounding) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	bias := 1<<(f.exp-1) - 1
	minExp := 1 - bias // exponent of the smallest normal number
	_, e := math.Frexp(x)
	e-- // x = m·2^e with 1 ≤ |m| < 2
	if e < minExp {
		e = minExp // subnormals share the smallest normal quantum
	}
	q := math.Ldexp(1, e-f.mant)
	y := r.round(x/q) * q
	return math.Max(-f.maxVal, math.Min(f.maxVal, y))
}

// quantizeInt rounds to the symmetric grid s·{−(2^(b−1)−1), …, 2^(b−1)−1},
// s = max|v| / (2^(b−1)−1) over the tensor or each channel. It walks v row
// by row (no division by the channel count per value) and compares in line
// where math.Max and math.Min are calls, keeping their order among +Inf,
// NaN and numbers and the NaN they return, so the bits are the same.
func (f Format) quantizeInt(v []float32, channels int, r Rounding) {
	inf := math.Inf(1)
	levels := float64(int(1)<<(f.bits-1) - 1)
	scale := make([]float64, channels)
	for i := 0; i < len(v); i += channels {
		for c, x := range v[i:min(i+channels, len(v))] {
			// math.Max's order: +Inf wins over NaN, NaN over numbers.
			switch a, s := math.Abs(float64(x)), scale[c]; {
			case a > s || a == inf:
				scale[c] = a
			case a != a && s != inf:
				scale[c] = math.NaN()
			}
		}
	}
	for c := range scale {
		scale[c] /= levels
	}
	for i := 0; i < len(v); i += channels {
		row := v[i:min(i+channels, len(v))]
		for c, x := range row {
			s := scale[c]
			if s == 0 {
				continue
			}
			q := r.round(float64(x) / s)
			switch {
			case q > levels:
				q = levels
			case q < -levels:
				q = -levels
			case q != q:
				q = math.NaN() // the NaN math.Min gives, whatever NaN came in
			}
			row[c] = float32(q * s)
		}
	}
}
