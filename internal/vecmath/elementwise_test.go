package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestElementwiseKernels: ReLU and PassIfPositive give the
// scalar loops' bits on every path (NaN payloads and signed zeros
// included), on every length up to a few vectors.
func TestElementwiseKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-40, -1e-40,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800123)}
	draw := func() float32 {
		if r.IntN(3) == 0 {
			return math.Float32frombits(r.Uint32())
		}
		return few[r.IntN(len(few))]
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s, length %d, value %d: kernel %v (%#x), scalar %v (%#x)", what, len(want), i,
					got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	onEveryPath(func(avx2 bool) {
		for round := range 600 {
			n := round % 37
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = draw(), draw()
			}
			got, want := make([]float32, n), make([]float32, n)

			ReLU(got, a)
			for i, v := range a {
				want[i] = max(v, 0)
			}
			same("ReLU", got, want)

			PassIfPositive(got, a, b)
			for i := range a {
				want[i] = Pass(a[i], b[i])
			}
			same("PassIfPositive", got, want)

			c := make([]float32, n)
			for i := range c {
				c[i] = draw()
			}
			s := float32(1) / float32(1+round%64)
			Difference(got, a, c, s)
			for i := range a {
				want[i] = (a[i] - c[i]) * s
			}
			same("Difference", got, want)
		}
	})
}

// TestPassIfPositive: g where h > 0, +0 where h ≤ 0, g where h is NaN.
func TestPassIfPositive(t *testing.T) {
	nan := float32(math.NaN())
	h := []float32{1, 0, float32(math.Copysign(0, -1)), -2, nan, 1e-40, -1e-40, 3, 4}
	g := []float32{-5, 6, 7, 8, 9, 10, 11, nan, -0.5}
	want := []float32{-5, 0, 0, 0, 9, 10, 0, nan, -0.5}
	got := make([]float32, len(h))
	PassIfPositive(got, g, h)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("g %v, h %v: %v, want %v", g[i], h[i], got[i], want[i])
		}
	}
}

// TestCopyRuns: runs of every width from 1 to 40 land where copy puts
// them, on both paths, and nothing beyond them is written.
func TestCopyRuns(t *testing.T) {
	onEveryPath(func(avx2 bool) {
		for width := 1; width <= 40; width++ {
			for _, stride := range []int{width, width + 3} {
				const runs = 5
				src := make([]float32, (runs-1)*stride+width)
				for i := range src {
					src[i] = float32(i + 1)
				}
				dst := make([]float32, runs*width+8)
				CopyRuns(dst[:runs*width], src, runs, width, stride)
				for r := range runs {
					for i := range width {
						if got, want := dst[r*width+i], src[r*stride+i]; got != want {
							t.Fatalf("AVX2 %v, width %d, stride %d: run %d value %d is %v, want %v", avx2, width, stride, r, i, got, want)
						}
					}
				}
				for _, v := range dst[runs*width:] {
					if v != 0 {
						t.Fatalf("AVX2 %v, width %d: wrote past the runs", avx2, width)
					}
				}
			}
		}
	})
}

// TestNormalizeKernels: Normalize and NormBack give the loops' bits on
// both paths, with NaNs of several payloads in the values. (Not in the
// scalars: where both factors of a product are NaN, which one's payload a
// Go loop keeps depends on how the compiler orders them.)
func TestNormalizeKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -2, 1e-40, float32(math.Inf(1)),
		float32(math.NaN()), math.Float32frombits(0xffc00001), math.Float32frombits(0x7fc00abc)}
	draw := func() float32 {
		if r.IntN(3) == 0 {
			return few[r.IntN(len(few))]
		}
		return float32(r.NormFloat64())
	}
	onEveryPath(func(avx2 bool) {
		for round := range 400 {
			n := round % 29
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = draw(), draw()
			}
			var c [4]float32
			for i := range c {
				for c[i] = draw(); c[i] != c[i]; c[i] = draw() {
				}
			}
			xh, y := make([]float32, n), make([]float32, n)
			Normalize(xh, y, a, c[0], c[1], c[2], c[3])
			for i, v := range a {
				wantXh := (v - c[0]) * c[1]
				wantY := c[2]*wantXh + c[3]
				if math.Float32bits(xh[i]) != math.Float32bits(wantXh) || math.Float32bits(y[i]) != math.Float32bits(wantY) {
					t.Fatalf("AVX2 %v: Normalize(%v; %v) = %v, %v; want %v, %v", avx2, v, c, xh[i], y[i], wantXh, wantY)
				}
			}
			dx := make([]float32, n)
			NormBack(dx, a, b, c[0], c[1], c[2])
			for i := range a {
				want := c[0] * (a[i] - c[1] - b[i]*c[2])
				if math.Float32bits(dx[i]) != math.Float32bits(want) {
					t.Fatalf("AVX2 %v: NormBack(%v, %v; %v) = %v (%#x), want %v (%#x)", avx2, a[i], b[i], c, dx[i], math.Float32bits(dx[i]), want, math.Float32bits(want))
				}
			}
		}
	})
}

// TestTranspose: every element lands transposed and scaled, with the bits
// of one multiply, on both paths, for shapes around the kernel's 8×8
// blocks, and nothing outside the rows and columns is written.
func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	onEveryPath(func(avx2 bool) {
		for _, s := range [][2]int{{1, 1}, {8, 8}, {3, 17}, {16, 9}, {23, 40}, {64, 13}} {
			rows, cols := s[0], s[1]
			for _, alpha := range []float32{1, -0.3} {
				ldd, lds := cols+r.IntN(3), rows+r.IntN(5)
				src := randomValues(r, cols*lds)
				dst := make([]float32, rows*ldd)
				Transpose(dst, ldd, src, lds, rows, cols, alpha)
				for i := range rows {
					for j := range ldd {
						want := float32(0)
						if j < cols {
							want = alpha * src[j*lds+i]
						}
						if got := dst[i*ldd+j]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("AVX2 %v, %d×%d, α %v: dst[%d,%d] = %v, want %v", avx2, rows, cols, alpha, i, j, got, want)
						}
					}
				}
			}
		}
	})
}
