package methods

import (
	"math/rand/v2"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// BenchmarkThroughTimeEpoch is one training epoch of each rule that trains
// recurrent nets, on nn.BenchmarkBPTTEpoch's task: 128 units, T = 100,
// batch 64, 100 batches, a value at the last step, SGD.
func BenchmarkThroughTimeEpoch(b *testing.B) {
	for _, cell := range nn.Cells {
		for _, m := range []Method{BP{}, FTP{}, DFA{}} {
			b.Run(cell+"/"+m.Name(), func(b *testing.B) {
				const T, batch, batches = 100, 64, 100
				r := rand.New(rand.NewPCG(1, 1))
				net, err := nn.BuildIO(nn.ModelSpec{Kind: cell, Hidden: []int{128}}, nn.IO{In: []int{T, 1}, Out: 1, Steps: 1}, r)
				if err != nil {
					b.Fatal(err)
				}
				vals, _ := Resolve(m, nil)
				tr, err := m.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: &nn.SGD{LR: 1e-3}, Params: vals,
					Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(2, 2)) }})
				if err != nil {
					b.Fatal(err)
				}
				x := nn.NewTensor(batch, T)
				nn.Gaussian(x.Data, 1, r)
				y := nn.Targets{Values: nn.NewTensor(batch, 1)}
				b.ResetTimer()
				for range b.N {
					for range batches {
						tr.Step(x, y)
					}
				}
			})
		}
	}
}
