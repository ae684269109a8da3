package methods

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/internal/vecmath"
	"github.com/creditbench/creditbench/nn"
)

// DTP is difference target propagation (Lee et al. 2015), with the
// difference reconstruction loss of Meulemans et al. (2020) as an option.
// Targets travel down through learned inverses instead of the transposed
// forward weights:
//
//	τ_{L−1} = h_{L−1} − β·∂ℓ/∂h_{L−1}               (the first target)
//	τ_{l−1} = h_{l−1} + g_l(τ_l) − g_l(h_l)          (difference correction)
//	g_l(h) = φ_g(V_l h + c_l)                         (learned inverse of layer l)
//	forward loss of hidden layer l: ½‖h_l − τ_l‖², τ held constant
//	output layer: its own cross-entropy gradient
//
// The inverses train before the forward weights in every step, on noise
// around the current activity, ε ~ N(0, σ²):
//
//	feedback "lee": ½‖g_l(f_l(h_{l−1}+ε)) − (h_{l−1}+ε)‖²
//	feedback "drl": ½‖g_l(f_l(h_{l−1}+ε)) − g_l(f_l(h_{l−1})) − ε‖², the
//	                difference reconstruction loss in its layer-local form
//
// with their own optimizer (fb_optimizer, fb_lr; RMSprop at 0.005 as in Lee's
// setup), separate from the run's, which trains the forward weights. No
// forward weight receives a gradient from a layer above: every hidden layer
// learns from its target alone. V_l is initialised like W_lᵀ (Glorot range)
// from the stream "dtp.V"; the noise comes from "dtp.noise". During the first
// fb_pretrain_steps steps only the inverses train. φ_g is, by default, the
// activation of layer l−1, whose activity g_l reconstructs.
//
// Lee's public code never updates two of its parameters (W6, B5); here every
// forward weight and every inverse trains.
type DTP struct{}

var _ Method = DTP{}

func init() { Register(DTP{}) }

func (DTP) Name() string { return "dtp" }
func (DTP) Doc() string {
	return "difference target propagation: targets carried down by learned inverses with difference correction"
}

func (DTP) Params() []Param {
	return []Param{
		{Name: "beta", Default: 0.328, Range: Positive, Help: "β, the step of the first target along −∂ℓ/∂h_{L−1}"},
		{Name: "feedback", Default: "lee", Choices: []string{"lee", "drl"}, Help: "the inverses' loss: Lee's noisy reconstruction or the difference reconstruction loss"},
		{Name: "sigma", Default: 0.36, Range: NonNegative, Help: "σ of the noise the inverses train on"},
		{Name: "g_act", Default: "same", Choices: []string{"same", "tanh", "relu", "sigmoid", "identity"},
			Help: "φ_g of the inverses; same = the activation of the layer reconstructed"},
		{Name: "fb_optimizer", Default: "rmsprop", Choices: []string{"rmsprop", "sgd", "adam"}, Help: "optimizer of the inverses"},
		{Name: "fb_lr", Default: 0.005, Range: Positive, Help: "learning rate of the inverses"},
		{Name: "fb_pretrain_steps", Default: int64(0), Range: NonNegative, Help: "steps at the start that train the inverses only"},
		{Name: "rnn_beta", Default: 0.1, Range: Positive, Help: "recurrent nets (TPTT): the step of the read-out steps' targets, α_i", Recurrent: true},
		{Name: "rnn_sigma", Default: 0.0, Range: NonNegative, Help: "recurrent nets (TPTT): σ of the noise the inverse trains on", Recurrent: true},
		{Name: "rnn_fb_lr", Default: 0.001, Range: Positive, Help: "recurrent nets (TPTT): learning rate of the inverse (SGD, Nesterov momentum 0.9), α_g", Recurrent: true},
	}
}

