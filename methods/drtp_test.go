package methods

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// TestDRTPHiddenUpdatesFromTheLabelAlone recomputes DRTP's update of the
// last hidden layer in float64 from its input, its activation's derivative,
// the label and B alone, and checks that the output layer's weights do not
// enter it: they are changed, and the hidden updates stay the same.
func TestDRTPHiddenUpdatesFromTheLabelAlone(t *testing.T) {
	tr, net, rec := setup(t, DRTP{}, "tanh", nil)
	x, labels := toyProblem(5, rand.New(rand.NewPCG(3, 3)))
	tr.Step(x, nn.Classes(labels))
	ds := net.Denses()
	hidden, out := ds[1], ds[2]
	B := tr.(*drtpTrainer).B[1]              // 3×8
	in, a := hidden.Input(), hidden.Output() // h_1 and a_2
	n, width := x.Rows(), hidden.Out
	for i := range hidden.In {
		for j := range width {
			var want float64
			for r := range n {
				th := math.Tanh(float64(a.Row(r)[j]))
				deriv := 1 - th*th
				delta := -float64(B.Row(labels[r])[j]) / float64(n) * deriv
				want += float64(in.Row(r)[i]) * delta
			}
			if got := float64(rec[hidden.W][i*width+j]); math.Abs(got-want) > 1e-5 {
				t.Fatalf("∇W_2[%d,%d] = %.7g, want %.7g", i, j, got, want)
			}
		}
	}
	first := append([]float32(nil), rec[ds[0].W]...)
	second := append([]float32(nil), rec[hidden.W]...)
	for i := range out.W.Value.Data {
		out.W.Value.Data[i] *= -3
	}
	tr.Step(x, nn.Classes(labels))
	if !slices.Equal(first, rec[ds[0].W]) || !slices.Equal(second, rec[hidden.W]) {
		t.Error("the output layer's weights changed the hidden layers' updates")
	}
}

// TestDRTPLearns trains 8-16-8-3 tanh on the toy problem: the loss must
// fall.
func TestDRTPLearns(t *testing.T) {
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}, Activation: "tanh"}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
	vals, _ := Resolve(DRTP{}, nil)
	tr, err := DRTP{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: &nn.SGD{LR: 0.1, Momentum: 0.9},
		Params: vals, Classes: 3, Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(2, 2)) }})
	if err != nil {
		t.Fatal(err)
	}
	x, labels := toyProblem(60, rand.New(rand.NewPCG(5, 5)))
	first, _ := tr.Step(x, nn.Classes(labels))
	var last float64
	for range 200 {
		last, _ = tr.Step(x, nn.Classes(labels))
	}
	if !(last < first/2) {
		t.Errorf("loss %.4f after 200 steps, %.4f at the first", last, first)
	}
}
