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
	data, splits := benchData(b, dataset)
	cores := nn.NewCores(runtime.GOMAXPROCS(0))
	defer cores.Take()()
	for _, name := range methods.Names() {
		m, _ := methods.Lookup(name)
		if m.Uses(methods.Task{Model: spec, InShape: data.Shape, Classes: data.Classes}) != nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			engine := &nn.Engine{Cores: cores}
			tr, _ := benchTrainer(b, m, spec, data, engine)
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

// BenchmarkEvaluateCIFARCNN times what a run does after each epoch of the
// paper's CIFAR CNN: BP's predictions on the validation and test splits
// (5,000 and 10,000 cifar10-jpeg images), in the runner's batches.
func BenchmarkEvaluateCIFARCNN(b *testing.B) {
	spec := nn.ModelSpec{Kind: "cnn", Conv: []int{32}}
	data, splits := benchData(b, "cifar10-jpeg")
	cores := nn.NewCores(runtime.GOMAXPROCS(0))
	defer cores.Take()()
	bp, _ := methods.Lookup("bp")
	engine := &nn.Engine{Cores: cores}
	tr, net := benchTrainer(b, bp, spec, data, engine)
	net.SetTraining(false)
	b.ResetTimer()
	for range b.N {
		evaluate(tr, net, engine, splits.Val)
		evaluate(tr, net, engine, splits.Test)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/evaluation")
}

// benchData loads dataset, or skips the benchmark when it has no local
// copy, and splits off 5,000 samples for validation.
func benchData(b *testing.B, dataset string) (*datasets.Dataset, datasets.Splits) {
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
	return data, splits
}

// benchTrainer returns rule m's trainer, with its default parameters and
// SGD with momentum, on a new net of spec for data.
func benchTrainer(b *testing.B, m methods.Method, spec nn.ModelSpec, data *datasets.Dataset, engine *nn.Engine) (methods.Trainer, *nn.Sequential) {
	net, err := nn.Build(spec, data.Shape, data.Classes, stream("bench", "init"))
	if err != nil {
		b.Fatal(err)
	}
	vals, _ := methods.Resolve(m, nil)
	tr, err := m.New(methods.Config{Net: net, Engine: engine, Optimizer: &nn.SGD{LR: 0.02, Momentum: 0.9, Engine: engine},
		Params: vals, Classes: data.Classes, Rand: func(s string) *rand.Rand { return stream("bench", s) }})
	if err != nil {
		b.Fatal(err)
	}
	return tr, net
}
