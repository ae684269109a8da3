package methods

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditbench/creditbench/internal/vecmath"
	"github.com/creditbench/creditbench/nn"
)

// PEPITA is "present the error to perturb the input" (Dellaferrera & Kreiman
// 2022), FTP's closest ancestor: a second forward pass on the input perturbed
// by the projected error, and updates from the difference of the passes.
//
//	pass 1 on x:  h_1..h_{L−1}, e = softmax(a_L) − y (per sample)
//	x' = x + F e, F fixed random (n_in×n_out)
//	pass 2 on x': h'_1..h'_{L−1}, e' = softmax(a'_L) − y, same dropout masks
//	∇W_1 = (h_1 − h'_1)·x'ᵀ,  ∇W_l = (h_l − h'_l)·h'_{l−1}ᵀ,  ∇W_L = e'·h'_{L−1}ᵀ
//
// F is drawn once from the stream "pepita.F", f_scale·U[−√(6/n_in), √(6/n_in)].
// Hidden activations are multiplied by a dropout mask (keep probability
// keep_prob, scaled by 1/keep_prob) drawn per step from "pepita.dropout" and
// shared by both passes. As in the paper, biases are zero and not trained
// unless bias = true. The paper's learning-rate drops (÷10 at epochs 60 and
// 90) are a schedule of the optimizer, not of the rule.
//
// On a CNN a layer is a stage (see stage) and h_l its output after pooling;
// h_l − h'_l goes back to the filters through the second pass's pooling (and
// normalisation), never through φ' — as the dense rule pairs h_l − h'_l with
// the input directly — and is paired with the stage's pass-2 input. The
// second pass normalises by the first pass's batch statistics, and
// BatchNorm's γ and β stay at 1 and 0: the source has no normalisation, and
// its difference signal drives them away (a toy CNN diverges).
type PEPITA struct{}

var (
	_ Method      = PEPITA{}
	_ Recommender = PEPITA{}
)

func init() { Register(PEPITA{}) }

func (PEPITA) Name() string { return "pepita" }
func (PEPITA) Doc() string {
	return "PEPITA: a second forward pass on the input perturbed by the projected error"
}

// Recommended is the paper's: SGD, lr 0.01, momentum 0.9.
func (PEPITA) Recommended() nn.OptimizerSpec {
	return nn.OptimizerSpec{Name: "sgd", LR: 0.01, Momentum: 0.9}
}

func (PEPITA) Params() []Param {
	return []Param{
		{Name: "f_scale", Default: 0.05, Range: Positive, Help: "scale of F relative to U[−√(6/n_in), √(6/n_in)]"},
		{Name: "keep_prob", Default: 0.9, Range: Fraction, Help: "dropout keep probability of hidden units"},
		{Name: "bias", Default: false, Help: "train biases (the paper has none)"},
	}
}

// Uses accepts CNNs and MLPs with at least one hidden layer.
// Caveat marks the rule's recurrent form.
func (PEPITA) Caveat(t Task) string {
	if t.Model.Recurrent() {
		return "pepita through time is our extension (sequences.md): PEPITA has no published recurrent form"
	}
	return ""
}

func (PEPITA) Uses(t Task) error {
	if t.Model.Recurrent() { // pepitaThroughTime, our extension
		if t.Model.Kind != "rnn" {
			return fmt.Errorf("pepita: its recurrent form (our extension) compares the two passes' states, and an lstm's gates have none of their own; it trains Elman RNNs (kind rnn)")
		}
		return usesThroughTime("pepita", t.Model)
	}
	m := t.Model
	return usesStages("pepita", m)
}

