package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// onEveryProductPath runs f with the scalar loops, then the AVX2 kernels,
// then the AVX-512 ones, as far as the CPU has them.
func onEveryProductPath(f func(path string)) {
	defer func(avx2, avx512 bool) { hasAVX2, hasAVX512 = avx2, avx512 }(hasAVX2, hasAVX512)
	avx2, avx512 := hasAVX2, hasAVX512
	hasAVX2, hasAVX512 = false, false
	f("scalar")
	if avx2 {
		hasAVX2 = true
		f("AVX2")
	}
	if avx512 {
		hasAVX512 = true
		f("AVX-512")
	}
}

// productShapes are m, k, n of Product and DotLanes: small ones around the
// kernels' widths, and the paper's CNNs' (filters, 5·5·channels, positions).
var productShapes = [][3]int{{1, 1, 1}, {3, 2, 17}, {4, 1, 16}, {4, 3, 32}, {5, 7, 33}, {7, 5, 48},
	{8, 6, 47}, {9, 11, 80}, {2, 9, 100}, {12, 4, 64}, {32, 75, 784}, {32, 25, 576}, {6, 13, 15},
	{20, 64, 128}, {9, 600, 70}, {24, 300, 40}}

// plainValues leaves out the special values, for benchmarks: denormal
// operands take the CPU's slow path.
var plainValues bool

func randomValues(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
		if !plainValues && r.IntN(50) == 0 { // zeros of both signs, tiny and huge values
			v[i] = []float32{0, float32(math.Copysign(0, -1)), 1e-40, -3e38}[r.IntN(4)]
		}
	}
	return v
}

