package hardware

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantizersExactOnRepresentableValues(t *testing.T) {
	for _, tc := range []struct {
		format string
		values []float32
	}{
		{"bf16", []float32{1, -2.5, 0.0078125, 3.3895313892515355e38, 1.0078125}},
		{"fp16", []float32{1, 65504, -0.000060975552, 5.9604645e-8, 1.0009765625}},
		{"fp8e4m3", []float32{448, -1.125, 0.015625, 0.001953125, 240}},
		{"fp8e5m2", []float32{57344, 1.25, -0.0000152587890625, 3}},
		{"int4", []float32{-7, -3, 0, 1, 7}},
		{"int2", []float32{-1, 0, 1}},
	} {
		f, err := ParseFormat(tc.format)
		if err != nil {
			t.Fatal(err)
		}
		for _, stochastic := range []bool{false, true} {
			v := append([]float32(nil), tc.values...)
			f.Quantize(v, 1, Rounding{Stochastic: stochastic, R: rand.New(rand.NewPCG(1, 1))})
			for i := range v {
				if v[i] != tc.values[i] {
					t.Errorf("%s (stochastic %v): %v became %v", tc.format, stochastic, tc.values[i], v[i])
				}
			}
		}
	}
}

func TestQuantizersAreIdempotentAndSaturate(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, name := range FormatNames {
		f, _ := ParseFormat(name)
		v := make([]float32, 1000)
		for i := range v {
			v[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-6)))
		}
		for _, ch := range []int{1, 10} {
			once := append([]float32(nil), v...)
			f.Quantize(once, ch, Rounding{})
			twice := append([]float32(nil), once...)
			f.Quantize(twice, ch, Rounding{})
			for i := range once {
				if once[i] != twice[i] {
					t.Fatalf("%s, %d channels: %v → %v → %v", name, ch, v[i], once[i], twice[i])
				}
			}
		}
	}
	f, _ := ParseFormat("fp8e4m3")
	big := []float32{1e6, -1e6}
	f.Quantize(big, 1, Rounding{})
	if big[0] != 448 || big[1] != -448 {
		t.Errorf("fp8e4m3 saturates 1e6 to %v", big)
	}
}

func TestNearestRounding(t *testing.T) {
	f, _ := ParseFormat("bf16")
	v := []float32{1 + 1.0/256, 1 + 3.0/256, 1 + 1.0/512}
	f.Quantize(v, 1, Rounding{})
	// Ties go to even: 1+1/256 → 1, 1+3/256 → 1+4/256; 1+1/512 → 1.
	if v[0] != 1 || v[1] != 1+4.0/256 || v[2] != 1 {
		t.Errorf("bf16 rounding gave %v", v)
	}
	i4, _ := ParseFormat("int4")
	w := []float32{7, 3.4, -3.6, 0.5}
	i4.Quantize(w, 1, Rounding{})
	if w[1] != 3 || w[2] != -4 || w[3] != 0 {
		t.Errorf("int4 rounding gave %v", w)
	}
}

// TestStochasticRoundingIsUnbiased averages many stochastic roundings of
// values between grid points: the mean must approach the value within five
// standard errors.
func TestStochasticRoundingIsUnbiased(t *testing.T) {
	r := Rounding{Stochastic: true, R: rand.New(rand.NewPCG(3, 3))}
	for _, tc := range []struct {
		format string
		x      float64
	}{{"bf16", 1 + 0.3/128}, {"fp8e4m3", 0.7}, {"fp16", 1e-6}, {"int4", 2.3}} {
		f, _ := ParseFormat(tc.format)
		const n = 20000
		var sum, sumSq float64
		for range n {
			v := []float32{float32(tc.x), 7} // 7 fixes the int4 scale at 1
			f.Quantize(v, 1, r)
			sum += float64(v[0])
			sumSq += float64(v[0]) * float64(v[0])
		}
		mean := sum / n
		se := math.Sqrt((sumSq/n - mean*mean) / n)
		if math.Abs(mean-float64(float32(tc.x))) > 5*se+1e-12 {
			t.Errorf("%s: mean of stochastic roundings of %v is %v (standard error %v)", tc.format, tc.x, mean, se)
		}
	}
}

