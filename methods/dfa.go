package methods

import (
	"math"
	"math/rand/v2"

	"github.com/creditbench/creditbench/nn"
)

// DFA is direct feedback alignment (Nøkland 2016): the output error e is sent
// to every hidden layer l through a fixed random matrix B_l, in place of the
// backpropagated error. Batches are rows (B×n):
//
//	δ_L = e = softmax(a_L) − y                 (divided by the batch)
//	δ_l = (e · B_l) ⊙ φ'(a_l),   l < L
//	∇W_l = h_{l−1}ᵀ · δ_l,  ∇b_l = Σ_rows δ_l
//
// B_l is n_out×n_l, drawn once from the run's stream "dfa.B" (uniform on
// ±b_scale·√(6/n_out), or Gaussian of the same variance) and never trained.
// The default scale, 0.1, keeps the hidden layers' errors near BP's size; at
// 1 the 784-1024-128-10 net diverges with SGD at lr 0.02. On a CNN, e·B_l
// is the error of a stage's output (after pooling) and goes back through
// the pooling and φ' to its filters (see stage).
type DFA struct{}

var _ Method = DFA{}

func init() { Register(DFA{}) }

func (DFA) Name() string { return "dfa" }
func (DFA) Doc() string {
	return "direct feedback alignment: fixed random matrices carry the output error to each hidden layer"
}

func (DFA) Params() []Param {
	return []Param{
		{Name: "b_scale", Default: 0.1, Range: Positive, Help: "scale of the feedback matrices B_l relative to ±√(6/n_out)"},
		{Name: "b_dist", Default: "uniform", Choices: []string{"uniform", "gaussian"}, Help: "distribution of B_l"},
		{Name: "leak", Default: 1.0, Range: Fraction, Help: "recurrent nets: RFLO's leak α of the eligibility traces; 1 credits each step with its own error only", Recurrent: true},
	}
}

// Uses accepts MLPs (a net without hidden layers trains as BP does) and
// CNNs, and one-layer recurrent nets, which it trains through time
// (dfaThroughTime).
func (DFA) Uses(t Task) error {
	m := t.Model
	switch {
	case m.Kind == "cnn":
		return nil
	case m.Recurrent():
		return usesThroughTime("dfa", m)
	}
	return usesMLP("dfa", m)
}

// Cost: a forward pass, one product e·B_l per hidden layer and one
// weight-gradient product per layer.
func (DFA) Cost(net *nn.Sequential, _ Values) Cost {
	if rs := recurrentLayers(net); len(rs) > 0 { // B e_t per target step
		r, d := rs[0], net.Layers[len(net.Layers)-1].(*nn.Dense)
		fwd := net.MACs()
		return Cost{TrainMACs: 2*fwd + int64(r.Steps)*int64(d.Out)*int64(r.Hidden), EvalMACs: fwd, KeptFloats: bpLikeKept(net)}
	}
	widths, _ := stageWidths(net)
	nOut := int64(widths[len(widths)-1])
	c := Cost{TrainMACs: 2 * net.MACs(), EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
	for _, w := range widths[:len(widths)-1] {
		c.TrainMACs += nOut * int64(w)
	}
	return c
}

func (DFA) New(c Config) (Trainer, error) {
	if len(recurrentLayers(c.Net)) > 0 {
		return newDFAThroughTime(c)
	}
	ss, err := stagesOf(c.Net)
	if err != nil {
		return nil, err
	}
	return &dfaTrainer{c: c, ss: ss, B: projections(c, ss, "dfa.B")}, nil
}

// projections draws B_l, n_out×n_l, for every stage but the output from
// the stream named: uniform on ±b_scale·√(6/n_out), or Gaussian of the
// same variance (b_dist).
func projections(c Config, ss []*stage, stream string) []*nn.Tensor {
	r := c.Rand(stream)
	nOut := ss[len(ss)-1].width
	var B []*nn.Tensor
	for _, s := range ss[:len(ss)-1] {
		B = append(B, projection(c, nOut, s.width, r))
	}
	return B
}

// projection draws one feedback matrix, n_out×width, from r: uniform on
// ±b_scale·√(6/n_out), or Gaussian of the same variance (b_dist).
func projection(c Config, nOut, width int, r *rand.Rand) *nn.Tensor {
	limit := c.Params.Float("b_scale") * math.Sqrt(6/float64(nOut))
	return fixedRandom(nOut, width, limit, c.Params.String("b_dist"), r)
}

type dfaTrainer struct {
	c     Config
	ss    []*stage
	B     []*nn.Tensor // B[l] is n_out×n_l, fixed
	e     *nn.Tensor
	delta []*nn.Tensor
}

func (t *dfaTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	eng := t.c.Engine
	loss, correct := outputError(t.c.Net.Forward(eng, x), y, &t.e)
	L := len(t.ss)
	t.ss[L-1].grads(eng, t.e, nil)
	if t.delta == nil {
		t.delta = make([]*nn.Tensor, L-1)
	}
	for l := 0; l < L-1; l++ {
		t.delta[l] = reshape(t.delta[l], x.Rows(), t.ss[l].width)
		eng.MatMul(t.delta[l], t.e, false, t.B[l], false, 1, 0) // e·B_l, batch×n_l
		t.ss[l].grads(eng, t.delta[l], nil)
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *dfaTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
