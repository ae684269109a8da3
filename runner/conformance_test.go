package runner

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// blobs is an in-memory task for the conformance driver: three classes of
// 1×8×8 images, each a fixed random prototype plus noise.
func init() {
	datasets.RegisterGenerated("test-blobs", "three noisy prototypes, 1×8×8 (runner tests)", 3, []int{1, 8, 8}, 240,
		func() (*datasets.Dataset, error) {
			r := rand.New(rand.NewPCG(7, 7))
			proto := make([][]float32, 3)
			for c := range proto {
				proto[c] = make([]float32, 64)
				for i := range proto[c] {
					proto[c][i] = r.Float32()
				}
			}
			part := func(n int) *datasets.Part {
				p := &datasets.Part{Dim: 64, X: make([]float32, 0, n*64), Y: make([]int, n)}
				for k := range n {
					c := k % 3
					p.Y[k] = c
					for _, v := range proto[c] {
						p.X = append(p.X, v+0.5*float32(r.NormFloat64()))
					}
				}
				return p
			}
			return &datasets.Dataset{Name: "test-blobs", Classes: 3, Shape: []int{1, 8, 8}, Train: part(240), Test: part(60)}, nil
		})
}

// hookParams steer the rules into their optional hooks: FF's readout and
// peer normalisation (parameters and an optimizer of its own, state that
// checkpoints keep), CaFo's closed-form predictors (EpochEnder). DTP's
// inverses (AuxParams, its own optimizer) are there by default.
var hookParams = map[string]map[string]any{
	"ff":   {"predict": "readout", "peer_norm": 0.03},
	"cafo": {"predictor_loss": "mse", "blocks": "local"},
}

