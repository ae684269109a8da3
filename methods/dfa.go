package methods

import (
	"math"

	"github.com/creditbench/creditbench/nn"
)

// DFA is direct feedback alignment (Nøkland 2016): the output error e is sent
// to every hidden layer l through a fixed random matrix B_l, in place of the
// backpropagated error:
//
//	δ_L = e = softmax(a_L) − y
//	δ_l = (B_l e) ⊙ φ'(a_l),   l < L
//	∇W_l = δ_l · h_{l−1}ᵀ
//
// B_l is n_out×n_l, drawn once from the run's stream "dfa.B" (uniform on
// ±b_scale·√(6/n_out), or Gaussian of the same variance) and never trained.
// The default scale, 0.1, keeps the hidden layers' errors near BP's size; at
// 1 the 784-1024-128-10 net diverges with SGD at lr 0.02.
type DFA struct{}

var _ Method = DFA{}

func init() { Register(DFA{}) }

func (DFA) Name() string { return "dfa" }
func (DFA) Doc() string {
	return "direct feedback alignment: fixed random matrices carry the output error to each hidden layer"
}

func (DFA) Params() []Param {
	return []Param{
		{Name: "b_scale", Default: 0.1, Help: "scale of the feedback matrices B_l relative to ±√(6/n_out), > 0"},
		{Name: "b_dist", Default: "uniform", Choices: []string{"uniform", "gaussian"}, Help: "distribution of B_l"},
	}
}

func (DFA) Uses(m nn.ModelSpec) error { return usesMLP("dfa", m) }

// Cost: a forward pass, one product B_l e per hidden layer and one
// weight-gradient product per layer.
func (DFA) Cost(net *nn.Sequential, _ Values) Cost {
	ds := net.Denses()
	nOut := int64(ds[len(ds)-1].Out)
	c := Cost{TrainMACs: 2 * net.MACs(), EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
	for _, d := range ds[:len(ds)-1] {
		c.TrainMACs += nOut * int64(d.Out)
	}
	return c
}

func (DFA) New(c Config) (Trainer, error) {
	m, err := mlpOf(c.Net)
	if err != nil {
		return nil, err
	}
	t := &dfaTrainer{c: c, m: m}
	r := c.Rand("dfa.B")
	nOut := m.dense[len(m.dense)-1].Out
	limit := c.Params.Float("b_scale") * math.Sqrt(6/float64(nOut))
	for _, d := range m.dense[:len(m.dense)-1] {
		t.B = append(t.B, fixedRandom(nOut, d.Out, limit, c.Params.String("b_dist"), r))
	}
	return t, nil
}

type dfaTrainer struct {
	c       Config
	m       mlp
	B       []*nn.Tensor // B[l] is n_out×n_l, fixed
	e       *nn.Tensor
	delta   []*nn.Tensor
	scratch []float32
}

func (t *dfaTrainer) Step(x *nn.Tensor, labels []int) (float64, int) {
	eng := t.c.Engine
	loss, correct := outputError(t.c.Net.Forward(eng, x), labels, &t.e)
	L := len(t.m.dense)
	t.m.dense[L-1].Grads(eng, t.m.dense[L-1].Input(), t.e)
	if t.delta == nil {
		t.delta = make([]*nn.Tensor, L-1)
	}
	for l := 0; l < L-1; l++ {
		h := t.m.act[l].Output()
		t.delta[l] = reshape(t.delta[l], h.Rows(), h.Cols())
		eng.MatMul(t.delta[l], t.e, false, t.B[l], false, 1, 0) // e·B_l, batch×n_l
		derivTimes(t.delta[l], t.m.act[l], h, &t.scratch)
		t.m.dense[l].Grads(eng, t.m.dense[l].Input(), t.delta[l])
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *dfaTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
