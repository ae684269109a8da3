package methods

import (
	"fmt"

	"math"

	"github.com/creditbench/creditbench/nn"
)

// FA is feedback alignment (Lillicrap et al. 2016): backpropagation with
// each transposed weight matrix Wᵀ replaced by a fixed random matrix B_l of
// the same shape:
//
//	δ_L = softmax(a_L) − y
//	δ_{l−1} = (B_l δ_l) ⊙ φ'(a_{l−1})
//	∇W_l = δ_l · h_{l−1}ᵀ
//
// B_l (n_{l−1}×n_l, like W_l) is drawn once from the stream "fa.B", uniform on
// ±b_scale·√(6/n_{l−1}) (the He range of W_l) or Gaussian of that variance.
type FA struct{}

var _ Method = FA{}

func init() { Register(FA{}) }

func (FA) Name() string { return "fa" }
func (FA) Doc() string {
	return "feedback alignment: backpropagation through fixed random matrices instead of Wᵀ"
}

func (FA) Params() []Param {
	return []Param{
		{Name: "b_scale", Default: 1.0, Range: Positive, Help: "scale of the feedback matrices B_l relative to the He range"},
		{Name: "b_dist", Default: "uniform", Choices: []string{"uniform", "gaussian"}, Help: "distribution of B_l"},
	}
}

func (FA) Uses(t Task) error {
	if t.Model.Recurrent() {
		return fmt.Errorf("fa: its recurrent form would carry the error back through time by fixed random matrices, which is not built; fa trains MLPs")
	}
	m := t.Model
	if m.Kind == "cnn" {
		return fmt.Errorf("fa: backward convolutions through fixed random filters are not implemented; fa trains MLPs")
	}
	return usesMLP("fa", m)
}

// Cost is BP's: the same products, with B_l in place of W_l.
func (FA) Cost(net *nn.Sequential, p Values) Cost { return BP{}.Cost(net, p) }

func (FA) New(c Config) (Trainer, error) {
	m, err := mlpOf(c.Net)
	if err != nil {
		return nil, err
	}
	t := &faTrainer{c: c, m: m}
	r := c.Rand("fa.B")
	for _, d := range m.dense[1:] {
		limit := c.Params.Float("b_scale") * math.Sqrt(6/float64(d.In))
		t.B = append(t.B, fixedRandom(d.In, d.Out, limit, c.Params.String("b_dist"), r))
	}
	return t, nil
}

type faTrainer struct {
	c       Config
	m       mlp
	B       []*nn.Tensor // B[l−1] stands in for W_l, l = 2..L
	e       *nn.Tensor
	delta   []*nn.Tensor
	scratch []float32
}

func (t *faTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	eng := t.c.Engine
	loss, correct := outputError(t.c.Net.Forward(eng, x), y, &t.e)
	L := len(t.m.dense)
	if t.delta == nil {
		t.delta = make([]*nn.Tensor, L-1)
	}
	delta := t.e
	for l := L - 1; l >= 0; l-- {
		t.m.dense[l].Grads(eng, t.m.dense[l].Input(), delta)
		if l == 0 {
			break
		}
		h := t.m.act[l-1].Output()
		t.delta[l-1] = reshape(t.delta[l-1], h.Rows(), h.Cols())
		eng.MatMul(t.delta[l-1], delta, false, t.B[l-1], true, 1, 0) // δ_l·B_lᵀ
		derivTimes(t.delta[l-1].Data, t.m.act[l-1].F, h.Data, &t.scratch)
		delta = t.delta[l-1]
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *faTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
