package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkGradients compares every parameter gradient of s after Backward with
// central differences of step h of the loss against y.
func checkGradients(t *testing.T, s *Sequential, x *Tensor, y Targets, h float32) {
	t.Helper()
	var e Engine
	loss := func(grad *Tensor) float64 {
		l, _ := y.Loss(s.Forward(&e, x), grad)
		return l
	}
	out := s.Forward(&e, x)
	grad := NewTensor(out.Rows(), out.Cols())
	loss(grad)
	s.Backward(&e, grad)
	for _, p := range s.Params() {
		for i := range p.Value.Data {
			old := p.Value.Data[i]
			p.Value.Data[i] = old + h
			up := loss(nil)
			p.Value.Data[i] = old - h
			down := loss(nil)
			p.Value.Data[i] = old
			num := (up - down) / float64(2*h)
			if got := float64(p.Grad.Data[i]); math.Abs(got-num) > 2e-2*math.Max(math.Abs(num), 1e-2) {
				t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", p.Name, i, got, num)
			}
		}
	}
}

// TestBPTTMatchesFiniteDifferences checks backpropagation through time in
// every recurrent configuration: the cells, ReLU, readouts at the last
// step, at every step and at the last few, stacked layers, token inputs
// (one-hot and learned embeddings), and both losses.
func TestBPTTMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  ModelSpec
		io    IO
		value bool
	}{
		{"rnn/last/ce", ModelSpec{Kind: "rnn", Hidden: []int{5}}, IO{In: []int{6, 3}, Out: 4, Steps: 1}, false},
		{"rnn-relu/each/ce", ModelSpec{Kind: "rnn", Hidden: []int{5}, Activation: "relu"}, IO{In: []int{5, 2}, Out: 3, Steps: 5}, false},
		{"lstm/last/mse", ModelSpec{Kind: "lstm", Hidden: []int{4}}, IO{In: []int{6, 2}, Out: 1, Steps: 1}, true},
		{"lstm/last-3/mse", ModelSpec{Kind: "lstm", Hidden: []int{4}, Init: "torch"}, IO{In: []int{5, 3}, Out: 2, Steps: 3}, true},
		{"rnn+lstm stacked/ce", ModelSpec{Kind: "lstm", Hidden: []int{4, 3}}, IO{In: []int{4, 2}, Out: 3, Steps: 1}, false},
		{"rnn/one-hot tokens", ModelSpec{Kind: "rnn", Hidden: []int{5}}, IO{In: []int{6}, Out: 3, Steps: 6, Vocab: 4}, false},
		{"lstm/embedded tokens", ModelSpec{Kind: "lstm", Hidden: []int{4}, Embed: 3}, IO{In: []int{5}, Out: 3, Steps: 1, Vocab: 6}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			s, err := BuildIO(tc.spec, tc.io, r)
			if err != nil {
				t.Fatal(err)
			}
			const batch = 3
			x := NewTensor(batch, size(tc.io.In))
			if tc.io.Vocab > 0 {
				for i := range x.Data {
					x.Data[i] = float32(r.IntN(tc.io.Vocab))
				}
			} else {
				Gaussian(x.Data, 1, r)
			}
			var y Targets
			rows := batch * tc.io.Steps
			if tc.value {
				y.Values = NewTensor(rows, tc.io.Out)
				Gaussian(y.Values.Data, 1, r)
			} else {
				for range rows {
					y.Labels = append(y.Labels, r.IntN(tc.io.Out))
				}
			}
			// A ReLU net's finite differences must not step over a kink.
			h := map[bool]float32{false: 1e-2, true: 1e-3}[tc.spec.Activation == "relu"]
			checkGradients(t, s, x, y, h)
		})
	}
}

// TestTruncationCutsTheGradient checks truncated BPTT: with K steps and a
// target at the last step, the error reaches the inputs of the last K
// steps and none before them.
func TestTruncationCutsTheGradient(t *testing.T) {
	for _, cell := range Cells {
		l, err := NewRecurrent(cell, 2, 4, 7, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		l.Truncate = 3
		s := &Sequential{Layers: []Layer{l}}
		if err := Initialize(s, "glorot", rand.New(rand.NewPCG(3, 3))); err != nil {
			t.Fatal(err)
		}
		var e Engine
		x := NewTensor(2, 14)
		Gaussian(x.Data, 1, rand.New(rand.NewPCG(4, 4)))
		y := l.Forward(&e, x)
		dy := NewTensor(y.Rows(), y.Cols())
		for i := range dy.Data {
			dy.Data[i] = 1
		}
		dx := l.Backward(&e, dy, true)
		for step := 0; step < 7; step++ {
			var norm float32
			for b := 0; b < 2; b++ {
				for _, v := range dx.Row(b)[2*step : 2*step+2] {
					norm += v * v
				}
			}
			if reached := norm > 0; reached != (step >= 4) {
				t.Errorf("%s: step %d of 7 with K = 3: gradient reached it: %v, want %v", cell, step, reached, step >= 4)
			}
		}
	}
}

// TestRecurrentInitialisation checks the recurrent weights: orthogonal Wh
// blocks for tanh and LSTM, the identity for ReLU, the LSTM's forget bias
// of 1.
func TestRecurrentInitialisation(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, spec := range []ModelSpec{{Kind: "rnn", Hidden: []int{6}}, {Kind: "lstm", Hidden: []int{6}}, {Kind: "rnn", Hidden: []int{6}, Activation: "relu"}} {
		s, err := BuildIO(spec, IO{In: []int{3, 2}, Out: 2, Steps: 1}, r)
		if err != nil {
			t.Fatal(err)
		}
		l := s.Layers[0].(*Recurrent)
		H, wh := l.Hidden, l.Wh.Value
		for g := 0; g < l.gates(); g++ {
			for i := 0; i < H; i++ {
				for j := 0; j < H; j++ {
					var dot float64 // column i · column j of the gate's block
					for k := 0; k < H; k++ {
						dot += float64(wh.Row(k)[g*H+i]) * float64(wh.Row(k)[g*H+j])
					}
					if want := map[bool]float64{true: 1, false: 0}[i == j]; math.Abs(dot-want) > 1e-5 {
						t.Fatalf("%s/%s: gate %d: WhᵀWh[%d,%d] = %v, want %v", spec.Kind, spec.Activation, g, i, j, dot, want)
					}
				}
			}
		}
		if spec.Kind == "lstm" && (l.B.Value.Data[H] != 1 || l.B.Value.Data[0] != 0) {
			t.Errorf("lstm biases %v: want the forget gate's (columns %d–%d) at 1, the others 0", l.B.Value.Data, H, 2*H-1)
		}
		if spec.Activation == "relu" && wh.Data[0] != 1 {
			t.Errorf("relu rnn: Wh[0,0] = %v, want the identity", wh.Data[0])
		}
	}
}

// TestRecurrentMACsAreCounted checks that the engine counts the recurrent
// products as the layer declares them.
func TestRecurrentMACsAreCounted(t *testing.T) {
	for _, cell := range Cells {
		s, err := BuildIO(ModelSpec{Kind: cell, Hidden: []int{8}}, IO{In: []int{10, 3}, Out: 4, Steps: 3}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		var e Engine
		s.Forward(&e, NewTensor(5, 30))
		if want := 5 * s.MACs(); e.MACs != want {
			t.Errorf("%s: engine counted %d MACs for 5 samples, the layers declare %d", cell, e.MACs, want)
		}
	}
}
