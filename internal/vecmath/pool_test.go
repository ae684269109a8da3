package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2Kernel: the vector kernel gives the scalar loop's maxima, bit
// for bit (NaN payloads and signed zeros included), and the same positions,
// ties going to the first; on every length, so that the last outputs, which
// it pools again, overlap every way.
func TestMaxPool2Kernel(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no vector pooling on this CPU")
	}
	r := rand.New(rand.NewPCG(3, 4))
	// A few values, drawn often, make ties and every order of them.
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, 1e-40,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800123)}
	draw := func() float32 {
		if r.IntN(4) == 0 {
			return math.Float32frombits(r.Uint32())
		}
		return few[r.IntN(len(few))]
	}
	for round := range 2000 {
		n := 1 + round%41
		r0, r1 := make([]float32, 2*n+round%3), make([]float32, 2*n)
		for i := range r0 {
			r0[i] = draw()
		}
		for i := range r1 {
			r1[i] = draw()
		}
		base, w := int32(r.IntN(1000)), int32(2*n+r.IntN(9))
		got, want := make([]float32, n), make([]float32, n)
		gotAt, wantAt := make([]int32, n), make([]int32, n)
		MaxPool2(r0, r1, got, gotAt, base, w)
		maxPool2Scalar(r0, r1, want, wantAt, base, w)
		for i := range n {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || gotAt[i] != wantAt[i] {
				t.Fatalf("length %d, output %d of %v %v / %v %v: kernel %v (%#x) at %d, scalar %v (%#x) at %d",
					n, i, r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1], got[i], math.Float32bits(got[i]), gotAt[i],
					want[i], math.Float32bits(want[i]), wantAt[i])
			}
		}
	}
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
		{[4]float32{1, 2, 3, 4}, 4, 11}, {[4]float32{4, 3, 2, 1}, 4, 0}, {[4]float32{1, 4, 4, 1}, 4, 1},
		{[4]float32{1, 2, 4, 4}, 4, 10}, {[4]float32{neg0, 0, -1, -1}, 0, 0}, {[4]float32{1, nan, 2, 3}, nan, 11},
	} {
		out, at := make([]float32, 1), make([]int32, 1)
		for _, f := range []func(r0, r1, out []float32, at []int32, base, w int32){MaxPool2, maxPool2Scalar} {
			f(c.in[:2], c.in[2:], out, at, 0, 10)
			if math.Float32bits(out[0]) != math.Float32bits(c.best) && !(math.IsNaN(float64(out[0])) && math.IsNaN(float64(c.best))) || at[0] != c.at {
				t.Errorf("%v: %v at %d, want %v at %d", c.in, out[0], at[0], c.best, c.at)
			}
		}
	}
}

// TestMaxPool2Back: the adjoint writes what clearing the input rows and
// adding each gradient at its position gives, bit for bit (−0 becomes +0),
// on both paths and every length.
func TestMaxPool2Back(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-40, float32(math.NaN()), math.Float32frombits(0x7f800123)}
	onEveryPath(func(avx2 bool) {
		for round := range 1000 {
			n := 1 + round%41
			w := int32(2*n + r.IntN(5))
			base := int32(r.IntN(100))
			g, at := make([]float32, n), make([]int32, n)
			for i := range g {
				g[i] = few[r.IntN(len(few))]
				if r.IntN(2) == 0 {
					g[i] = float32(r.NormFloat64())
				}
				at[i] = base + 2*int32(i) + []int32{0, 1, w, w + 1}[r.IntN(4)]
			}
			rows := make([]float32, base+2*w)
			want := make([]float32, len(rows))
			for i, v := range g {
				want[at[i]] += v
			}
			for i := range rows {
				rows[i] = float32(math.NaN()) // every value of the windows must be written
			}
			MaxPool2Back(rows[base:base+2*int32(n)], rows[base+w:base+w+2*int32(n)], g, at, base, w)
			for i := range n {
				for _, j := range []int32{base + 2*int32(i), base + 2*int32(i) + 1, base + w + 2*int32(i), base + w + 2*int32(i) + 1} {
					if math.Float32bits(rows[j]) != math.Float32bits(want[j]) {
						t.Fatalf("AVX2 %v, length %d, input %d: %v (%#x), want %v (%#x)", avx2, n, j, rows[j], math.Float32bits(rows[j]), want[j], math.Float32bits(want[j]))
					}
				}
			}
		}
	})
}
