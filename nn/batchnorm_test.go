package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormGradients checks training-mode BatchNorm, whose gradient runs
// through the batch statistics, after a convolution (per-channel statistics
// over positions) and after a Dense layer (one position per channel).
func TestBatchNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	conv, _ := NewConv2D(2, 5, 5, 3, 3, 1, 1)
	bn := NewBatchNorm(3, 25)
	Uniform(bn.Gamma.Value.Data, 1, r)
	Uniform(bn.Beta.Value.Data, 1, r)
	s := &Sequential{Layers: []Layer{conv, bn, NewAct(Tanh{}), NewFlatten([]int{3, 5, 5}), NewDense(75, 5), NewBatchNorm(5, 1), NewDense(5, 4)}}
	Initialize(s, "torch", r)
	x := NewTensor(4, 50)
	Gaussian(x.Data, 1, r)
	gradCheck(t, s, x, []int{0, 3, 1, 2})
}

func TestBatchNormEvalUsesRunningStatistics(t *testing.T) {
	bn := NewBatchNorm(2, 3)
	x := &Tensor{Shape: []int{2, 6}, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	bn.Forward(nil, x)
	// Channel 0 holds 1 2 3 7 8 9: mean 5, unbiased variance 58/5.
	if got, want := bn.Mean.Data[0], float32(0.9*0+0.1*5); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("running mean %v, want %v", got, want)
	}
	if got, want := bn.Var.Data[0], float32(0.9*1+0.1*11.6); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("running variance %v, want %v", got, want)
	}
	s := &Sequential{Layers: []Layer{bn}}
	s.SetTraining(false)
	bn.Gamma.Value.Data[1], bn.Beta.Value.Data[1] = 2, 1
	y := bn.Forward(nil, x)
	mean, variance := float64(bn.Mean.Data[1]), float64(bn.Var.Data[1])
	for s := 0; s < 2; s++ {
		for p := 0; p < 3; p++ {
			v := float64(x.Row(s)[3+p])
			want := 2*(v-mean)/math.Sqrt(variance+1e-5) + 1
			if got := float64(y.Row(s)[3+p]); math.Abs(got-want) > 1e-5 {
				t.Errorf("eval output [%d][%d] = %v, want %v", s, 3+p, got, want)
			}
		}
	}
	if m := bn.Mean.Data[1]; m != float32(0.1*8) {
		t.Errorf("evaluation moved the running mean to %v", m)
	}
	if n := len(s.State()); n != 2 {
		t.Errorf("State has %d tensors, want the running mean and variance", n)
	}
}

// TestConvGradsPairsAnyInput checks that Grads with an input other than the
// last one gives what a Forward on that input and Backward give.
func TestConvGradsPairsAnyInput(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	conv, _ := NewConv2D(2, 5, 4, 3, 3, 1, 1)
	Initialize(&Sequential{Layers: []Layer{conv}}, "torch", r)
	var e Engine
	x, other := NewTensor(3, 40), NewTensor(3, 40)
	Gaussian(x.Data, 1, r)
	Gaussian(other.Data, 1, r)
	dy := NewTensor(3, 3*5*4)
	Gaussian(dy.Data, 1, r)

	conv.Forward(&e, other)
	conv.Backward(&e, dy, false)
	want := conv.Wt.Grad.Clone()
	conv.Forward(&e, x)
	conv.Grads(&e, other, dy)
	for i, v := range conv.Wt.Grad.Data {
		if math.Abs(float64(v-want.Data[i])) > 1e-5 {
			t.Fatalf("dW[%d] = %v, want %v", i, v, want.Data[i])
		}
	}
}

// TestTwinSharesWeightsNotBuffers checks that a forward pass through a twin
// leaves the original's kept input and output as they were.
func TestTwinSharesWeightsNotBuffers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	conv, _ := NewConv2D(1, 6, 6, 2, 3, 1, 0)
	pool, _ := NewMaxPool2D(2, 4, 4, 2)
	layers := []Layer{conv, NewAct(ReLU{}), pool, NewBatchNorm(2, 4), NewFlatten([]int{2, 2, 2}), NewDense(8, 3)}
	Initialize(&Sequential{Layers: layers}, "torch", r)
	var e Engine
	x := NewTensor(2, 36)
	Gaussian(x.Data, 1, r)
	out := (&Sequential{Layers: layers}).Forward(&e, x).Clone()
	twins := make([]Layer, len(layers))
	for i, l := range layers {
		twins[i] = Twin(l)
	}
	other := NewTensor(2, 36)
	Gaussian(other.Data, 1, r)
	(&Sequential{Layers: twins}).Forward(&e, other)
	if conv.Input() != x {
		t.Error("the twin replaced the convolution's input")
	}
	for i, v := range layers[len(layers)-1].(*Dense).Output().Data {
		if v != out.Data[i] {
			t.Fatalf("the twin overwrote the output: [%d] %v, was %v", i, v, out.Data[i])
		}
	}
	conv.Wt.Value.Data[0] += 1
	if twins[0].(*Conv2D).Wt.Value.Data[0] != conv.Wt.Value.Data[0] {
		t.Error("the twin does not share the filters")
	}
}

// BenchmarkCaFoBlock times a forward and backward pass of CaFo's first CIFAR
// block, Conv(3→32, 3×3, padding 1)-MaxPool2-ReLU-BatchNorm, on a batch of
// 64, and reports GFLOP/s of its products.
func BenchmarkCaFoBlock(b *testing.B) {
	conv, _ := NewConv2D(3, 32, 32, 32, 3, 1, 1)
	pool, _ := NewMaxPool2D(32, 32, 32, 2)
	s := &Sequential{Layers: []Layer{conv, pool, NewAct(ReLU{}), NewBatchNorm(32, 16*16)}}
	Initialize(s, "he", rand.New(rand.NewPCG(1, 1)))
	x := NewTensor(64, 3*32*32)
	Gaussian(x.Data, 1, rand.New(rand.NewPCG(2, 2)))
	dy := NewTensor(64, 32*16*16)
	Gaussian(dy.Data, 1, rand.New(rand.NewPCG(3, 3)))
	var e Engine
	b.ResetTimer()
	for range b.N {
		y := x
		for _, l := range s.Layers {
			y = l.Forward(&e, y)
		}
		g := dy
		for i := len(s.Layers) - 1; i >= 0; i-- {
			g = s.Layers[i].Backward(&e, g, i > 0)
		}
	}
	b.ReportMetric(2*float64(e.MACs)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
