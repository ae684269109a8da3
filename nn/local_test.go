package nn

import (
	"math/rand/v2"
	"testing"
)

// TestLocallyConnectedLayers: a hidden unit of model.local connects to the
// inputs of every channel within its field (fewer at the borders), changing
// an input outside it leaves the unit alone, and weights outside every field
// stay exactly zero through training with momentum and weight decay.
func TestLocallyConnectedLayers(t *testing.T) {
	const C, H, W, maps, field = 2, 6, 6, 2, 3
	net, err := Build(ModelSpec{Kind: "mlp", Hidden: []int{maps * H * W, maps * H * W}, Local: field}, []int{C, H, W}, 4, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	first, second := net.Layers[0].(*Dense), net.Layers[2].(*Dense)
	if first.Mask == nil || second.Mask == nil || net.Layers[4].(*Dense).Mask != nil {
		t.Fatal("want masks on the hidden layers and none on the output layer")
	}
	fan := func(d *Dense, o int) int {
		n := 0
		for i := 0; i < d.In; i++ {
			if d.Mask.Data[i*d.Out+o] != 0 {
				n++
			}
		}
		return n
	}
	centre, corner := (1*H+2)*W+3, 0 // map 1 at (2, 3), map 0 at (0, 0)
	if got := fan(first, centre); got != C*field*field {
		t.Errorf("an inner unit of layer 1 has %d inputs, want %d", got, C*field*field)
	}
	if got := fan(first, corner); got != C*4 {
		t.Errorf("a corner unit of layer 1 has %d inputs, want %d", got, C*4)
	}
	if got := fan(second, centre); got != maps*field*field {
		t.Errorf("an inner unit of layer 2 has %d inputs, want %d", got, maps*field*field)
	}
	e := &Engine{}
	x := NewTensor(1, C*H*W)
	Gaussian(x.Data, 1, rand.New(rand.NewPCG(3, 4)))
	before := first.Forward(e, x).Data[centre]
	x.Data[(1*H+5)*W+0]++ // channel 1 at (5, 0): outside the field of (2, 3)
	if after := first.Forward(e, x).Data[centre]; after != before {
		t.Errorf("an input outside the field moved the unit from %v to %v", before, after)
	}
	opt := OptimizerSpec{Name: "sgd", LR: 0.1, Momentum: 0.9, WeightDecay: 1e-3}.New()
	xs, grad := NewTensor(8, C*H*W), NewTensor(8, 4)
	r := rand.New(rand.NewPCG(5, 6))
	for range 5 {
		Gaussian(xs.Data, 1, r)
		SoftmaxCrossEntropy(net.Forward(e, xs), []int{0, 1, 2, 3, 0, 1, 2, 3}, grad)
		net.Backward(e, grad)
		opt.Step(net.Params())
	}
	for _, d := range []*Dense{first, second} {
		moved := 0
		for i, m := range d.Mask.Data {
			switch {
			case m == 0 && d.W.Value.Data[i] != 0:
				t.Fatalf("weight %d outside every field is %v", i, d.W.Value.Data[i])
			case m != 0 && d.W.Value.Data[i] != 0:
				moved++
			}
		}
		if moved == 0 {
			t.Error("no weight inside the fields is set")
		}
	}
	if _, err := Build(ModelSpec{Kind: "mlp", Hidden: []int{50}, Local: 3}, []int{C, H, W}, 4, r); err == nil {
		t.Error("50 units, not whole maps of 6×6, were built")
	}
	if err := (ModelSpec{Kind: "cnn", Conv: []int{4}, Local: 3}).Validate(); err == nil {
		t.Error("a cnn with local was accepted")
	}
	if err := (ModelSpec{Kind: "mlp", Local: 4}).Validate(); err == nil {
		t.Error("an even field was accepted")
	}
}