// Uses accepts MLPs with at least one hidden layer.
func (DTP) Uses(t Task) error {
	if t.Model.Recurrent() {
		if t.Model.Kind != "rnn" || t.Model.Resolved().Activation != "tanh" {
			return fmt.Errorf("dtp: its recurrent form, TPTT, trains tanh Elman RNNs (Manchev & Spratling 2020), not a %s %s", t.Model.Resolved().Activation, t.Model.Kind)
		}
		return usesThroughTime("dtp", t.Model)
	}
	m := t.Model
	if m.Kind == "cnn" {
		return fmt.Errorf("dtp: needs a learned inverse of every layer, and convolutional inverses are not implemented (the paper's cost table leaves DTP out of CNNs too); dtp trains MLPs")
	}
	return usesHiddenMLP("dtp", m)
}

// Cost: the forward pass; per inverse g_l, its training (f_l on the noisy
// activity, g_l on that, ∇V_l; with drl also g_l(h_l) and its part of ∇V_l)
// and the two products of the difference correction; the first target's
// product e·W_Lᵀ; one weight-gradient product per layer. DTP keeps every
// activity and every target.
func (DTP) Cost(net *nn.Sequential, p Values) Cost {
	if rs := recurrentLayers(net); len(rs) > 0 { // TPTT
		r, d := rs[0], net.Layers[len(net.Layers)-1].(*nn.Dense)
		hh := int64(r.Hidden) * int64(r.Hidden)
		perStep := 4 * hh // the inverse's reconstruction, its ∇V, and the two inverses of the correction
		if p.Float("rnn_sigma") > 0 {
			perStep += hh // F on the noisy state
		}
		fwd := net.MACs()
		return Cost{TrainMACs: 2*fwd + int64(r.T-1)*perStep + int64(r.Steps)*int64(d.Out)*int64(r.Hidden), EvalMACs: fwd,
			KeptFloats: bpLikeKept(net) + int64(3*r.T-2)*int64(r.Hidden)}
	}
	ds := net.Denses()
	L := len(ds)
	c := Cost{TrainMACs: 2*net.MACs() + ds[L-1].MACs(), EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
	perInverse := int64(5)
	if p.String("feedback") == "drl" {
		perInverse = 7
	}
	for _, d := range ds[1 : L-1] {
		c.TrainMACs += perInverse * d.MACs()
	}
	for _, d := range ds[:L-1] {
		c.KeptFloats += int64(d.Out)
	}
	return c
}

func (DTP) New(c Config) (Trainer, error) {
	if len(recurrentLayers(c.Net)) > 0 {
		return newTPTT(c)
	}
	m, err := hiddenMLPOf("dtp", c.Net)
	if err != nil {
		return nil, err
	}
	p := c.Params
	t := &dtpTrainer{c: c, m: m, beta: float32(p.Float("beta")), sigma: p.Float("sigma"),
		drl: p.String("feedback") == "drl", pretrain: p.Int("fb_pretrain_steps"), noise: c.Rand("dtp.noise")}
	spec := nn.OptimizerSpec{Name: p.String("fb_optimizer"), LR: p.Float("fb_lr")}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("dtp: %v", err)
	}
	if c.NewOptimizer != nil {
		t.fbOpt, err = c.NewOptimizer(spec)
		if err != nil {
			return nil, fmt.Errorf("dtp: %v", err)
		}
	} else {
		t.fbOpt = spec.New()
	}
	r := c.Rand("dtp.V")
	// Inverse l (l = 1..L−2, 0-based) maps layer l's activity back to layer
	// l−1's: V is n_l×n_{l−1} in batch layout.
	for l := 1; l < len(m.act); l++ {
		d := m.dense[l]
		inv := &inverse{V: &nn.Param{Name: fmt.Sprintf("V%d", l+1), Value: nn.NewTensor(d.Out, d.In), Grad: nn.NewTensor(d.Out, d.In)},
			c: &nn.Param{Name: fmt.Sprintf("c%d", l+1), Value: nn.NewTensor(d.In), Grad: nn.NewTensor(d.In)}}
		nn.Uniform(inv.V.Value.Data, math.Sqrt(6/float64(d.In+d.Out)), r)
		inv.act = m.act[l-1].F
		if a := p.String("g_act"); a != "same" {
			inv.act, _ = nn.ActivationByName(a)
		}
		t.inv = append(t.inv, inv)
	}
	return t, nil
}

