package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// poolCases are geometries of rows short and long enough for the vector
// kernels, with rows that do and do not follow each other in the input.
func poolCases(r *rand.Rand, each func(p Pool2)) {
	for round := range 1500 {
		ow := 1 + round%41
		w := 2*ow + r.IntN(3)
		each(Pool2{Rows: 1 + r.IntN(4), OW: ow, W: w, Stride: 2*w + r.IntN(3), Base: r.IntN(100)})
	}
}

// TestMaxPool2Kernel: the vector kernel gives the scalar loop's maxima, bit
// for bit (NaN payloads and signed zeros included), and the same positions,
// ties going to the first.
func TestMaxPool2Kernel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// A few values, drawn often, make ties and every order of them.
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, 1e-40,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800123)}
	poolCases(r, func(p Pool2) {
		in := make([]float32, (p.Rows-1)*p.Stride+p.W+2*p.OW)
		for i := range in {
			if r.IntN(4) == 0 {
				in[i] = math.Float32frombits(r.Uint32())
			} else {
				in[i] = few[r.IntN(len(few))]
			}
		}
		n := p.Rows * p.OW
		var out [2][]float32
		var pos [2][]int32
		onEveryPath(func(avx2 bool) {
			k := map[bool]int{false: 0, true: 1}[avx2]
			out[k], pos[k] = make([]float32, n), make([]int32, n)
			MaxPool2(in, out[k], pos[k], p)
		})
		for i := range n {
			q, j := i/p.OW, i%p.OW
			r0 := in[q*p.Stride+2*j:]
			want, wantAt := make([]float32, 1), make([]int32, 1)
			maxPool2Row(r0[:2], r0[p.W:p.W+2], want, wantAt, int32(p.Base+q*p.Stride+2*j), int32(p.W))
			for k := range out {
				if out[k] == nil {
					continue
				}
				if math.Float32bits(out[k][i]) != math.Float32bits(want[0]) || pos[k][i] != wantAt[0] {
					t.Fatalf("%+v, output %d, path %d: %v (%#x) at %d, want %v (%#x) at %d", p, i, k,
						out[k][i], math.Float32bits(out[k][i]), pos[k][i], want[0], math.Float32bits(want[0]), wantAt[0])
				}
			}
		}
	})
}

// TestMaxPool2Ties: the first of equal maxima wins, −0 and +0 compare
// equal, and a NaN maximum points at the last input.
func TestMaxPool2Ties(t *testing.T) {
	neg0 := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	for _, c := range []struct {
		in   [4]float32 // r0[0], r0[1], r1[0], r1[1]
		best float32
		at   int32
	}{
		{[4]float32{1, 2, 3, 4}, 4, 3}, {[4]float32{4, 3, 2, 1}, 4, 0}, {[4]float32{1, 4, 4, 1}, 4, 1},
		{[4]float32{1, 2, 4, 4}, 4, 2}, {[4]float32{neg0, 0, -1, -1}, 0, 0}, {[4]float32{1, nan, 2, 3}, nan, 3},
	} {
		out, at := make([]float32, 1), make([]int32, 1)
		MaxPool2(c.in[:], out, at, Pool2{Rows: 1, OW: 1, W: 2, Stride: 4})
		if math.Float32bits(out[0]) != math.Float32bits(c.best) && !(math.IsNaN(float64(out[0])) && math.IsNaN(float64(c.best))) || at[0] != c.at {
			t.Errorf("%v: %v at %d, want %v at %d", c.in, out[0], at[0], c.best, c.at)
		}
	}
}

// TestMaxPool2Back: the adjoint writes what clearing the windows and adding
// each gradient at its position gives, bit for bit (−0 becomes +0), on both
// paths, and leaves inputs outside every window alone.
func TestMaxPool2Back(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-40, float32(math.NaN()), math.Float32frombits(0x7f800123)}
	poolCases(r, func(p Pool2) {
		n := p.Rows * p.OW
		g, at := make([]float32, n), make([]int32, n)
		size := (p.Rows-1)*p.Stride + p.W + 2*p.OW
		want := make([]float32, size)
		for i := range want {
			want[i] = float32(math.NaN()) // outside the windows: untouched
		}
		for i := range n {
			q, j := i/p.OW, i%p.OW
			first := q*p.Stride + 2*j
			for _, k := range []int{first, first + 1, first + p.W, first + p.W + 1} {
				want[k] = 0
			}
		}
		for i := range g {
			g[i] = few[r.IntN(len(few))]
			if r.IntN(2) == 0 {
				g[i] = float32(r.NormFloat64())
			}
			q, j := i/p.OW, i%p.OW
			k := q*p.Stride + 2*j + []int{0, 1, p.W, p.W + 1}[r.IntN(4)]
			at[i] = int32(p.Base + k)
			want[k] += g[i]
		}
		onEveryPath(func(avx2 bool) {
			din := make([]float32, size)
			for i := range din {
				din[i] = float32(math.NaN())
			}
			MaxPool2Back(din, g, at, p)
			for i := range din {
				if math.Float32bits(din[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(din[i])) && math.IsNaN(float64(want[i])) && math.Float32bits(want[i]) == math.Float32bits(float32(math.NaN()))) {
					t.Fatalf("%+v, AVX2 %v, input %d: %v (%#x), want %v (%#x)", p, avx2, i, din[i], math.Float32bits(din[i]), want[i], math.Float32bits(want[i]))
				}
			}
		})
	})
}
