package methods

import (
	"math"
	"math/rand/v2"
	"slices"
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
			tr.Step(x, nn.Classes(labels))
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
	if err := (FF{}).Uses(Task{Model: nn.ModelSpec{Kind: "mlp", Hidden: []int{8}, Activation: "tanh"}, InShape: []int{784}, Classes: 10}); err == nil {
		t.Error("FF accepted a tanh MLP")
	}
}

// TestFFLabelReachesEveryLocalUnit: on locally connected layers, the label
// values (the first n_classes inputs) connect to every unit of the first
// layer and learn there; the other connections stay within the fields.
func TestFFLabelReachesEveryLocalUnit(t *testing.T) {
	const classes = 3
	net, err := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{2 * 6 * 6}, Local: 3}, []int{1, 6, 6}, classes, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	first := net.Denses()[0]
	far := 5*6 + 5 // the unit of map 0 at (5, 5), whose field misses the label values
	if first.Mask.Data[0*first.Out+far] != 0 {
		t.Fatal("the field of (5, 5) reaches (0, 0) before FF")
	}
	tr, rec := trainerOn(t, FF{}, net, nil)
	for k := 0; k < classes; k++ {
		for o, m := range first.Mask.Row(k) {
			if m != 1 {
				t.Fatalf("label value %d does not reach unit %d", k, o)
			}
		}
	}
	x := nn.NewTensor(4, 36)
	nn.Uniform(x.Data, 1, rand.New(rand.NewPCG(5, 5)))
	tr.Step(x, nn.Classes([]int{0, 1, 2, 0}))
	grad := rec[first.W]
	if grad[1*first.Out+far] == 0 {
		t.Error("the label value reaching (5, 5) got no gradient")
	}
	if inside := (0*6+3)*first.Out + far; grad[inside] != 0 { // input (0, 3): outside the field
		t.Errorf("input (0, 3) got a gradient at (5, 5): %v", grad[inside])
	}
}

// TestFFInputNorm: with input_norm "rms" every input FF sees, label
// included, has a root mean square of 1, as in loeweX's code; without it
// the input is the image with its label.
func TestFFInputNorm(t *testing.T) {
	x, labels := toyProblem(6, rand.New(rand.NewPCG(3, 3)))
	for _, norm := range []string{"none", "rms"} {
		tr, _, _ := setup(t, FF{}, "relu", map[string]any{"input_norm": norm})
		ff := tr.(*ffTrainer)
		dst := nn.NewTensor(x.Rows(), x.Cols())
		ff.embed(dst, x, func(i int) int { return labels[i] })
		for i := 0; i < dst.Rows(); i++ {
			var s float64
			for _, v := range dst.Row(i) {
				s += float64(v) * float64(v)
			}
			rms := math.Sqrt(s / float64(dst.Cols()))
			if norm == "rms" && math.Abs(rms-1) > 1e-5 {
				t.Errorf("rms: row %d has an RMS of %v", i, rms)
			}
			if norm == "none" && dst.Row(i)[labels[i]] != slices.Max(x.Row(i)) {
				t.Errorf("none: row %d's label value is %v, want the row's largest value", i, dst.Row(i)[labels[i]])
			}
		}
	}
}
