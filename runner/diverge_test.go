package runner

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// stuck is a rule that learns nothing: it predicts class 0 and, with
// explode, reports a loss that grows without bound. It applies only to
// the one-unit net of its tests, so that the tests over every rule pass it
// by.
type stuck struct{ methods.BP }

func (stuck) Name() string { return "test-stuck" }
func (stuck) Params() []methods.Param {
	return []methods.Param{{Name: "explode", Default: false, Help: "report a growing loss"}}
}
func (stuck) Uses(t methods.Task) error {
	if len(t.Model.Hidden) != 1 || t.Model.Hidden[0] != 1 {
		return errNotHere
	}
	return nil
}
func (stuck) New(c methods.Config) (methods.Trainer, error) {
	return &stuckTrainer{explode: c.Params.Bool("explode")}, nil
}

type stuckTrainer struct {
	explode bool
	steps   float64
}

func (s *stuckTrainer) Step(*nn.Tensor, nn.Targets) (float64, int) {
	s.steps++
	if s.explode {
		return math.Exp(s.steps / 4), -1
	}
	return 2.3, -1
}

func (s *stuckTrainer) Predict(_ *nn.Tensor, out []int) { clear(out) }

func init() { methods.Register(stuck{}) }

// TestCollapseIsDivergence: a run at chance for three epochs and a run whose
// loss explodes are recorded as diverged, with the reason, and stop.
func TestCollapseIsDivergence(t *testing.T) {
	requireMNIST(t)
	for _, tc := range []struct {
		explode bool
		epochs  int
		reason  string
	}{{false, 3, "collapsed: validation accuracy"}, {true, 2, "training loss exploded"}} {
		spec := smallSpec("test-stuck", 1)
		spec.Model = nn.ModelSpec{Kind: "mlp", Hidden: []int{1}}.Resolved()
		spec.Params = map[string]any{"explode": tc.explode}
		spec.Epochs = 5
		rec, err := Execute(context.Background(), spec, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != results.StatusDiverged || !strings.HasPrefix(rec.Reason, tc.reason) || len(rec.Epochs) != tc.epochs {
			t.Errorf("explode %v: status %s after %d epochs (%s), want diverged after %d: %s…",
				tc.explode, rec.Status, len(rec.Epochs), rec.Reason, tc.epochs, tc.reason)
		}
	}
}

// TestChangedCodeIsNotReusedSilently: a record that another implementation
// of its rule made stops the run with the list of such runs, is trained
// again with Rerun, and kept with Accept.
func TestChangedCodeIsNotReusedSilently(t *testing.T) {
	requireMNIST(t)
	store := &results.Store{Dir: t.TempDir()}
	run := smallSpec("bp", 1)
	run.Epochs = 1
	specs := []spec.Run{run}
	if _, err := Run(context.Background(), specs, store, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	if st, _ := StateOf(store, run); st != Done {
		t.Fatalf("state %v after the run, want done", st)
	}
	rec, _ := store.Read(run.Key())
	rec.Code.Rule = "0123456789ab"
	store.Write(rec)
	sum, err := Run(context.Background(), specs, store, Options{Jobs: 1})
	var ce *ChangedError
	if !errors.As(err, &ce) || len(ce.Runs) != 1 || !strings.Contains(err.Error(), "rule bp was 0123456789ab") || sum.Ran != 0 {
		t.Fatalf("Run over a record of other code: %d ran, %v", sum.Ran, err)
	}
	if sum, err := Run(context.Background(), specs, store, Options{Jobs: 1, Changed: Accept}); err != nil || sum.Skipped != 1 {
		t.Errorf("Accept: %+v, %v", sum, err)
	}
	if sum, err := Run(context.Background(), specs, store, Options{Jobs: 1, Changed: Rerun}); err != nil || sum.Ran != 1 {
		t.Errorf("Rerun: %+v, %v", sum, err)
	}
	if st, _ := StateOf(store, run); st != Done {
		t.Errorf("state %v after the rerun, want done", st)
	}
	os.RemoveAll(store.Dir)
}

// TestOtherArithmeticIsChanged: a record made by another engine arithmetic
// (nn.Numerics) is changed, whatever its rule's code; one made before
// engines named their arithmetic is not.
func TestOtherArithmeticIsChanged(t *testing.T) {
	requireMNIST(t)
	store := &results.Store{Dir: t.TempDir()}
	run := smallSpec("bp", 1)
	run.Epochs = 1
	if _, err := Run(context.Background(), []spec.Run{run}, store, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	rec, _ := store.Read(run.Key())
	if rec.Code.Numerics != nn.Numerics {
		t.Fatalf("the record names arithmetic %q, want %q", rec.Code.Numerics, nn.Numerics)
	}
	for _, c := range []struct {
		numerics string
		want     State
	}{{"0", Changed}, {"", Done}} {
		rec.Code.Numerics = c.numerics
		store.Write(rec)
		st, why := StateOf(store, run)
		if st != c.want || (st == Changed && !strings.Contains(why, `arithmetic was "0"`)) {
			t.Errorf("numerics %q: state %v (%s), want %v", c.numerics, st, why, c.want)
		}
	}
}