// inverse is g_l(h) = φ_g(h·V + c).
type inverse struct {
	V, c *nn.Param
	act  nn.Activation
}

// apply sets out = g(h).
func (g *inverse) apply(e *nn.Engine, out, h *nn.Tensor) {
	for i := 0; i < out.Rows(); i++ {
		copy(out.Row(i), g.c.Value.Data)
	}
	e.MatMul(out, h, false, g.V.Value, false, 1, 1)
	g.act.Apply(out.Data, out.Data)
}

type dtpTrainer struct {
	c        Config
	m        mlp
	inv      []*inverse // inv[l−1] inverts hidden layer l (0-based l ≥ 1)
	fbOpt    nn.Optimizer
	beta     float32
	sigma    float64
	drl      bool
	pretrain int
	steps    int
	noise    interface{ NormFloat64() float64 }

	e                 *nn.Tensor
	taus, deltas      []*nn.Tensor
	eps, xt, ft, r    []*nn.Tensor // per inverse: ε, h+ε, f(h+ε), g(f(h+ε))
	r0, gtau, gh, fbd []*nn.Tensor // g(h_l), g(τ_l), g(h_l) again, the loss's d
	dr, dr0           []*nn.Tensor // d through φ_g' on each path
	scratch           []float32
}

// AuxParams returns the inverses' weights.
func (t *dtpTrainer) AuxParams() []*nn.Param {
	var ps []*nn.Param
	for _, g := range t.inv {
		ps = append(ps, g.V, g.c)
	}
	return ps
}

