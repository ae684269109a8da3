package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBPTTEpoch is one epoch of backpropagation through time on the
// speed comparison's net: 128 units, T = 100, batch 64, one input feature
// and one output, 6,400 samples (100 batches), SGD.
func BenchmarkBPTTEpoch(b *testing.B) {
	for _, cell := range Cells {
		b.Run(cell, func(b *testing.B) {
			const T, batch, batches = 100, 64, 100
			r := rand.New(rand.NewPCG(1, 1))
			s, err := BuildIO(ModelSpec{Kind: cell, Hidden: []int{128}}, IO{In: []int{T, 1}, Out: 1, Steps: 1}, r)
			if err != nil {
				b.Fatal(err)
			}
			x := NewTensor(batch, T)
			Gaussian(x.Data, 1, r)
			y := Targets{Values: NewTensor(batch, 1)}
			grad := NewTensor(batch, 1)
			opt := &SGD{LR: 1e-3}
			var e Engine
			b.ResetTimer()
			for range b.N {
				for range batches {
					out := s.Forward(&e, x)
					y.Loss(out, grad)
					s.Backward(&e, grad)
					opt.Step(s.Params())
				}
			}
		})
	}
}
