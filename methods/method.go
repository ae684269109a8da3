// Package methods defines the Method interface that every learning rule
// implements, the registry of rules, and one file per rule.
//
// A new rule is one file: a type implementing Method, registered in an init
// function with Register. The runner owns the training loop (data order,
// epochs, evaluation, records); a rule owns one training step and its
// prediction rule.
package methods

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/internal/suggest"
	"github.com/creditbench/creditbench/nn"
)

// Method is a learning rule.
type Method interface {
	// Name is the registry name, such as "bp".
	Name() string
	// Doc is a one-line description.
	Doc() string
	// Params declares the rule's parameters with their defaults.
	Params() []Param
	// Uses returns nil when the rule can learn the task, and otherwise the
	// reason it cannot, which the record keeps as not-applicable. The
	// runner asks before anything is loaded or built; nothing else decides
	// where a rule applies.
	Uses(t Task) error
	// New prepares the rule to train c.Net.
	New(c Config) (Trainer, error)
	// Cost returns the analytic costs per sample for net.
	Cost(net *nn.Sequential, p Values) Cost
}

// Task is what a run asks of a rule: the model, the shape of one input
// sample (channels first: 1×28×28; steps first for a sequence: 100×2), the
// number of classes (0 for a task whose targets are values), the number
// of a sequence's last steps that have a target (0 when the task is not a
// sequence), and the precision and device profile it trains under.
type Task struct {
	Model   nn.ModelSpec
	InShape []int
	Classes int
	Steps   int
	Profile hardware.Profile
}

// usesClasses is the Uses of the rules whose updates need class labels.
func usesClasses(rule string, t Task) error {
	if t.Classes == 0 {
		return fmt.Errorf("%s: its updates are built from class labels, and this task's targets are values (regression)", rule)
	}
	return nil
}

// Trainer trains one network by one rule.
type Trainer interface {
	// Step trains on one batch (x is batch×in) and returns the batch's mean
	// training loss and the number of rows its first pass classified
	// correctly, or −1 when its training passes do not classify.
	Step(x *nn.Tensor, y nn.Targets) (loss float64, correct int)
	// Predict writes the predicted class of each row of x into out.
	Predict(x *nn.Tensor, out []int)
}

// AuxParams is implemented by a Trainer that trains parameters of its own
// besides the network's (DTP's feedback weights): checkpoints save them.
type AuxParams interface {
	AuxParams() []*nn.Param
}

// StateKeeper is implemented by a Trainer that carries tensors from step to
// step that are not parameters (CaFo's ridge sums): checkpoints save them,
// and the runner's angle probes put them back after probing.
type StateKeeper interface {
	State() []*nn.Tensor
}

// Config is what a rule gets to build a Trainer.
type Config struct {
	Net    *nn.Sequential
	Engine *nn.Engine
	// Optimizer applies the updates of the network's weights. Every update
	// must go through it (or through one from NewOptimizer), so that the
	// runner can probe updates and checkpoint optimizer state.
	Optimizer nn.Optimizer
	// NewOptimizer returns another optimizer, for weights a rule trains with
	// settings of its own. Nil outside the runner: use Optimizer then.
	NewOptimizer func(nn.OptimizerSpec) (nn.Optimizer, error)
	Params       Values
	// Classes is the number of classes, 0 when the targets are values.
	Classes int
	// Rand returns the run's seeded random stream of the given name.
	Rand func(stream string) *rand.Rand
}

// Cost is what one sample costs a rule, in multiply-accumulates of matrix
// products and in floats kept between the phases of a training step.
type Cost struct {
	TrainMACs  int64 // one training step, per sample
	EvalMACs   int64 // one prediction, per sample
	KeptFloats int64 // held from the first phase of a step until the update
}

var registry = map[string]Method{}

// Register adds m to the registry; it panics on a duplicate name.
func Register(m Method) {
	if _, dup := registry[m.Name()]; dup {
		panic("methods: rule " + m.Name() + " registered twice")
	}
	registry[m.Name()] = m
}

// Lookup returns the rule registered under name.
func Lookup(name string) (Method, error) {
	if m, ok := registry[name]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("methods: unknown rule %q%s (accepted: %v)", name, suggest.Hint(name, Names()), Names())
}

// Names returns the registered names, sorted.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// EpochEnder is implemented by a Trainer that has work to do once per epoch
// (CaFo's closed-form predictors); the runner calls EndEpoch after each
// epoch's last step, before evaluating.
type EpochEnder interface {
	EndEpoch() error
}

// Recommender is implemented by a rule whose reference trains it with an
// optimizer of its own (FF's small steps with weight decay, PEPITA's rate).
// A run of the rule uses Recommended in place of the suite's [defaults]
// optimizer; an experiment's optimizer table, a sweep axis and --set still
// override it, key by key. The record's spec.sources says which applied.
type Recommender interface {
	Recommended() nn.OptimizerSpec
}

// Caveater is implemented by a rule whose form on some tasks is not the
// published rule: a reconstruction where the sources leave choices open, or
// an extension of our own. Caveat says so for t ("" when the rule is the
// published one there); the record keeps it and every table shows it.
type Caveater interface {
	Caveat(t Task) string
}
