package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// lossOf runs the network forward and returns the mean loss of out against
// the labels (cross-entropy) or against the targets (MSE).
func lossOf(e *Engine, s *Sequential, x *Tensor, labels []int, targets *Tensor, grad *Tensor) float64 {
	y := s.Forward(e, x)
	if targets != nil {
		return MeanSquaredError(y, targets, grad)
	}
	l, _ := SoftmaxCrossEntropy(y, labels, grad)
	return l
}

// TestGradientsMatchFiniteDifferences checks Backward against central
// differences for every parameter of small MLPs, with each activation and
// both losses: |analytic − numeric| ≤ 2e-2·max(|numeric|, 1e-2).
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		act string
		mse bool
	}{{"relu", false}, {"tanh", false}, {"sigmoid", false}, {"tanh", true}, {"identity", true}} {
		t.Run(tc.act+map[bool]string{false: "/ce", true: "/mse"}[tc.mse], func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			spec := ModelSpec{Kind: "mlp", Hidden: []int{7, 5}, Activation: tc.act, Init: "torch"}
			s, err := Build(spec, []int{6}, 4, r)
			if err != nil {
				t.Fatal(err)
			}
			x := NewTensor(3, 6)
			Gaussian(x.Data, 1, r)
			labels := []int{0, 3, 1}
			var targets *Tensor
			if tc.mse {
				targets = NewTensor(3, 4)
				Gaussian(targets.Data, 1, r)
			}
			var e Engine
			grad := NewTensor(3, 4)
			lossOf(&e, s, x, labels, targets, grad)
			s.Backward(&e, grad)
			const h = 1e-2
			for _, p := range s.Params() {
				for i := range p.Value.Data {
					old := p.Value.Data[i]
					p.Value.Data[i] = old + h
					up := lossOf(&e, s, x, labels, targets, nil)
					p.Value.Data[i] = old - h
					down := lossOf(&e, s, x, labels, targets, nil)
					p.Value.Data[i] = old
					num := (up - down) / (2 * h)
					got := float64(p.Grad.Data[i])
					if math.Abs(got-num) > 2e-2*math.Max(math.Abs(num), 1e-2) {
						t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", p.Name, i, got, num)
					}
				}
			}
		})
	}
}

func TestMatMulCountsMACsAndTransposes(t *testing.T) {
	a := &Tensor{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}
	b := &Tensor{Shape: []int{2, 3}, Data: []float32{1, 0, 1, 0, 1, 0}}
	c := NewTensor(2, 2)
	var e Engine
	e.MatMul(c, a, false, b, true, 1, 0) // A·Bᵀ
	want := []float32{4, 2, 10, 5}
	for i, v := range want {
		if c.Data[i] != v {
			t.Fatalf("A·Bᵀ = %v, want %v", c.Data, want)
		}
	}
	if e.MACs != 2*2*3 {
		t.Errorf("MACs = %d, want 12", e.MACs)
	}
	ata := NewTensor(3, 3)
	e.MatMul(ata, a, true, a, false, 1, 0) // Aᵀ·A
	if ata.Data[0] != 17 || ata.Data[8] != 45 {
		t.Errorf("Aᵀ·A = %v", ata.Data)
	}
}

func TestMatMulPanicsOnMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on 2×3 · 2×3")
		}
	}()
	var e Engine
	e.MatMul(NewTensor(2, 3), NewTensor(2, 3), false, NewTensor(2, 3), false, 1, 0)
}

