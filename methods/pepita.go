package methods

import (
	"fmt"
	"math"

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
type PEPITA struct{}

var _ Method = PEPITA{}

func init() { Register(PEPITA{}) }

func (PEPITA) Name() string { return "pepita" }
func (PEPITA) Doc() string {
	return "PEPITA: a second forward pass on the input perturbed by the projected error"
}

func (PEPITA) Params() []Param {
	return []Param{
		{Name: "f_scale", Default: 0.05, Help: "scale of F relative to U[−√(6/n_in), √(6/n_in)], > 0"},
		{Name: "keep_prob", Default: 0.9, Help: "dropout keep probability of hidden units, in (0, 1]"},
		{Name: "bias", Default: false, Help: "train biases (the paper has none)"},
	}
}

// Uses accepts MLPs with at least one hidden layer.
func (PEPITA) Uses(m nn.ModelSpec) error {
	if m.Kind == "cnn" {
		return fmt.Errorf("pepita: its convolutional form is not implemented (its source defines it on fully connected layers); pepita trains MLPs")
	}
	return usesHiddenMLP("pepita", m)
}

// Cost: two forward passes, the projection F e, one weight-gradient product
// per layer.
func (PEPITA) Cost(net *nn.Sequential, _ Values) Cost {
	ds := net.Denses()
	proj := int64(ds[0].In) * int64(ds[len(ds)-1].Out)
	return Cost{TrainMACs: 3*net.MACs() + proj, EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
}

func (PEPITA) New(c Config) (Trainer, error) {
	m, err := mlpOf(c.Net)
	if err != nil {
		return nil, err
	}
	keep := c.Params.Float("keep_prob")
	if !(keep > 0 && keep <= 1) {
		return nil, fmt.Errorf("pepita.keep_prob: %v is outside (0, 1]", keep)
	}
	nIn, nOut := m.dense[0].In, m.dense[len(m.dense)-1].Out
	t := &pepitaTrainer{c: c, m: m, keep: float32(keep), bias: c.Params.Bool("bias"),
		F:       fixedRandom(nOut, nIn, c.Params.Float("f_scale")*math.Sqrt(6/float64(nIn)), "uniform", c.Rand("pepita.F")),
		dropout: c.Rand("pepita.dropout")}
	if !t.bias {
		for _, d := range m.dense {
			d.B.Value.Zero()
		}
	}
	return t, nil
}

type pepitaTrainer struct {
	c       Config
	m       mlp
	F       *nn.Tensor // n_out×n_in in batch layout, fixed
	keep    float32
	bias    bool
	dropout interface{ Float64() float64 }

	masks        []*nn.Tensor
	pass1, pass2 []*nn.Tensor // h_l (hidden) and a_L (last) of each pass
	e, xp, delta *nn.Tensor
	hdiff        []*nn.Tensor
}

// forward runs the net on x with the step's dropout masks into hs.
func (t *pepitaTrainer) forward(x *nn.Tensor, hs []*nn.Tensor) {
	in := x
	for l, d := range t.m.dense {
		hs[l] = reshape(hs[l], x.Rows(), d.Out)
		d.Affine(t.c.Engine, hs[l], in)
		if l < len(t.m.act) {
			t.m.act[l].F.Apply(hs[l].Data, hs[l].Data)
			for i, m := range t.masks[l].Data {
				hs[l].Data[i] *= m
			}
		}
		in = hs[l]
	}
}

func (t *pepitaTrainer) Step(x *nn.Tensor, labels []int) (float64, int) {
	eng := t.c.Engine
	L := len(t.m.dense)
	n := x.Rows()
	if t.masks == nil {
		t.masks = make([]*nn.Tensor, L-1)
		t.pass1, t.pass2, t.hdiff = make([]*nn.Tensor, L), make([]*nn.Tensor, L), make([]*nn.Tensor, L-1)
	}
	for l := range t.masks {
		t.masks[l] = reshape(t.masks[l], n, t.m.dense[l].Out)
		for i := range t.masks[l].Data {
			t.masks[l].Data[i] = 0
			if t.dropout.Float64() < float64(t.keep) {
				t.masks[l].Data[i] = 1 / t.keep
			}
		}
	}
	t.forward(x, t.pass1)
	loss, correct := outputError(t.pass1[L-1], labels, &t.e) // e/B
	// x' = x + F e, with e per sample (undo the batch mean).
	t.xp = reshape(t.xp, n, x.Cols())
	copy(t.xp.Data, x.Data)
	eng.MatMul(t.xp, t.e, false, t.F, false, float32(n), 1)
	t.forward(t.xp, t.pass2)
	inv := 1 / float32(n)
	for l := 0; l < L-1; l++ {
		t.hdiff[l] = reshape(t.hdiff[l], n, t.m.dense[l].Out)
		for i, v := range t.pass1[l].Data {
			t.hdiff[l].Data[i] = (v - t.pass2[l].Data[i]) * inv
		}
		in := t.xp
		if l > 0 {
			in = t.pass2[l-1]
		}
		t.m.dense[l].Grads(eng, in, t.hdiff[l])
	}
	outputError(t.pass2[L-1], labels, &t.delta) // e'/B
	t.m.dense[L-1].Grads(eng, t.pass2[L-2], t.delta)
	if !t.bias {
		for _, d := range t.m.dense {
			d.B.Grad.Zero()
		}
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *pepitaTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
