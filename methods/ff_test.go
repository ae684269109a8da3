package methods

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/nn"
)

// TestFFNoGradientCrossesLayers perturbs the weights of the second hidden
// layer: the first layer's update must not change (its loss does not see
// the layers above), while the second's does. (Hard negatives are chosen by
// the goodness of every layer, so they are left out: the choice of data, not
// a gradient, would differ.)
func TestFFNoGradientCrossesLayers(t *testing.T) {
	for _, given := range []map[string]any{{}, {"goodness": "mean", "peer_norm": 0.03}, {"predict": "softmax"}} {
		x, labels := toyProblem(12, rand.New(rand.NewPCG(1, 1)))
		step := func(perturb bool) (*nn.Sequential, recorder) {
			tr, net, rec := setup(t, FF{}, "relu", given)
			if perturb {
				for i := range net.Denses()[1].W.Value.Data {
					net.Denses()[1].W.Value.Data[i] *= -1.5
				}
			}
			tr.Step(x, labels)
			return net, rec
		}
		a, ra := step(false)
		b, rb := step(true)
		if diff := cmp.Diff(ra[a.Denses()[0].W], rb[b.Denses()[0].W]); diff != "" {
			t.Errorf("%v: the first layer's update depends on the second layer's weights:\n%s", given, diff)
		}
		if cmp.Equal(ra[a.Denses()[1].W], rb[b.Denses()[1].W]) {
			t.Errorf("%v: the second layer's update ignores its own weights", given)
		}
	}
}

// TestFFHardNegativesAreTheBestWrongLabel checks that a hard negative is,
// for each sample, the wrong label of highest goodness.
func TestFFHardNegativesAreTheBestWrongLabel(t *testing.T) {
	tr, _, _ := setup(t, FF{}, "relu", map[string]any{"negatives": "hard"})
	ff := tr.(*ffTrainer)
	x, labels := toyProblem(9, rand.New(rand.NewPCG(2, 2)))
	scores := append([]float64(nil), ff.labelScores(x)...)
	neg := ff.wrongLabels(x, labels)
	for i, y := range labels {
		if neg[i] == y {
			t.Fatalf("sample %d: the negative label is the true one", i)
		}
		for c := 0; c < 3; c++ {
			if c != y && scores[i*3+c] > scores[i*3+neg[i]] {
				t.Errorf("sample %d: label %d scores %v, above the chosen %d (%v)", i, c, scores[i*3+c], neg[i], scores[i*3+neg[i]])
			}
		}
	}
}

func TestFFNeedsReLU(t *testing.T) {
	if err := (FF{}).Uses(nn.ModelSpec{Kind: "mlp", Hidden: []int{8}, Activation: "tanh"}); err == nil {
		t.Error("FF accepted a tanh MLP")
	}
}

// TestFFConvNoGradientCrossesStages is TestFFNoGradientCrossesLayers on a
// CNN of two convolutions: flipping the second convolution's filters leaves
// the first one's update (and its label biases') as it was.
func TestFFConvNoGradientCrossesStages(t *testing.T) {
	model := toyModels[2]
	x, labels := toyProblem(12, rand.New(rand.NewPCG(1, 1)))
	step := func(perturb bool) (*nn.Sequential, recorder, *ffTrainer) {
		net, err := nn.Build(model.spec, model.in, 3, rand.New(rand.NewPCG(3, 1)))
		if err != nil {
			t.Fatal(err)
		}
		vals, _ := Resolve(FF{}, nil)
		rec := recorder{}
		tr, err := FF{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: rec, Params: vals, Classes: 3,
			Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(4, uint64(len(s)))) }})
		if err != nil {
			t.Fatal(err)
		}
		second := net.Layers[3].(*nn.Conv2D) // Conv, Pool, Act, then the second Conv
		if perturb {
			for i := range second.Wt.Value.Data {
				second.Wt.Value.Data[i] *= -1.5
			}
		}
		tr.Step(x, labels)
		return net, rec, tr.(*ffTrainer)
	}
	a, ra, fa := step(false)
	b, rb, fb := step(true)
	first := func(n *nn.Sequential) *nn.Param { return n.Layers[0].(*nn.Conv2D).Wt }
	if diff := cmp.Diff(ra[first(a)], rb[first(b)]); diff != "" {
		t.Errorf("the first convolution's update depends on the second's filters:\n%s", diff)
	}
	if diff := cmp.Diff(ra[fa.labelBias], rb[fb.labelBias]); diff != "" {
		t.Errorf("the label biases' update depends on the second convolution:\n%s", diff)
	}
	if second := func(n *nn.Sequential) *nn.Param { return n.Layers[3].(*nn.Conv2D).Wt }; cmp.Equal(ra[second(a)], rb[second(b)]) {
		t.Error("the second convolution's update ignores its own filters")
	}
}