func TestSequentialMACsMatchCountedForward(t *testing.T) {
	s, err := Build(ModelSpec{Kind: "mlp", Hidden: []int{32, 16}}, []int{20}, 10, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	var e Engine
	s.Forward(&e, NewTensor(5, 20))
	if want := 5 * s.MACs(); e.MACs != want {
		t.Errorf("counted %d MACs for 5 samples, analytic %d", e.MACs, want)
	}
	if s.MACs() != 20*32+32*16+16*10 {
		t.Errorf("MACs() = %d", s.MACs())
	}
}

func TestSGDMomentumMatchesHandComputation(t *testing.T) {
	p := newParam("w", 1)
	p.Value.Data[0] = 1
	o := &SGD{LR: 0.1, Momentum: 0.9}
	p.Grad.Data[0] = 1
	o.Step([]*Param{p}) // v = 1, w = 0.9
	o.Step([]*Param{p}) // v = 1.9, w = 0.71
	if got := p.Value.Data[0]; math.Abs(float64(got)-0.71) > 1e-6 {
		t.Errorf("w = %v, want 0.71", got)
	}
}

func TestAdamFirstStepIsLR(t *testing.T) {
	p := newParam("w", 2)
	p.Grad.Data[0], p.Grad.Data[1] = 3, -0.001
	o := &Adam{LR: 0.01}
	o.Step([]*Param{p})
	// With bias correction the first step is lr·sign(g) (up to ε).
	if math.Abs(float64(p.Value.Data[0])+0.01) > 1e-6 || math.Abs(float64(p.Value.Data[1])-0.01) > 1e-5 {
		t.Errorf("after one step w = %v, want [-0.01 0.01]", p.Value.Data)
	}
}

func TestSoftmaxCrossEntropyKnownValue(t *testing.T) {
	logits := &Tensor{Shape: []int{1, 3}, Data: []float32{0, 0, 0}}
	grad := NewTensor(1, 3)
	loss, correct := SoftmaxCrossEntropy(logits, []int{1}, grad)
	if math.Abs(loss-math.Log(3)) > 1e-6 {
		t.Errorf("loss = %v, want ln 3", loss)
	}
	if correct != 0 { // ties go to the first index
		t.Errorf("correct = %d", correct)
	}
	if math.Abs(float64(grad.Data[1])+2.0/3) > 1e-6 {
		t.Errorf("grad = %v", grad.Data)
	}
}

func TestSGDVariantsMatchHandComputation(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    *SGD
		want float64 // w after two steps from w = 1 with g = 1
	}{
		{"plain", &SGD{LR: 0.1}, 0.8},
		{"decay", &SGD{LR: 0.1, WeightDecay: 0.5}, 1 - 0.1*1.5 - 0.1*(1+0.5*0.85)},
		{"nesterov", &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true}, 1 - 0.1*(1+0.9) - 0.1*(1+0.9*1.9)},
	} {
		p := newParam("w", 1)
		p.Value.Data[0] = 1
		for range 2 {
			p.Grad.Data[0] = 1
			tc.o.Step([]*Param{p})
		}
		if got := float64(p.Value.Data[0]); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%s: w = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestOptimizerStateRoundTrip checks that an optimizer restored from another's
// state continues exactly as the original does.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, mk := range []func() StatefulOptimizer{
		func() StatefulOptimizer { return &SGD{LR: 0.1, Momentum: 0.9} },
		func() StatefulOptimizer { return &Adam{LR: 0.01} },
		func() StatefulOptimizer { return &RMSprop{LR: 0.01} },
	} {
		p := newParam("w", 3)
		step := func(o Optimizer) {
			for i := range p.Grad.Data {
				p.Grad.Data[i] = p.Value.Data[i] + float32(i)
			}
			o.Step([]*Param{p})
		}
		a := mk()
		step(a)
		step(a)
		saved := a.State([]*Param{p})
		w := append([]float32(nil), p.Value.Data...)
		step(a)
		want := append([]float32(nil), p.Value.Data...)
		copy(p.Value.Data, w)
		b := mk()
		if err := b.SetState([]*Param{p}, saved); err != nil {
			t.Fatal(err)
		}
		step(b)
		for i := range want {
			if p.Value.Data[i] != want[i] {
				t.Fatalf("%T: restored optimizer gives %v, original %v", a, p.Value.Data, want)
			}
		}
	}
}

func TestRMSpropFirstStep(t *testing.T) {
	p := newParam("w", 1)
	p.Grad.Data[0] = 2
	(&RMSprop{LR: 0.01}).Step([]*Param{p})
	// v = 0.01·g², so the step is lr·g/(0.1·|g|) = 10·lr.
	if got := float64(p.Value.Data[0]); math.Abs(got+0.1) > 1e-6 {
		t.Errorf("w = %v, want -0.1", got)
	}
}

func TestLinearCooldown(t *testing.T) {
	s := OptimizerSpec{Name: "sgd", LR: 0.1, Schedule: "linear_cooldown"}
	var got []float64
	for e := 1; e <= 6; e++ {
		got = append(got, s.LRFactor(e, 6))
	}
	// Constant for epochs 1–3, then 2(1 + 6 − e)/6.
	want := []float64{1, 1, 1, 1, 2.0 / 3, 1.0 / 3}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("factors %v, want %v", got, want)
		}
	}
	if (OptimizerSpec{Name: "sgd", LR: 0.1}).LRFactor(6, 6) != 1 {
		t.Error("no schedule scaled the rate")
	}
	if err := (OptimizerSpec{Name: "sgd", LR: 0.1, Schedule: "cosine"}).Validate(); err == nil || !strings.Contains(err.Error(), "unknown schedule") {
		t.Errorf("unknown schedule accepted: %v", err)
	}
}