// TestProduct: every path gives the bits of the definition, one loop over
// the terms per output, bias first; the transposed pack gives the same.
func TestProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range productShapes {
		m, k, n := s[0], s[1], s[2]
		ldy, ldx := n+r.IntN(3), n+r.IntN(40)
		a, b := randomValues(r, m*k), randomValues(r, m)
		at := make([]float32, k*m)
		for i := range m {
			for j := range k {
				at[j*m+i] = a[i*k+j]
			}
		}
		x := randomValues(r, (k-1)*ldx+n)
		want := make([]float32, (m-1)*ldy+n)
		for i := range m {
			for j := range n {
				acc := b[i]
				for q := range k {
					acc += float32(a[i*k+q] * x[q*ldx+j])
				}
				want[i*ldy+j] = acc
			}
		}
		onEveryProductPath(func(path string) {
			for _, trans := range []bool{false, true} {
				var p Packed
				if trans {
					p.Pack(at, m, true, b, m, k)
				} else {
					p.Pack(a, k, false, b, m, k)
				}
				got := make([]float32, len(want))
				for i := range got {
					got[i] = 7 // only y's m×n corner is written
				}
				Product(got, ldy, &p, x, ldx, n)
				for i := range want {
					if i%ldy >= n {
						if got[i] != 7 {
							t.Fatalf("%s %v: wrote y[%d], outside the product", path, s, i)
						}
						continue
					}
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v (transposed pack %v): y[%d,%d] = %v, the loop gives %v", path, s, trans, i/ldy, i%ldy, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestProductAdd: every path gives the bits of the definition, each
// output's terms added one after another onto its value, over two calls,
// by ProductAdd and ProductAddPanels; and from zero by ProductPanels.
func TestProductAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range productShapes {
		m, k, n := s[0], s[1], s[2]
		ldy, lda, ldx := n+r.IntN(3), k+r.IntN(3), n+r.IntN(40)
		y0 := randomValues(r, (m-1)*ldy+n)
		var calls [2][2][]float32
		want := append([]float32(nil), y0...)
		for c := range calls {
			a, x := randomValues(r, (m-1)*lda+k), randomValues(r, (k-1)*ldx+n)
			calls[c] = [2][]float32{a, x}
			for i := range m {
				for j := range n {
					for q := range k {
						want[i*ldy+j] += float32(a[i*lda+q] * x[q*ldx+j])
					}
				}
			}
		}
		onEveryProductPath(func(path string) {
			for name, product := range map[string]func(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int){
				"ProductAdd": ProductAdd, "ProductAddPanels": ProductAddPanels,
			} {
				got := append([]float32(nil), y0...)
				for _, c := range calls {
					product(got, ldy, c[0], lda, m, k, c[1], ldx, n)
				}
				for i, v := range want {
					if math.Float32bits(got[i]) != math.Float32bits(v) {
						t.Fatalf("%s %s %v: y[%d,%d] = %v, the loop gives %v", name, path, s, i/ldy, i%ldy, got[i], v)
					}
				}
			}
			// ProductPanels: the first call's sums from zero, y's values
			// between the rows left as they were.
			got := append([]float32(nil), y0...)
			ProductPanels(got, ldy, calls[0][0], lda, m, k, calls[0][1], ldx, n)
			for i := range got {
				v := y0[i]
				if i%ldy < n {
					v = 0
					for q := range k {
						v += float32(calls[0][0][i/ldy*lda+q] * calls[0][1][q*ldx+i%ldy])
					}
				}
				if math.Float32bits(got[i]) != math.Float32bits(v) {
					t.Fatalf("ProductPanels %s %v: y[%d,%d] = %v, the loop gives %v", path, s, i/ldy, i%ldy, got[i], v)
				}
			}
		})
	}
}

// TestDotLanes: every path gives the bits of the definition, lane q mod 16
// summing its products in order of q, and goes on summing over calls;
// SumLanes then halves the lanes in a tree.
func TestDotLanes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range productShapes {
		m, k, n := s[0], s[1], s[2]
		kp := (k + LaneRows - 1) / LaneRows * LaneRows
		lda, ldx, ldl := n+r.IntN(3), n+r.IntN(40), kp+r.IntN(2)
		var calls [2][2][]float32
		want := make([]float32, (m*ldl)*Lanes)
		for c := range calls {
			a, x := randomValues(r, (m-1)*lda+n), randomValues(r, (kp-1)*ldx+n)
			calls[c] = [2][]float32{a, x}
			for i := range m {
				for j := range k {
					for q := range n {
						want[(i*ldl+j)*Lanes+q%Lanes] += float32(a[i*lda+q] * x[j*ldx+q])
					}
				}
			}
		}
		onEveryProductPath(func(path string) {
			got := make([]float32, len(want))
			for _, c := range calls {
				DotLanes(got, ldl, c[0], lda, m, c[1], ldx, k, n)
			}
			for i := range m {
				for j := range k {
					for l := range Lanes {
						at := (i*ldl+j)*Lanes + l
						if math.Float32bits(got[at]) != math.Float32bits(want[at]) {
							t.Fatalf("%s %v: lane %d of (%d, %d) = %v, the loop gives %v", path, s, l, i, j, got[at], want[at])
						}
					}
				}
			}
		})
	}
	lanes := make([]float32, 2*Lanes)
	for l := range Lanes {
		lanes[l], lanes[Lanes+l] = float32(l), float32(int(1)<<l)
	}
	lanes[0] = 1e8 // 1e8 + 8 is 1e8 + 8 in float32, 1e8 + 1 is not
	sums := make([]float32, 2)
	SumLanes(sums, lanes)
	want := ((1e8 + float32(8)) + (4 + float32(12))) + ((2 + float32(10)) + (6 + float32(14)))
	want = want + (((1 + float32(9)) + (5 + float32(13))) + ((3 + float32(11)) + (7 + float32(15))))
	if sums[0] != want || sums[1] != 1<<16-1 {
		t.Errorf("SumLanes gives %v, %v; want %v, %v", sums[0], sums[1], want, 1<<16-1)
	}
}

func BenchmarkConvProducts(b *testing.B) {
	const F, R, P, n = 32, 75, 784, 8
	defer func(was bool) { plainValues = was }(plainValues)
	plainValues = true
	r := rand.New(rand.NewPCG(1, 2))
	w, bias := randomValues(r, F*R), randomValues(r, F)
	x, dy := randomValues(r, R*n*P), randomValues(r, n*F*P)
	y := make([]float32, F*n*P)
	var p Packed
	p.Pack(w, R, false, bias, F, R)
	lanes := make([]float32, F*R*Lanes)
	onEveryProductPath(func(path string) {
		b.Run("forward/"+path, func(b *testing.B) {
			for range b.N {
				for s := range n {
					Product(y[s*P:], n*P, &p, x[s*P:], n*P, P)
				}
			}
			b.ReportMetric(2*float64(F*R*P*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run("weights/"+path, func(b *testing.B) {
			for range b.N {
				for s := range n {
					DotLanes(lanes, R, dy[s*F*P:], P, F, x[s*P:], n*P, R, P)
				}
			}
			b.ReportMetric(2*float64(F*R*P*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	})
}
