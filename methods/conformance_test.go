package methods

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/nn"
)

// toyDim is the input width of the toy problem.
const toyDim = 8

// toyProblem is a batch of 8-dimensional inputs of 3 classes, each class a
// Gaussian blob whose mean stands out in value 4+class (clear of the first
// values, where Forward-Forward writes the label): every rule must learn it.
func toyProblem(n int, r *rand.Rand) (*nn.Tensor, []int) {
	x := nn.NewTensor(n, toyDim)
	labels := make([]int, n)
	for i := range labels {
		c := i % 3
		labels[i] = c
		row := x.Row(i)
		for j := range row {
			row[j] = float32(r.NormFloat64() * 0.3)
		}
		row[4+c] += 2
	}
	return x, labels
}

// toyModels are the nets every rule is checked on: a ReLU and a tanh MLP
// (rules such as DRTP need a saturating activation), a CNN with
// BatchNorm and a hidden Dense layer, and a CNN with two convolutions (so a
// second pass crosses a convolution). The CNNs see the toy input as 2×2×2.
var toyModels = []struct {
	name string
	spec nn.ModelSpec
	in   []int
}{
	{"mlp", nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}, []int{toyDim}},
	{"mlp-tanh", nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}, Activation: "tanh"}, []int{toyDim}},
	{"cnn-bn", nn.ModelSpec{Kind: "cnn", Conv: []int{6}, Kernel: 3, Padding: 1, BatchNorm: true, Hidden: []int{8}}, []int{2, 2, 2}},
	{"cnn2", nn.ModelSpec{Kind: "cnn", Conv: []int{4, 6}, Kernel: 3, Padding: 1, Pool: 1}, []int{2, 2, 2}},
}

func newToy(t *testing.T, m Method, spec nn.ModelSpec, in []int, seed uint64) (Trainer, *nn.Sequential, *nn.Engine) {
	t.Helper()
	net, err := nn.Build(spec, in, 3, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := Resolve(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &nn.Engine{}
	tr, err := m.New(Config{Net: net, Engine: e, Optimizer: &nn.SGD{LR: 0.05, Momentum: 0.9}, Params: vals,
		Classes: 3, Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(seed, uint64(len(s)))) }})
	if err != nil {
		t.Fatal(err)
	}
	return tr, net, e
}

// TestConformance runs every registered rule through the whole interface on
// every toy model it uses: declared parameters, its declared costs against
// the engine's count, learning a toy problem, and bit-identical reruns.
func TestConformance(t *testing.T) {
	for _, name := range Names() {
		for _, model := range toyModels {
			m, _ := Lookup(name)
			t.Run(name+"/"+model.name, func(t *testing.T) { conform(t, m, model.spec, model.in) })
		}
	}
}

func conform(t *testing.T, m Method, spec nn.ModelSpec, in []int) {
	name := m.Name()
	if m.Name() != name || m.Doc() == "" {
		t.Errorf("name %q, doc %q", m.Name(), m.Doc())
	}
	for _, p := range m.Params() {
		if p.Name == "" || p.Help == "" {
			t.Errorf("parameter %+v lacks a name or help", p)
		}
		if _, err := coerce(p.Default, p); err != nil {
			t.Errorf("parameter %s: default %v is not accepted: %v", p.Name, p.Default, err)
		}
	}
	if err := m.Uses(Task{Model: spec, InShape: in, Classes: 3}); err != nil {
		if !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("reason %q does not start with the rule's name", err)
		}
		t.Skipf("not applicable: %v", err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	x, labels := toyProblem(60, r)
	tr, net, e := newToy(t, m, spec, in, 1)
	vals, _ := Resolve(m, nil)
	cost := m.Cost(net, vals)
	if cost.TrainMACs <= 0 || cost.EvalMACs <= 0 || cost.KeptFloats <= 0 {
		t.Errorf("cost %+v: every figure must be positive", cost)
	}
	first, _ := tr.Step(x, nn.Classes(labels))
	if got := stepMACs(tr, e, x, labels); got != cost.TrainMACs {
		t.Errorf("a step counted %d MACs per sample, the rule declares %d", got, cost.TrainMACs)
	}
	var last float64
	for range 100 {
		last, _ = tr.Step(x, nn.Classes(labels))
	}
	pred := make([]int, x.Rows())
	before := e.MACs
	tr.Predict(x, pred)
	if got := (e.MACs - before) / int64(x.Rows()); got != cost.EvalMACs {
		t.Errorf("prediction counted %d MACs per sample, the rule declares %d", got, cost.EvalMACs)
	}
	correct := 0
	for i, p := range pred {
		if p == labels[i] {
			correct++
		}
	}
	if !(last < first/2) || correct < 55 {
		t.Errorf("did not learn the toy problem: loss %.4f → %.4f, %d/60 correct", first, last, correct)
	}
	tr2, net2, e2 := newToy(t, m, spec, in, 1) // the same steps again
	tr2.Step(x, nn.Classes(labels))
	stepMACs(tr2, e2, x, labels)
	for range 100 {
		tr2.Step(x, nn.Classes(labels))
	}
	for i, p := range net.Params() {
		if diff := cmp.Diff(p.Value.Data, net2.Params()[i].Value.Data); diff != "" {
			t.Fatalf("a rerun with the same seeds trained %s differently", p.Name)
		}
	}
}

// TestBPStepIsTheGradient checks that one BP step with plain SGD (lr 1)
// moves every weight by minus the finite-difference gradient of the loss.
func TestBPStepIsTheGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	x, labels := toyProblem(6, r)
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{5}, Activation: "tanh"}, []int{toyDim}, 3, r)
	e := &nn.Engine{}
	loss := func() float64 {
		l, _ := nn.SoftmaxCrossEntropy(net.Forward(e, x), labels, nil)
		return l
	}
	var want [][]float64
	const h = 1e-2
	for _, p := range net.Params() {
		g := make([]float64, len(p.Value.Data))
		for i := range g {
			old := p.Value.Data[i]
			p.Value.Data[i] = old + h
			up := loss()
			p.Value.Data[i] = old - h
			down := loss()
			p.Value.Data[i] = old
			g[i] = (up - down) / (2 * h)
		}
		want = append(want, g)
	}
	before := make([][]float32, len(net.Params()))
	for i, p := range net.Params() {
		before[i] = append([]float32(nil), p.Value.Data...)
	}
	tr, _ := BP{}.New(Config{Net: net, Engine: e, Optimizer: &nn.SGD{LR: 1}})
	tr.Step(x, nn.Classes(labels))
	for k, p := range net.Params() {
		for i, w := range p.Value.Data {
			step := float64(before[k][i] - w)
			if math.Abs(step-want[k][i]) > 2e-2*math.Max(math.Abs(want[k][i]), 1e-2) {
				t.Errorf("%s[%d]: BP moved it by %.6g, the finite-difference gradient is %.6g", p.Name, i, step, want[k][i])
			}
		}
	}
}