func (t *dtpTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	eng := t.c.Engine
	L := len(t.m.dense)
	n := x.Rows()
	loss, correct := outputError(t.c.Net.Forward(eng, x), y, &t.e) // e/B
	if t.taus == nil {
		k := len(t.inv)
		t.taus, t.deltas = make([]*nn.Tensor, L-1), make([]*nn.Tensor, L-1)
		t.eps, t.xt, t.ft, t.r = make([]*nn.Tensor, k), make([]*nn.Tensor, k), make([]*nn.Tensor, k), make([]*nn.Tensor, k)
		t.r0, t.gtau, t.gh, t.fbd = make([]*nn.Tensor, k), make([]*nn.Tensor, k), make([]*nn.Tensor, k), make([]*nn.Tensor, k)
		t.dr, t.dr0 = make([]*nn.Tensor, k), make([]*nn.Tensor, k)
	}
	if len(t.inv) > 0 {
		t.trainInverses(n)
	}
	t.steps++
	if t.steps <= t.pretrain {
		return loss, correct
	}
	// The first target: τ_{L−1} = h_{L−1} − β·(e W_Lᵀ), e per sample.
	last := L - 2
	h := t.m.act[last].Output()
	t.taus[last] = reshape(t.taus[last], n, h.Cols())
	copy(t.taus[last].Data, h.Data)
	eng.MatMul(t.taus[last], t.e, false, t.m.dense[L-1].W.Value, true, -t.beta*float32(n), 1)
	// Difference correction down the inverses.
	for l := last; l >= 1; l-- {
		g, k := t.inv[l-1], l-1
		hl, hprev := t.m.act[l].Output(), t.m.act[l-1].Output()
		t.gtau[k] = reshape(t.gtau[k], n, hprev.Cols())
		t.gh[k] = reshape(t.gh[k], n, hprev.Cols())
		g.apply(eng, t.gtau[k], t.taus[l])
		g.apply(eng, t.gh[k], hl)
		t.taus[l-1] = reshape(t.taus[l-1], n, hprev.Cols())
		for i, v := range hprev.Data {
			t.taus[l-1].Data[i] = v + t.gtau[k].Data[i] - t.gh[k].Data[i]
		}
	}
	// Local forward updates.
	inv := 1 / float32(n)
	for l := 0; l < L-1; l++ {
		h := t.m.act[l].Output()
		t.deltas[l] = reshape(t.deltas[l], n, h.Cols())
		vecmath.Difference(t.deltas[l].Data, h.Data, t.taus[l].Data, inv)
		derivTimes(t.deltas[l].Data, t.m.act[l].F, h.Data, &t.scratch)
		t.m.dense[l].Grads(eng, t.m.dense[l].Input(), t.deltas[l])
	}
	t.m.dense[L-1].Grads(eng, t.m.dense[L-1].Input(), t.e)
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

// trainInverses takes one step of every inverse on its reconstruction loss,
// with the forward weights as they are.
func (t *dtpTrainer) trainInverses(n int) {
	eng := t.c.Engine
	inv := 1 / float32(n)
	for k, g := range t.inv {
		l := k + 1
		d := t.m.dense[l]
		hprev, hl := t.m.act[l-1].Output(), t.m.act[l].Output()
		t.eps[k] = reshape(t.eps[k], n, d.In)
		t.xt[k] = reshape(t.xt[k], n, d.In)
		for i, v := range hprev.Data {
			t.eps[k].Data[i] = float32(t.noise.NormFloat64() * t.sigma)
			t.xt[k].Data[i] = v + t.eps[k].Data[i]
		}
		t.ft[k] = reshape(t.ft[k], n, d.Out)
		d.Affine(eng, t.ft[k], t.xt[k])
		t.m.act[l].F.Apply(t.ft[k].Data, t.ft[k].Data)
		t.r[k] = reshape(t.r[k], n, d.In)
		g.apply(eng, t.r[k], t.ft[k])
		// d = r − (h+ε) for lee; r − g(h_l) − ε for drl; δ = d ⊙ φ_g' / B.
		t.fbd[k] = reshape(t.fbd[k], n, d.In)
		fd := t.fbd[k]
		if t.drl {
			t.r0[k] = reshape(t.r0[k], n, d.In)
			g.apply(eng, t.r0[k], hl)
			for i := range fd.Data {
				fd.Data[i] = (t.r[k].Data[i] - t.r0[k].Data[i] - t.eps[k].Data[i]) * inv
			}
		} else {
			for i := range fd.Data {
				fd.Data[i] = (t.r[k].Data[i] - t.xt[k].Data[i]) * inv
			}
		}
		dr := t.deltaThrough(g, fd, t.r[k], &t.dr[k])
		eng.MatMul(g.V.Grad, t.ft[k], true, dr, false, 1, 0)
		clear(g.c.Grad.Data)
		nn.AddColSums(g.c.Grad.Data, dr)
		if t.drl { // the g(h_l) path carries −d
			dr0 := t.deltaThrough(g, fd, t.r0[k], &t.dr0[k])
			for i := range dr0.Data {
				dr0.Data[i] = -dr0.Data[i]
			}
			eng.MatMul(g.V.Grad, hl, true, dr0, false, 1, 1)
			nn.AddColSums(g.c.Grad.Data, dr0)
		}
	}
	t.fbOpt.Step(t.AuxParams())
}

// deltaThrough sets *buf = d ⊙ φ_g'(pre-activation of out), given out =
// φ_g(·), and returns it.
func (t *dtpTrainer) deltaThrough(g *inverse, d, out *nn.Tensor, buf **nn.Tensor) *nn.Tensor {
	*buf = reshape(*buf, d.Rows(), d.Cols())
	copy((*buf).Data, d.Data)
	derivTimes((*buf).Data, g.act, out.Data, &t.scratch)
	return *buf
}

func (t *dtpTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
