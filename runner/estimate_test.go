package runner

import (
	"testing"
	"time"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/spec"
)

// TestWork counts the smoke suite's run by hand: BP on 784-256-64-10 trains
// at 452,480 MACs per sample (3 × the forward 217,728 less the input
// layer's unneeded input gradient) on 4,000 samples, and predicts 1,000
// validation and 2,000 test samples, for 3 epochs.
func TestWork(t *testing.T) {
	run := spec.Run{Method: "bp", Dataset: "mnist", Model: nn.ModelSpec{Kind: "mlp", Hidden: []int{256, 64}, Activation: "relu"},
		Profile: "fp32", Epochs: 3, BatchSize: 64, Validation: 1000, TrainLimit: 5000, TestLimit: 2000}
	w, err := Work(run)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(3 * (4000*452480 + 3000*217728)); w != want {
		t.Errorf("Work = %d, want %d", w, want)
	}
	run.Method = "ff" // not on a net whose output layer is the classifier's
	run.Model.Activation = "tanh"
	if w, err := Work(run); err != nil || w != 0 {
		t.Errorf("a run its rule cannot train: Work = %d, %v; want 0", w, err)
	}
	if rate, err := Throughput(50 * time.Millisecond); err != nil || rate < 1e8 {
		t.Errorf("Throughput = %.3g MAC/s, %v; want a measured rate", rate, err)
	}
}