// TestConformanceOfRecords runs every registered rule through Execute on
// an in-memory task, on a ReLU and a tanh MLP and a CNN with BatchNorm, and
// on recurrent nets (an LSTM on adding, an RNN on copy), under fp32, int8
// and an analog device: twice without a break and once stopped after its
// first epoch and resumed from the checkpoint. The three records must be
// identical (timings aside), and no rule may fail. The log shows the
// statuses as a rules × profiles table.
func TestConformanceOfRecords(t *testing.T) {
	models := []struct {
		name    string
		spec    nn.ModelSpec
		dataset string
		args    map[string]any
	}{
		{"mlp", nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}, Activation: "relu"}, "test-blobs", nil},
		{"mlp-tanh", nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}, Activation: "tanh"}, "test-blobs", nil},
		{"cnn", nn.ModelSpec{Kind: "cnn", Conv: []int{4}, Kernel: 3, BatchNorm: true}, "test-blobs", nil},
		// Values at the last step, and classes at every step.
		{"lstm-adding", nn.ModelSpec{Kind: "lstm", Hidden: []int{8}}, "adding", map[string]any{"T": 6, "train": 240, "test": 60}},
		{"rnn-copy", nn.ModelSpec{Kind: "rnn", Hidden: []int{8}}, "copy", map[string]any{"T": 3, "train": 240, "test": 60}},
	}
	profiles := []string{"fp32", "int8", "rram"}
	table := map[string]map[string][]string{}
	for _, name := range methods.Names() {
		table[name] = map[string][]string{}
		for _, model := range models {
			for _, prof := range profiles {
				run := spec.Run{Suite: "test", Experiment: model.name, Method: name, Params: hookParams[name],
					Dataset: model.dataset, DatasetArgs: model.args, Model: model.spec.Resolved(), Profile: prof, Seed: 1, Epochs: 2,
					BatchSize: 16, Validation: 48, Optimizer: nn.OptimizerSpec{Name: "sgd", LR: 0.02, Momentum: 0.9},
					Select: "best_val"}
				if prof != "fp32" {
					p := hardware.Builtins[prof]
					run.ProfileDef = &p
				}
				status := conformRecord(t, run)
				table[name][prof] = append(table[name][prof], model.name+" "+status)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| rule | %s |\n|---|---|---|---|\n", strings.Join(profiles, " | "))
	for _, name := range methods.Names() {
		row := []string{name}
		for _, prof := range profiles {
			row = append(row, strings.Join(table[name][prof], ", "))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	t.Logf("statuses, identical in all three executions:\n%s", b.String())
}

// conformRecord executes run three ways and returns its status.
func conformRecord(t *testing.T, run spec.Run) string {
	t.Helper()
	what := fmt.Sprintf("%s on %s under %s", run.Method, run.Experiment, run.Profile)
	first, err := Execute(context.Background(), run, ExecOptions{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	again, err := Execute(context.Background(), run, ExecOptions{})
	if err != nil {
		t.Fatalf("%s, again: %v", what, err)
	}
	if diff := cmp.Diff(first, again, ignoreTimings); diff != "" {
		t.Errorf("%s: a second execution differs (-first +second):\n%s", what, diff)
	}
	if first.Status == results.StatusFailed {
		t.Errorf("%s failed: %s", what, first.Reason)
	}
	if first.Status != results.StatusOK {
		return first.Status
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Execute(ctx, run, ExecOptions{Checkpoints: dir, OnEpoch: func(results.Epoch) { cancel() }})
	if err == nil {
		t.Fatalf("%s: the interrupted execution gave no error", what)
	}
	resumed, err := Execute(context.Background(), run, ExecOptions{Checkpoints: dir})
	if err != nil {
		t.Fatalf("%s, resumed: %v", what, err)
	}
	if diff := cmp.Diff(first, resumed, ignoreTimings); diff != "" {
		t.Errorf("%s: the resumed execution differs (-whole +resumed):\n%s", what, diff)
	}
	return first.Status
}

// TestSeedsPairTheRules checks that runs which differ in their rule, its
// parameters, the optimizer and the epochs start from the same weights and
// draw the same data order, and that another seed or another net does not.
func TestSeedsPairTheRules(t *testing.T) {
	base := spec.Run{Suite: "test", Experiment: "mlp", Method: "bp", Dataset: "test-blobs",
		Model: nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}.Resolved(), Profile: "fp32", Seed: 1, Epochs: 2,
		BatchSize: 16, Validation: 48, Optimizer: nn.OptimizerSpec{Name: "sgd", LR: 0.02, Momentum: 0.9}, Select: "best_val"}
	start := func(run spec.Run) (weights [][]float32, order []int) {
		t.Helper()
		m, err := methods.Lookup(run.Method)
		if err != nil {
			t.Fatal(err)
		}
		r, err := setUp(context.Background(), run, m, methods.Task{Profile: hardware.Builtins[run.Profile]}, io.Discard, nil)
		if err != nil || r.failure != "" {
			t.Fatalf("%s: %v %s", run.Method, err, r.failure)
		}
		for _, p := range r.net.Params() {
			weights = append(weights, append([]float32(nil), p.Value.Data...))
		}
		return weights, r.order.Perm(10)
	}
	w0, o0 := start(base)
	ftp := base
	ftp.Method, ftp.Params, ftp.Epochs = "ftp", map[string]any{"gamma": 0.1}, 5
	ftp.Optimizer.LR = 0.1
	w1, o1 := start(ftp)
	if !cmp.Equal(w0, w1) || !cmp.Equal(o0, o1) {
		t.Error("bp and ftp on one seed, data and net start apart: their seed does not pair them")
	}
	seed2 := base
	seed2.Seed = 2
	if w2, o2 := start(seed2); cmp.Equal(w0, w2) || cmp.Equal(o0, o2) {
		t.Error("seeds 1 and 2 share their initial weights or their data order")
	}
	tanh := base
	tanh.Model.Activation = "tanh"
	if w3, o3 := start(tanh); cmp.Equal(w0, w3) || !cmp.Equal(o0, o3) {
		t.Error("another net got the same weights, or the same training data another order")
	}
}
