package vecmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFastMath checks Exp, Sigmoid and Tanh against package math over
// the range the gates see: relative error within 4·2⁻²³, or an absolute
// error of 1e-7 (sigmoid far below 0) and 2e-7 (tanh near 0, where
// 2/(1 + e^{−2a}) − 1 cancels), saturating cleanly outside.
func TestFastMath(t *testing.T) {
	const ulp = 1.0 / (1 << 23)
	for x := -30.0; x <= 30; x += 0.0137 {
		f := float32(x)
		e := []float32{f}
		Exp(e)
		if got, want := float64(e[0]), math.Exp(float64(f)); math.Abs(got-want) > 4*ulp*want {
			t.Fatalf("exp(%v) = %v, want %v", f, got, want)
		}
		v := []float32{f, f}
		Sigmoid(v[:1])
		Tanh(v[1:])
		s := 1 / (1 + math.Exp(-float64(f)))
		if math.Abs(float64(v[0])-s) > math.Max(4*ulp*s, 1e-7) {
			t.Fatalf("Sigmoid(%v) = %v, want %v", f, v[0], s)
		}
		th := math.Tanh(float64(f))
		if math.Abs(float64(v[1])-th) > math.Max(4*ulp*math.Abs(th), 2e-7) {
			t.Fatalf("Tanh(%v) = %v, want %v", f, v[1], th)
		}
	}
	v := []float32{-200, 200, float32(math.Inf(1))}
	Sigmoid(v[:2])
	if v[0] != 0 && v[0] > 1e-37 || v[1] != 1 {
		t.Errorf("Sigmoid(−200, 200) = %v, want 0 and 1", v[:2])
	}
	w := []float32{-200, 200}
	Tanh(w)
	if w[0] != -1 || w[1] != 1 {
		t.Errorf("Tanh(−200, 200) = %v, want −1 and 1", w)
	}
}

// TestVectorFastMath: the vector kernels give the scalar loops' bits, on
// values across the whole float32 range and the special ones, so that a
// record does not depend on which path computed it, nor on whether the CPU
// has AVX2.
func TestVectorFastMath(t *testing.T) {
	if !vectorised {
		t.Skip("no vector kernels on this platform")
	}
	r := rand.New(rand.NewPCG(1, 2))
	in := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, expMin, expMax, -87.5, 88.5, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32}
	for len(in) < 100007 {
		switch len(in) % 3 {
		case 0:
			in = append(in, float32(r.NormFloat64()*10))
		case 1:
			in = append(in, float32(r.Float64()*200-100))
		default:
			in = append(in, math.Float32frombits(r.Uint32()))
		}
	}
	onEveryPath(func(avx2 bool) {
		// 100003 values leave 3 to the scalar loop, 100007 also 4 to SSE2
		// when AVX2 takes the bulk.
		for _, n := range []int{100003, 100007} {
			compareWithScalar(t, in[:n], avx2)
		}
	})
}

// onEveryPath calls f with the SSE2 kernels doing the bulk, then with the
// AVX2 ones when the CPU has them.
func onEveryPath(f func(avx2 bool)) {
	defer func(was bool) { hasAVX2 = was }(hasAVX2)
	paths := []bool{false}
	if hasAVX2 {
		paths = append(paths, true)
	}
	for _, avx2 := range paths {
		hasAVX2 = avx2
		f(avx2)
	}
}

func compareWithScalar(t *testing.T, in []float32, avx2 bool) {
	t.Helper()
	for _, f := range []struct {
		name           string
		vector, scalar func([]float32)
	}{{"exp", Exp, expScalar}, {"sigmoid", Sigmoid, sigmoidScalar}, {"tanh", Tanh, tanhScalar}} {
		got, want := slices.Clone(in), slices.Clone(in)
		f.vector(got)
		f.scalar(want)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s(%v), AVX2 %v: vector %v (%#x), scalar %v (%#x)", f.name, in[i], avx2, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				break
			}
		}
	}
}

// BenchmarkKernels times Sigmoid and Tanh over an LSTM step's gates (64
// samples × 512) on each path this CPU has.
func BenchmarkKernels(b *testing.B) {
	src, v := make([]float32, 64*512), make([]float32, 64*512)
	for i := range src {
		src[i] = float32(i%200)/20 - 5
	}
	onEveryPath(func(avx2 bool) {
		path := map[bool]string{false: "sse2", true: "avx2"}[avx2]
		for _, f := range []struct {
			name string
			fn   func([]float32)
		}{{"sigmoid", Sigmoid}, {"tanh", Tanh}} {
			b.Run(f.name+"/"+path, func(b *testing.B) {
				for range b.N {
					copy(v, src)
					f.fn(v)
				}
			})
		}
	})
}
