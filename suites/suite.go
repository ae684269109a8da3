// Package suites parses and validates suite files (schema v1), applies
// command-line overrides, and expands a suite into run specs.
//
// A suite is TOML:
//
//	[suite]        name, description, seeds
//	[defaults]     settings inherited by every experiment
//	[[experiment]] name, dataset, model, methods, settings,
//	               [experiment.params.RULE] and [experiment.sweep]
//
// where the settings are epochs, batch_size, validation, train_limit,
// test_limit, profile, optimizer and select. Every error names the file,
// line and column, the key, and what would be accepted.
package suites

import (
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/nn"
)

// Suite is a parsed, validated suite.
type Suite struct {
	File        string // path, or "builtin:NAME"
	Name        string
	Description string
	// Quick lists the KEY=VALUE overrides of the suite's quick path (a
	// subset, few epochs), applied by --quick before any --set.
	Quick       []string
	Seeds       []int64
	Defaults    Settings
	Experiments []Experiment
	// Profiles are the suite's own [profiles.NAME] tables, named apart
	// from every built-in one.
	Profiles map[string]hardware.Profile

	// set and setOptimizer are what the command line gave (see decoder),
	// for the sources of the expanded specs.
	set          map[string]string
	setOptimizer map[string]any
}

// Settings may be given in [defaults] and overridden in each experiment; nil
// means not given.
type Settings struct {
	Epochs     *int
	BatchSize  *int
	Validation *int
	TrainLimit *int
	TestLimit  *int
	Profile    *string
	Select     *string
	// Optimizer holds the given keys of the optimizer table; an experiment's
	// keys override the defaults' key by key.
	Optimizer map[string]any
}

// Experiment is one [[experiment]] table.
type Experiment struct {
	Name     string
	Dataset  string
	Model    nn.ModelSpec
	Methods  []string
	Settings Settings
	// Params holds [experiment.params.RULE] tables, by rule.
	Params map[string]map[string]any
	// Sweep holds the [experiment.sweep] axes, sorted by key.
	Sweep []Axis
}

// Axis is one sweep axis: a dotted key and its values.
type Axis struct {
	Key    string
	Values []any
}

// builtinSettings are used where neither [defaults] nor an experiment sets a
// value.
var builtinSettings = struct {
	Epochs, BatchSize, Validation, TrainLimit, TestLimit int
	Profile, Select                                      string
	Optimizer                                            map[string]any
}{20, 64, 5000, 0, 0, "fp32", "best_val", map[string]any{"name": "sgd", "lr": 0.05, "momentum": 0.9}}

// settingKeys are the keys of Settings, in the order they are documented.
var settingKeys = []string{"epochs", "batch_size", "validation", "train_limit", "test_limit", "profile", "optimizer", "select"}

// Selections lists the accepted values of select: "best_val" reports each
// rule at its sweep point of best mean validation accuracy; "each" reports
// every sweep point as a row of its own (ablations).
var Selections = []string{"best_val", "each"}
