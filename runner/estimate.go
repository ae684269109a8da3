package runner

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/spec"
)

// Work is the analytic multiply-accumulates of run s, from its rule's
// declared costs on its net: a training step for every training sample of
// every epoch, and a prediction for every validation and test sample after
// each epoch. It needs the dataset's description, not its files, so that a
// scheduler's time limits can be set before any data is fetched. A run its
// rule cannot train costs nothing (it ends at once, not-applicable).
func Work(s spec.Run) (int64, error) {
	m, err := methods.Lookup(s.Method)
	if err != nil {
		return 0, err
	}
	task, err := taskOf(s)
	if err != nil {
		return 0, err
	}
	if m.Uses(task) != nil {
		return 0, nil
	}
	info, err := datasets.Resolve(s.Dataset, s.DatasetArgs)
	if err != nil {
		return 0, err
	}
	net, err := nn.BuildIO(s.Model, nn.IO{In: info.Shape, Out: max(info.Classes, info.Outputs), Steps: info.Steps, Vocab: info.Vocab},
		rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return 0, fmt.Errorf("runner: %s: %w", s.Key(), err)
	}
	vals, err := methods.Resolve(m, s.Params)
	if err != nil {
		return 0, err
	}
	c := m.Cost(net, vals)
	train := info.TrainSize
	if s.TrainLimit > 0 {
		train = min(train, s.TrainLimit)
	}
	train -= s.Validation
	// The test split's size is not known before loading; a sixth of the
	// training split is MNIST's proportion and near CIFAR's (a fifth).
	test := info.TrainSize / 6
	if s.TestLimit > 0 {
		test = min(test, s.TestLimit)
	}
	return int64(s.Epochs) * (int64(train)*c.TrainMACs + int64(s.Validation+test)*c.EvalMACs), nil
}

// Throughput measures the multiply-accumulates per second that one core
// of this machine sustains training a net: BP steps on the FTP
// paper's MNIST net, 784-1024-128-10, batch 64, on random inputs, for
// about d. Convolutions and recurrent cells run below this rate; callers
// that plan time limits leave a margin.
func Throughput(d time.Duration) (float64, error) {
	r := rand.New(rand.NewPCG(1, 1))
	net, err := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}}, []int{784}, 10, r)
	if err != nil {
		return 0, err
	}
	bp, _ := methods.Lookup("bp")
	engine := &nn.Engine{}
	tr, err := bp.New(methods.Config{Net: net, Engine: engine, Optimizer: &nn.SGD{LR: 0.01},
		Classes: 10, Rand: func(string) *rand.Rand { return r }})
	if err != nil {
		return 0, err
	}
	const batch = 64
	x := nn.NewTensor(batch, 784)
	labels := make([]int, batch)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	start := time.Now()
	for time.Since(start) < d {
		tr.Step(x, nn.Classes(labels))
	}
	return float64(engine.MACs) / time.Since(start).Seconds(), nil
}
