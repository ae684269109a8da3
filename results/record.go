// Package results holds the run record schema and the on-disk store of
// records: one JSON file per run key, written atomically.
package results

import (
	"encoding/json"
	"math"

	"github.com/creditbench/creditbench/spec"
)

// Status values of a record.
const (
	StatusOK            = "ok"
	StatusDiverged      = "diverged"
	StatusFailed        = "failed"
	StatusNotApplicable = "not-applicable"
)

// Record is the result of one run, as stored in out/runs/KEY.json.
// Accuracies are fractions in [0, 1].
type Record struct {
	Key    string `json:"key"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Caveat says where the rule's form on this task is not the published
	// rule (a reconstruction, an extension).
	Caveat     string     `json:"caveat,omitempty"`
	Spec       spec.Run   `json:"spec"`
	Epochs     []Epoch    `json:"epochs"`
	Final      Final      `json:"final"`
	Efficiency Efficiency `json:"efficiency"`
	Env        Env        `json:"env"`
	// Code names the code that made the record; a record made by other
	// code is not reused without saying so.
	Code Code `json:"code"`
	// Baselines are the task's trivial predictors scored on the same test
	// split (predicting the mean, persistence, chance), the floor that a
	// rule must clear to have learnt anything; none for image tasks.
	Baselines []Reference `json:"baselines,omitempty"`
}

// Reference is a trivial predictor's score on a run's test split.
type Reference struct {
	Name string `json:"name"`
	// Acc is its accuracy on a classification, omitted otherwise.
	Acc    float64 `json:"acc,omitempty"`
	Scores Scores  `json:"scores"`
}

// Scores are the errors of a prediction on a split, for a task whose
// targets are values (Loss is the MSE then) or that classifies at more
// than one step (Loss is the cross-entropy per step; MSE, MAE and NRMSE are
// not defined). Lower is better.
type Scores struct {
	Loss Float `json:"loss"`
	MSE  Float `json:"mse,omitempty"`
	MAE  Float `json:"mae,omitempty"`
	// NRMSE is the root of the MSE over the targets' standard deviation.
	NRMSE Float `json:"nrmse,omitempty"`
}

// Code names the code that made a record.
type Code struct {
	// Version is the project's version (git describe), "" when unknown.
	Version string `json:"version"`
	// Rule names the implementation of the run's rule
	// (methods.Implementation): a hash of its code, "" when unknown.
	Rule string `json:"rule"`
	// Seeding names how the runner derives a run's random streams from
	// its spec; "" for the first way, where every stream depended on the
	// whole spec.
	Seeding string `json:"seeding,omitempty"`
	// Numerics names the arithmetic of the engine (nn.Numerics); "" in
	// records made before engines named theirs.
	Numerics string `json:"numerics,omitempty"`
}

// Epoch holds the curves after one epoch.
type Epoch struct {
	Epoch     int   `json:"epoch"`
	TrainLoss Float `json:"train_loss"`
	// TrainAcc is the accuracy of the training passes, null for a rule
	// whose training pass does not classify (Forward-Forward with goodness
	// prediction).
	TrainAcc Float   `json:"train_acc"`
	ValAcc   float64 `json:"val_acc"`
	TestAcc  float64 `json:"test_acc"`
	// Val and Test are the errors of a task scored by a loss (values, or
	// classes at every step), nil for a classification at one step.
	Val  *Scores `json:"val,omitempty"`
	Test *Scores `json:"test,omitempty"`
	// AngleToBP is, per Dense layer (input side first), the angle in degrees
	// between the rule's weight update and the BP gradient, averaged over
	// fixed probe batches of training data after the epoch.
	AngleToBP []Float `json:"angle_to_bp_deg,omitempty"`
	// WallS is the seconds of the epoch's training and of its evaluation on
	// the validation and test splits (the angle probes excluded).
	WallS float64 `json:"wall_s"`
	// TrainS is the seconds of the epoch's training alone: what compares
	// rules, whose evaluations cost the same.
	TrainS float64 `json:"train_s"`
}

// Final holds the summary metrics. TestAccAtBestVal is the test accuracy of
// the first epoch with the highest validation accuracy (the best-validation
// protocol; with no validation split, the last epoch).
type Final struct {
	TestAcc          float64 `json:"test_acc"`
	BestValAcc       float64 `json:"best_val_acc"`
	BestEpoch        int     `json:"best_epoch"`
	TestAccAtBestVal float64 `json:"test_acc_at_best_val"`
	// TestAtBestVal are the test errors of the epoch with the lowest
	// validation loss, for a task scored by a loss (selection is then by
	// the lowest loss, not the highest accuracy).
	TestAtBestVal *Scores `json:"test_at_best_val,omitempty"`
}

// Efficiency holds the costs of training. MACs are analytic (declared by the
// rule) and measured (counted by the engine) per training sample; evaluation
// MACs are per predicted sample.
type Efficiency struct {
	TrainMACsPerSample         int64   `json:"train_macs_per_sample"`
	MeasuredTrainMACsPerSample float64 `json:"measured_train_macs_per_sample"`
	EvalMACsPerSample          int64   `json:"eval_macs_per_sample"`
	KeptFloatsPerSample        int64   `json:"kept_floats_per_sample"`
	WallSPerEpoch              float64 `json:"wall_s_per_epoch"`
	TrainSPerEpoch             float64 `json:"train_s_per_epoch"`
	PeakHeapBytes              uint64  `json:"peak_heap_bytes"`
	PeakRSSBytes               uint64  `json:"peak_rss_bytes"`
}

// Env describes where the run ran.
type Env struct {
	Go      string `json:"go"`
	GOOS    string `json:"goos"`
	GOARCH  string `json:"goarch"`
	BLAS    string `json:"blas"`
	CPU     string `json:"cpu"`
	Threads int    `json:"threads"`
	Version string `json:"version"`
}

// Float is a measurement that may be NaN or ±Inf (the loss of a diverged
// run, the angle to a zero update); JSON has no such numbers, so they are
// written as null and read back as NaN.
type Float float64

// MarshalJSON writes a finite value as a number and any other as null.
func (l Float) MarshalJSON() ([]byte, error) {
	f := float64(l)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads null as NaN.
func (l *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = Float(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(l))
}

// ValueErrors accumulates the errors of predicted values against their
// targets, batch by batch, into Scores.
type ValueErrors struct {
	n               int
	se, ae, sum, sq float64
}

// Add adds the errors of pred against target (the same length).
func (a *ValueErrors) Add(pred, target []float32) {
	for i, p := range pred {
		t := float64(target[i])
		d := float64(p) - t
		a.se += d * d
		a.ae += math.Abs(d)
		a.sum += t
		a.sq += t * t
	}
	a.n += len(pred)
}

// Scores returns the MSE (as the loss too), the MAE and the NRMSE of what
// was added.
func (a *ValueErrors) Scores() Scores {
	if a.n == 0 {
		return Scores{}
	}
	n := float64(a.n)
	mse := a.se / n
	mean := a.sum / n
	std := math.Sqrt(math.Max(a.sq/n-mean*mean, 0))
	return Scores{Loss: Float(mse), MSE: Float(mse), MAE: Float(a.ae / n), NRMSE: Float(math.Sqrt(mse) / std)}
}