func TestPerChannelScales(t *testing.T) {
	f, _ := ParseFormat("int2")
	v := []float32{10, 0.1, -4, 0.04} // two columns of a 2×2 matrix
	f.Quantize(v, 2, Rounding{})
	if v[0] != 10 || v[1] != 0.1 || v[2] != 0 || v[3] != 0 {
		t.Errorf("per-channel int2 gave %v", v)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := ParseFormat("int9"); err == nil {
		t.Error("int9 accepted")
	}
}

// TestProfileBits places every built-in profile on the precision axis by
// the widths of its formats.
func TestProfileBits(t *testing.T) {
	for name, want := range map[string]int{"fp32": 32, "bf16": 16, "fp16": 16, "fp8": 8, "int8": 8, "int4": 4, "int2": 2} {
		if got := Builtins[name].Bits(); got != want {
			t.Errorf("%s: %d bits, want %d", name, got, want)
		}
	}
	if p := (Profile{Weights: "int6", Updates: "fp8e5m2", ReadNoise: 0.02, WriteNoise: 0.05}); p.Bits() != 6 || p.Noise() != 0.05 {
		t.Errorf("int6 weights, fp8 updates, noise 0.02/0.05: %d bits, noise %v", p.Bits(), p.Noise())
	}
}

// TestIntegerQuantizerKeepsItsValues compares quantizeInt with the rule as
// first written (a scale per channel i % channels, math.Max and math.Min),
// bit for bit, on values of every class: the faster loops must not move a
// record.
func TestIntegerQuantizerKeepsItsValues(t *testing.T) {
	literal := func(f Format, v []float32, channels int, r Rounding) {
		levels := float64(int(1)<<(f.bits-1) - 1)
		scale := make([]float64, channels)
		for i, x := range v {
			scale[i%channels] = math.Max(scale[i%channels], math.Abs(float64(x)))
		}
		for c := range scale {
			scale[c] /= levels
		}
		for i, x := range v {
			if s := scale[i%channels]; s != 0 {
				v[i] = float32(math.Max(-levels, math.Min(levels, r.round(float64(x)/s))) * s)
			}
		}
	}
	src := rand.New(rand.NewPCG(3, 3))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, name := range []string{"int2", "int4", "int8"} {
		f, _ := ParseFormat(name)
		for _, channels := range []int{1, 3, 7} {
			for _, stochastic := range []bool{false, true} {
				for trial := range 200 {
					v := make([]float32, 7*channels)
					for i := range v {
						v[i] = float32(src.NormFloat64() * math.Pow(10, float64(src.IntN(5)-2)))
						if trial%4 == 0 && src.IntN(8) == 0 {
							v[i] = special[src.IntN(len(special))]
						}
					}
					want := slices.Clone(v)
					literal(f, want, channels, Rounding{Stochastic: stochastic, R: rand.New(rand.NewPCG(uint64(trial), 1))})
					f.Quantize(v, channels, Rounding{Stochastic: stochastic, R: rand.New(rand.NewPCG(uint64(trial), 1))})
					for i := range v {
						if math.Float32bits(v[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s, %d channels, stochastic %v, trial %d: value %d is %v (%#x), want %v (%#x)", name, channels, stochastic, trial, i, v[i], math.Float32bits(v[i]), want[i], math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	}
}

// BenchmarkQuantizeInt8 rounds a 256×784 weight matrix per channel, as an
// int8 profile does on every write.
func BenchmarkQuantizeInt8(b *testing.B) {
	f, _ := ParseFormat("int8")
	v := make([]float32, 256*784)
	src := rand.New(rand.NewPCG(1, 1))
	for i := range v {
		v[i] = float32(src.NormFloat64())
	}
	for _, stochastic := range []bool{false, true} {
		b.Run(map[bool]string{false: "nearest", true: "stochastic"}[stochastic], func(b *testing.B) {
			r := Rounding{Stochastic: stochastic, R: rand.New(rand.NewPCG(2, 2))}
			for range b.N {
				f.Quantize(v, 784, r)
			}
		})
	}
}
