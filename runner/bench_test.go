package runner

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
)

// BenchmarkEpochMNISTFC times one training epoch (55,000 samples, batch 64,
// no evaluation) of each rule on the FTP paper's net, 784-1024-128-10, as a
// lone run on GOMAXPROCS cores (set it with -cpu; BLAS on one thread, as in
// runs), and reports seconds per epoch and the measured GFLOP/s of the
// epoch's products.
func BenchmarkEpochMNISTFC(b *testing.B) {
	benchEpochs(b, "mnist", nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}})
}

// BenchmarkEpochCIFARCNN does the same for the paper's CIFAR CNN,
// Conv(3→32, 5×5)-ReLU-MaxPool2-FC(6272→10), on the cifar10-jpeg stand-in
// (45,000 training samples), for every rule that trains CNNs.
func BenchmarkEpochCIFARCNN(b *testing.B) {
	benchEpochs(b, "cifar10-jpeg", nn.ModelSpec{Kind: "cnn", Conv: []int{32}})
}

func benchEpochs(b *testing.B, dataset string, spec nn.ModelSpec) {
	info, _ := datasets.Lookup(dataset)
	if _, ok := info.Source.Find(); !ok {
		b.Skipf("%s: no local copy", dataset)
	}
	data, err := datasets.Load(context.Background(), dataset, nil)
	if err != nil {
		b.Fatal(err)
	}
	splits, err := data.Split(5000, 0, 0, stream("bench", "split"))
	if err != nil {
		b.Fatal(err)
	}
	cores := nn.NewCores(runtime.GOMAXPROCS(0))
	defer cores.Take()()
	for _, name := range methods.Names() {
		m, _ := methods.Lookup(name)
		if m.Uses(methods.Task{Model: spec, InShape: data.Shape, Classes: data.Classes}) != nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			net, err := nn.Build(spec, data.Shape, data.Classes, stream("bench", "init"))
			if err != nil {
				b.Fatal(err)
			}
			vals, _ := methods.Resolve(m, nil)
			engine := &nn.Engine{Cores: cores}
			tr, err := m.New(methods.Config{Net: net, Engine: engine, Optimizer: &nn.SGD{LR: 0.02, Momentum: 0.9, Engine: engine},
				Params: vals, Classes: data.Classes, Rand: func(s string) *rand.Rand { return stream("bench", s) }})
			if err != nil {
				b.Fatal(err)
			}
			order := stream("bench", "order")
			b.ResetTimer()
			for range b.N {
				if _, _, err := trainEpoch(context.Background(), tr, splits.Train, 64, order); err != nil {
					b.Fatal(err)
				}
			}
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(s, "s/epoch")
			b.ReportMetric(2*float64(engine.MACs)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