func TestResolve(t *testing.T) {
	m := fakeRule{}
	v, err := Resolve(m, map[string]any{"gamma": int64(1), "mode": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Values{"gamma": 1.0, "mode": "b", "steps": int64(3), "keep": 0.9}, v); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	for given, want := range map[string]string{
		`gama`:  `fake.gama: unknown parameter (did you mean "gamma"?)`,
		`mode`:  `fake.mode: "c" is not accepted`,
		`steps`: `fake.steps: 2.5 is not an integer (accepted: ≥ 1)`,
		`gamma`: `fake.gamma: -5 is out of range (accepted: > 0)`,
		`keep`:  `fake.keep: 0 is out of range (accepted: in (0, 1])`,
	} {
		vals := map[string]any{"gama": 1.0, "mode": "c", "steps": 2.5, "gamma": -5.0, "keep": int64(0)}
		_, err := Resolve(m, map[string]any{given: vals[given]})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Resolve(%s): %v, want %q", given, err, want)
		}
	}
}

type fakeRule struct{ BP }

func (fakeRule) Name() string { return "fake" }
func (fakeRule) Params() []Param {
	return []Param{{Name: "gamma", Default: 0.5, Range: Positive, Help: "g"},
		{Name: "mode", Default: "a", Choices: []string{"a", "b"}, Help: "m"},
		{Name: "steps", Default: int64(3), Range: &Range{Lo: 1, Hi: math.Inf(1), LoIn: true}, Help: "s"},
		{Name: "keep", Default: 0.9, Range: Fraction, Help: "k"}}
}

func TestLookupSuggests(t *testing.T) {
	_, err := Lookup("pb")
	if err == nil || !strings.Contains(err.Error(), `did you mean "bp"?`) {
		t.Errorf("Lookup(pb): %v", err)
	}
}

// TestDeclaredCostsForEveryChoice steps every rule once with each value of
// each of its string parameters (the others at their defaults) and requires
// the engine's count to equal the declared training cost.
func TestDeclaredCostsForEveryChoice(t *testing.T) {
	for _, model := range toyModels {
		for _, name := range Names() {
			declaredCosts(t, name, model.spec, model.in)
		}
	}
}

func declaredCosts(t *testing.T, name string, spec nn.ModelSpec, in []int) {
	m, _ := Lookup(name)
	if m.Uses(Task{Model: spec, InShape: in, Classes: 3}) != nil {
		return
	}
	for _, p := range m.Params() {
		for _, choice := range p.Choices {
			given := map[string]any{p.Name: choice}
			vals, err := Resolve(m, given)
			if err != nil {
				t.Fatal(err)
			}
			net, _ := nn.Build(spec, in, 3, rand.New(rand.NewPCG(1, 1)))
			e := &nn.Engine{}
			tr, err := m.New(Config{Net: net, Engine: e, Optimizer: recorder{}, Params: vals, Classes: 3,
				Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(2, uint64(len(s)))) }})
			if err != nil {
				t.Fatalf("%s %v: %v", name, given, err)
			}
			x, labels := toyProblem(6, rand.New(rand.NewPCG(1, 1)))
			if got, want := stepMACs(tr, e, x, labels), m.Cost(net, vals).TrainMACs; got != want {
				t.Errorf("%s %v: a step counted %d MACs per sample, the rule declares %d", name, given, got, want)
			}
		}
	}
}

// stepMACs returns the MACs per sample of a training step on x, averaged
// over a run of 12 steps for a trainer whose steps depend on where they
// fall in the run (12 shares equally among 1, 2, 3, 4 or 6 blocks).
func stepMACs(tr Trainer, e *nn.Engine, x *nn.Tensor, labels []int) int64 {
	steps := 1
	if es, ok := tr.(EpochStarter); ok {
		steps = 12
		es.StartEpoch(1, 1, steps)
	}
	before := e.MACs
	for range steps {
		tr.Step(x, nn.Classes(labels))
	}
	return (e.MACs - before) / int64(steps*x.Rows())
}
