package hardware

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// TestWeightNoiseIsAdditive checks the memristor model of weight_noise: a
// write adds N(0, (κ·max|W|)²) to every weight of a matrix, whatever the
// update (here none), and leaves biases alone.
func TestWeightNoiseIsAdditive(t *testing.T) {
	const kappa = 0.01
	w := &nn.Param{Name: "W", Value: nn.NewTensor(200, 100), Grad: nn.NewTensor(200, 100)}
	b := &nn.Param{Name: "b", Value: nn.NewTensor(100), Grad: nn.NewTensor(100)}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range w.Value.Data {
		w.Value.Data[i] = float32(2*r.Float64() - 1) // max|W| ≈ 1
	}
	for i := range b.Value.Data {
		b.Value.Data[i] = 0.5
	}
	p := Profile{WeightNoise: kappa, Range: 10}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	d := NewDevice(p, func(s string) *rand.Rand { return rand.New(rand.NewPCG(3, uint64(len(s)))) })
	params := []*nn.Param{w, b}
	d.Program(params)
	before := append([]float32(nil), w.Value.Data...)
	var m float64
	for _, v := range before {
		m = math.Max(m, math.Abs(float64(v)))
	}
	d.Step(params, func() {}) // no update: what changes is the noise
	var sum, sq float64
	for i, v := range w.Value.Data {
		x := float64(v - before[i])
		sum += x
		sq += x * x
	}
	n := float64(len(before))
	mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
	if want := kappa * m; math.Abs(std-want) > 0.05*want || math.Abs(mean) > 0.05*want {
		t.Errorf("weight changes: mean %.3g, std %.4g; want 0 and κ·max|W| = %.4g", mean, std, want)
	}
	for _, v := range b.Value.Data {
		if v != 0.5 {
			t.Fatalf("a bias moved to %v: biases stay digital", v)
		}
	}
	if p.Noise() != kappa || p.IsIdeal() {
		t.Errorf("Noise() %v, IsIdeal() %v", p.Noise(), p.IsIdeal())
	}
}
