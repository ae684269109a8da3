package runner

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

func sequenceSpec(method, dataset string, args map[string]any, model nn.ModelSpec) spec.Run {
	return spec.Run{Suite: "test", Experiment: dataset, Method: method, Params: map[string]any{},
		Dataset: dataset, DatasetArgs: args, Model: model.Resolved(),
		Profile: "fp32", Seed: 1, Epochs: 2, BatchSize: 32, Validation: 500, TrainLimit: 3000, TestLimit: 1000,
		Optimizer: nn.OptimizerSpec{Name: "adam", LR: 0.003, Clip: 1}, Select: "best_val"}
}

// TestRecurrentRulesLearnRowMNIST trains a tanh RNN on MNIST read row by
// row with every rule that trains recurrent nets: each must clear the most
// frequent class clearly after three short epochs (by 5 points, over 4
// standard errors on 1,000 test images, or by more where it learns more).
func TestRecurrentRulesLearnRowMNIST(t *testing.T) {
	requireMNIST(t)
	for _, rule := range []struct {
		name   string
		params map[string]any
		margin float64 // over the majority class
	}{
		{"bp", nil, 0.4},
		{"ftp", map[string]any{"inject": "first", "gamma": 2.0}, 0.05},
		{"ftp", map[string]any{"inject": "each"}, 0.15},
		{"dfa", nil, 0.15},
		{"dtp", nil, 0.3},
		{"pepita", nil, 0.05},
	} {
		s := sequenceSpec(rule.name, "seq-mnist", map[string]any{"mode": "rows"}, nn.ModelSpec{Kind: "rnn", Hidden: []int{64}})
		s.Epochs = 3
		if rule.params != nil {
			s.Params = rule.params
		}
		rec, err := Execute(context.Background(), s, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		chance := rec.Baselines[0].Acc
		t.Logf("%s %v: test %.2f%% (majority class %.2f%%)", rule.name, rule.params, 100*rec.Final.TestAccAtBestVal, 100*chance)
		if want := chance + rule.margin; rec.Status != results.StatusOK || rec.Final.TestAccAtBestVal < want {
			t.Errorf("%s %v on row-MNIST: %s, test accuracy %.3f, want at least %.3f", rule.name, rule.params, rec.Status, rec.Final.TestAccAtBestVal, want)
		}
	}
}

// TestSequenceRecordsAreScoredAndReproducible runs a regression task and a
// classification at every step: the records carry errors (lowest validation
// loss selects), the task's baselines, and are the same on a rerun.
func TestSequenceRecordsAreScoredAndReproducible(t *testing.T) {
	for _, s := range []spec.Run{
		sequenceSpec("bp", "adding", map[string]any{"T": 10, "train": 2000, "test": 300}, nn.ModelSpec{Kind: "lstm", Hidden: []int{16}}),
		sequenceSpec("ftp", "copy", map[string]any{"T": 5, "train": 1000, "test": 200}, nn.ModelSpec{Kind: "rnn", Hidden: []int{16}}),
	} {
		a, err := Execute(context.Background(), s, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != results.StatusOK || a.Final.TestAtBestVal == nil || len(a.Baselines) == 0 {
			t.Fatalf("%s: status %s, final %+v, baselines %v", s.Dataset, a.Status, a.Final, a.Baselines)
		}
		best := a.Epochs[a.Final.BestEpoch-1]
		for _, e := range a.Epochs {
			if e.Val.Loss < best.Val.Loss {
				t.Errorf("%s: epoch %d validates at %v, below the selected epoch %d's %v", s.Dataset, e.Epoch, e.Val.Loss, best.Epoch, best.Val.Loss)
			}
		}
		if got, base := a.Final.TestAtBestVal.Loss, a.Baselines[0].Scores.Loss; s.Dataset == "adding" && got >= base {
			t.Errorf("adding T = 10: test MSE %v does not beat predicting 1 (%v)", got, base)
		}
		b, err := Execute(context.Background(), s, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b, ignoreTimings); diff != "" {
			t.Errorf("%s: two runs differ (-first +second):\n%s", s.Dataset, diff)
		}
	}
}
