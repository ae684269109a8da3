package spec

import (
	"encoding/json"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// TestKeyIsStable pins the key of one spec: a change of the key of an
// unchanged spec would orphan every stored record and break shard merging.
// Where the settings came from is not part of the key.
func TestKeyIsStable(t *testing.T) {
	s := Run{Suite: "s", Experiment: "e", Method: "ftp", Params: map[string]any{"gamma": 0.02, "output": "label"},
		Dataset: "mnist", Model: nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}, Activation: "relu", Init: "he"},
		Profile: "fp32", Seed: 1, Epochs: 20, BatchSize: 64, Validation: 5000,
		Optimizer: nn.OptimizerSpec{Name: "sgd", LR: 0.05, Momentum: 0.9}, Select: "best_val"}
	const want = "c973f48b5a2b3446"
	if got := s.Key(); got != want {
		t.Errorf("key %s, want %s", got, want)
	}
	s.Sources = Sources{"epochs": FromCommandLine, "optimizer.lr": FromRule}
	if got := s.Key(); got != want {
		t.Errorf("key with sources %s, want %s", got, want)
	}
	// A JSON round trip (how records are read back) keeps the key.
	b, _ := json.Marshal(s)
	var back Run
	json.Unmarshal(b, &back)
	if back.Key() != s.Key() || back.Sources["optimizer.lr"] != FromRule {
		t.Errorf("key after a JSON round trip %s, before %s; sources %v", back.Key(), s.Key(), back.Sources)
	}
}

func TestPointString(t *testing.T) {
	p := Point{"optimizer.lr": 0.02, "ftp.gamma": 0.1, "epochs": int64(3)}
	if got, want := p.String(), "epochs=3 ftp.gamma=0.1 optimizer.lr=0.02"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