// Cost: two forward passes, the projection F e, one weight-gradient product
// per layer.
func (PEPITA) Cost(net *nn.Sequential, _ Values) Cost {
	if rs := recurrentLayers(net); len(rs) > 0 { // through time
		r, d := rs[0], net.Layers[len(net.Layers)-1].(*nn.Dense)
		fwd := net.MACs()
		steps := int64(r.Steps)
		// Two passes, the second reusing the first's input products but
		// for u·Wx; F e; the weight gradients.
		gh := int64(r.Wh.Value.Cols())
		return Cost{TrainMACs: 3*fwd - int64(r.T-1)*int64(r.In)*gh + int64(d.Out)*int64(r.In), EvalMACs: fwd,
			KeptFloats: bpLikeKept(net) + int64(r.T)*int64(r.Hidden) + steps*int64(d.Out)}
	}
	widths, _ := stageWidths(net)
	proj := int64(size(net.InShape)) * int64(widths[len(widths)-1])
	return Cost{TrainMACs: 3*net.MACs() + proj, EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
}

// drawF draws F, n_out×n_in, from the stream "pepita.F":
// f_scale·U[−√(6/n_in), √(6/n_in)].
func drawF(c Config, nOut, nIn int) *nn.Tensor {
	return fixedRandom(nOut, nIn, c.Params.Float("f_scale")*math.Sqrt(6/float64(nIn)), "uniform", c.Rand("pepita.F"))
}

func (PEPITA) New(c Config) (Trainer, error) {
	if len(recurrentLayers(c.Net)) > 0 {
		return newPEPITAThroughTime(c)
	}
	ss, err := hiddenStagesOf("pepita", c.Net)
	if err != nil {
		return nil, err
	}
	keep := c.Params.Float("keep_prob")
	if !(keep > 0 && keep <= 1) {
		return nil, fmt.Errorf("pepita.keep_prob: %v is outside (0, 1]", keep)
	}
	nIn, nOut := size(c.Net.InShape), ss[len(ss)-1].width
	t := &pepitaTrainer{c: c, ss: ss, keep: float32(keep), bias: c.Params.Bool("bias"),
		F:       drawF(c, nOut, nIn),
		dropout: c.Rand("pepita.dropout")}
	if !t.bias {
		for _, s := range ss {
			s.w.Params()[1].Value.Zero()
		}
	}
	return t, nil
}

type pepitaTrainer struct {
	c       Config
	ss      []*stage
	F       *nn.Tensor // n_out×n_in in batch layout, fixed
	keep    float32
	bias    bool
	dropout *rand.Rand

	masks        []*nn.Tensor
	pass1, pass2 []*nn.Tensor // h_l (hidden) and a_L (last) of each pass
	e, xp, delta *nn.Tensor
	hdiff        []*nn.Tensor
}

// forward runs the net on x with the step's dropout masks into hs. A Dense
// stage computes into hs directly; any other runs its own layers in pass 1
// and its twins in pass 2, which keep what the update goes back through.
func (t *pepitaTrainer) forward(x *nn.Tensor, hs []*nn.Tensor, pass2 bool) {
	in := x
	last := len(t.ss) - 1
	for l, s := range t.ss {
		if d, act, ok := s.denseAct(); ok || l == last {
			d = s.w.(*nn.Dense)
			hs[l] = reshape(hs[l], x.Rows(), d.Out)
			d.Affine(t.c.Engine, hs[l], in)
			if act != nil {
				act.F.Apply(hs[l].Data, hs[l].Data)
			}
		} else {
			var out *nn.Tensor
			if pass2 {
				out = s.apply(t.c.Engine, in)
			} else {
				out = s.forward(t.c.Engine, in)
			}
			hs[l] = reshape(hs[l], x.Rows(), s.width)
			copy(hs[l].Data, out.Data)
		}
		if l < last {
			for i, m := range t.masks[l].Data {
				hs[l].Data[i] *= m
			}
		}
		in = hs[l]
	}
}

func (t *pepitaTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	eng := t.c.Engine
	L := len(t.ss)
	n := x.Rows()
	if t.masks == nil {
		t.masks = make([]*nn.Tensor, L-1)
		t.pass1, t.pass2, t.hdiff = make([]*nn.Tensor, L), make([]*nn.Tensor, L), make([]*nn.Tensor, L-1)
	}
	keep, scale := float64(t.keep), 1/t.keep
	for l := range t.masks {
		t.masks[l] = reshape(t.masks[l], n, t.ss[l].width)
		for i := range t.masks[l].Data {
			m := float32(0) // a conditional move: a tenth of the draws drop
			if t.dropout.Float64() < keep {
				m = scale
			}
			t.masks[l].Data[i] = m
		}
	}
	t.forward(x, t.pass1, false)
	loss, correct := outputError(t.pass1[L-1], y, &t.e) // e/B
	// x' = x + F e, with e per sample (undo the batch mean).
	t.xp = reshape(t.xp, n, x.Cols())
	copy(t.xp.Data, x.Data)
	eng.MatMul(t.xp, t.e, false, t.F, false, float32(n), 1)
	t.forward(t.xp, t.pass2, true)
	inv := 1 / float32(n)
	for l := 0; l < L-1; l++ {
		t.hdiff[l] = reshape(t.hdiff[l], n, t.ss[l].width)
		vecmath.Difference(t.hdiff[l].Data, t.pass1[l].Data, t.pass2[l].Data, inv)
		in := t.xp
		if l > 0 {
			in = t.pass2[l-1]
		}
		if _, _, ok := t.ss[l].denseAct(); ok {
			t.ss[l].w.Grads(eng, in, t.hdiff[l])
		} else {
			t.ss[l].twinGrads(eng, t.hdiff[l], false)
		}
	}
	outputError(t.pass2[L-1], y, &t.delta) // e'/B
	t.ss[L-1].w.Grads(eng, t.pass2[L-2], t.delta)
	if !t.bias {
		for _, s := range t.ss {
			s.w.Params()[1].Grad.Zero()
		}
	}
	for _, s := range t.ss { // normalisation keeps γ = 1, β = 0: see the doc
		for _, l := range s.post {
			for _, p := range l.Params() {
				p.Grad.Zero()
			}
		}
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *pepitaTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
