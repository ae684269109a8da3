// Package spec holds the fully resolved run spec: the runner's input, the
// run key, and where each of its settings came from.
package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/nn"
)

// Run is a fully resolved run: everything that determines its result. Two
// equal specs give the same record, timings aside, on any machine.
type Run struct {
	Suite      string `json:"suite"`
	Experiment string `json:"experiment"`
	Method     string `json:"method"`
	// Params are the rule's parameters, every default filled in.
	Params  map[string]any `json:"params"`
	Dataset string         `json:"dataset"`
	// DatasetArgs are a generated task's arguments (a sequence's length),
	// every default filled in; empty for a dataset of files.
	DatasetArgs map[string]any `json:"dataset_args,omitempty"`
	Model       nn.ModelSpec   `json:"model"`
	Profile     string         `json:"profile"`
	// ProfileDef is what the profile does, for every profile but the ideal
	// fp32, so that a changed profile changes the key.
	ProfileDef *hardware.Profile `json:"profile_def,omitempty"`
	Seed       int64             `json:"seed"`
	Epochs     int               `json:"epochs"`
	BatchSize  int               `json:"batch_size"`
	Validation int               `json:"validation"`
	TrainLimit int               `json:"train_limit"`
	TestLimit  int               `json:"test_limit"`
	// Preprocess is how an image dataset's pixels become inputs
	// (datasets.ParsePreprocessing), "" for the default, standardize: left
	// out then, so that runs named before the setting existed keep their
	// keys.
	Preprocess string           `json:"preprocess,omitempty"`
	Optimizer  nn.OptimizerSpec `json:"optimizer"`
	// Select is how the report picks among sweep points: "best_val".
	Select string `json:"select"`
	// Point is this run's coordinates on the experiment's sweep axes (dotted
	// keys), empty when the experiment has no sweep.
	Point Point `json:"point,omitempty"`
	// Sources says where each setting came from; it is not part of the key,
	// so the same settings give the same run whoever chose them.
	Sources Sources `json:"sources,omitempty"`
}

// Key returns the run key: the first 16 hex digits of the SHA-256 of the
// spec's JSON encoding (struct fields in declaration order, map keys sorted),
// so the same spec gives the same key on every machine.
func (s Run) Key() string {
	s.Sources = nil
	b, err := json.Marshal(s)
	if err != nil {
		panic("spec: run does not encode: " + err.Error()) // only JSON-safe values reach a Run
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// Point is a run's coordinates on its experiment's sweep axes: a value per
// dotted key.
type Point map[string]any

// String writes p as "KEY=VALUE" pairs in key order, such as
// "ftp.gamma=0.1 optimizer.lr=0.02".
func (p Point) String() string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p[k]))
	}
	return strings.Join(parts, " ")
}

// Where a setting came from, from the weakest to the strongest: each layer
// overrides those before it.
const (
	FromBuiltin     = "built-in"     // the harness's default
	FromRule        = "rule"         // the rule's declared default or recommendation
	FromSuite       = "suite"        // [defaults] or the experiment
	FromSweep       = "sweep"        // the experiment's sweep axis
	FromCommandLine = "command line" // --set, or the suite's quick settings under --quick
)

// Sources maps a setting's path in the spec ("epochs", "optimizer.lr",
// "params.gamma") to where its value came from.
type Sources map[string]string
