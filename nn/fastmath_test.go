package nn

import (
	"math"
	"testing"
)

// TestFastMath checks expSlice, sigmoid and tanh32 against package math over
// the range the gates see: relative error within 4·2⁻²³, or an absolute
// error of 1e-7 (sigmoid far below 0) and 2e-7 (tanh near 0, where
// 2/(1 + e^{−2a}) − 1 cancels), saturating cleanly outside.
func TestFastMath(t *testing.T) {
	const ulp = 1.0 / (1 << 23)
	for x := -30.0; x <= 30; x += 0.0137 {
		f := float32(x)
		e := []float32{f}
		expSlice(e)
		if got, want := float64(e[0]), math.Exp(float64(f)); math.Abs(got-want) > 4*ulp*want {
			t.Fatalf("exp(%v) = %v, want %v", f, got, want)
		}
		v := []float32{f, f}
		sigmoid(v[:1])
		tanh32(v[1:])
		s := 1 / (1 + math.Exp(-float64(f)))
		if math.Abs(float64(v[0])-s) > math.Max(4*ulp*s, 1e-7) {
			t.Fatalf("sigmoid(%v) = %v, want %v", f, v[0], s)
		}
		th := math.Tanh(float64(f))
		if math.Abs(float64(v[1])-th) > math.Max(4*ulp*math.Abs(th), 2e-7) {
			t.Fatalf("tanh32(%v) = %v, want %v", f, v[1], th)
		}
	}
	v := []float32{-200, 200, float32(math.Inf(1))}
	sigmoid(v[:2])
	if v[0] != 0 && v[0] > 1e-37 || v[1] != 1 {
		t.Errorf("sigmoid(−200, 200) = %v, want 0 and 1", v[:2])
	}
	w := []float32{-200, 200}
	tanh32(w)
	if w[0] != -1 || w[1] != 1 {
		t.Errorf("tanh32(−200, 200) = %v, want −1 and 1", w)
	}
}
