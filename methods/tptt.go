package methods

import (
	"fmt"

	"github.com/creditbench/creditbench/internal/vecmath"
	"github.com/creditbench/creditbench/nn"
)

// tptt is DTP's recurrent form, target propagation through time (Manchev &
// Spratling 2020; docs: sequences.md), on a tanh RNN. A learned inverse of
// each step, G(x_t, h_t) = tanh(x_t·Wx + h_t·V + c), which shares the input
// weights, carries targets back in time with the difference correction:
//
//	ĥ_T = h_T − β·∂ℓ/∂h_T                       (at every read-out step)
//	ĥ_{t−1} = h_{t−1} + G(x_t, ĥ_t) − G(x_t, h_t)
//	forward loss of step t: ½‖F(x_t, h_{t−1}) − ĥ_t‖², h_{t−1} held
//	inverse loss of step t: ½‖G(x_t, F(x_t, h̃_{t−1})) − h̃_{t−1}‖², h̃ = h + N(0, σ²)
//
// The inverse (V, c) trains first in every step, with SGD and Nesterov
// momentum 0.9 at rnn_fb_lr (the paper's code), then the targets are formed
// and the forward weights (and the readout, on its own error) train with the
// run's optimizer. V starts orthogonal, as Wh; c at zero.
type tptt struct {
	localRecurrent
	V, vc *nn.Param // the inverse's weights and bias
	fbOpt nn.Optimizer
	beta  float32
	sigma float64
	noise func(v []float32)

	gh, gt, a, tgt *nn.Tensor // per-step buffers
	ht, f          *nn.Tensor
	dg             *nn.Tensor // inverse errors, time-major
	ins            *nn.Tensor // what each inverse step read, time-major
}

func newTPTT(c Config) (Trainer, error) {
	v, err := rnnOf("dtp", c.Net)
	if err != nil {
		return nil, err
	}
	H := v.rec.Hidden
	t := &tptt{localRecurrent: localRecurrent{c: c, v: v}, beta: float32(c.Params.Float("rnn_beta")), sigma: c.Params.Float("rnn_sigma"),
		V:  &nn.Param{Name: "V", Value: nn.NewTensor(H, H), Grad: nn.NewTensor(H, H)},
		vc: &nn.Param{Name: "c", Value: nn.NewTensor(H), Grad: nn.NewTensor(H)}}
	// Orthogonal, as the forward recurrent weights: an RNN of one layer
	// whose Wh is V, drawn from the inverse's stream.
	init, err := nn.BuildIO(nn.ModelSpec{Kind: "rnn", Hidden: []int{H}}, nn.IO{In: []int{1, 1}, Out: 1, Steps: 1}, c.Rand("dtp.V"))
	if err != nil {
		return nil, err
	}
	copy(t.V.Value.Data, init.Layers[0].(*nn.Recurrent).Wh.Value.Data)
	spec := nn.OptimizerSpec{Name: "sgd", LR: c.Params.Float("rnn_fb_lr"), Momentum: 0.9, Nesterov: true}
	if c.NewOptimizer != nil {
		if t.fbOpt, err = c.NewOptimizer(spec); err != nil {
			return nil, fmt.Errorf("dtp: %v", err)
		}
	} else {
		t.fbOpt = spec.New()
	}
	r := c.Rand("dtp.noise")
	t.noise = func(v []float32) { nn.Gaussian(v, t.sigma, r) }
	return t, nil
}

// AuxParams are the inverse's weights: checkpoints keep them.
func (t *tptt) AuxParams() []*nn.Param { return []*nn.Param{t.V, t.vc} }

// inverse sets out = G(x_t, h) = tanh(xw_t − b + h·V + c), xw_t being the
// forward pass's x_t·Wx + b. Its tanh, and that of F recomputed on a noisy
// state, is the forward cell's own (vecmath's).
func (t *tptt) inverse(out, xw, h *nn.Tensor) {
	b, c := t.v.rec.B.Value.Data, t.vc.Value.Data
	for i := 0; i < out.Rows(); i++ {
		row, src := out.Row(i), xw.Row(i)
		for j := range row {
			row[j] = src[j] - b[j] + c[j]
		}
	}
	t.c.Engine.MatMul(out, h, false, t.V.Value, false, 1, 1)
	vecmath.Tanh(out.Data)
}

func (t *tptt) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	loss, correct := t.forward(x, y)
	n := x.Rows()
	t.trainInverse(n)
	t.formTargets(n)
	t.update()
	return loss, correct
}

// trainInverse takes one step of the inverse on its reconstruction loss over
// every step t ≥ 1 (0-based: G(x_t, h_{t+1}) reconstructs h_t).
func (t *tptt) trainInverse(n int) {
	eng, r := t.c.Engine, t.v.rec
	H := r.Hidden
	h, _ := r.States()
	xw := r.InputProducts()
	steps := r.T - 1
	if steps == 0 {
		return
	}
	t.dg = reshape(t.dg, steps*n, H)
	t.ins = reshape(t.ins, steps*n, H)
	t.ht = reshape(t.ht, n, H)
	t.f = reshape(t.f, n, H)
	t.gh = reshape(t.gh, n, H)
	inv := 1 / float32(n)
	for s := 1; s < r.T; s++ {
		prev := h.Block(s, n) // h_s, what the inverse of step s+1 rebuilds
		copy(t.ht.Data, prev.Data)
		in := h.Block(s+1, n)
		if t.sigma > 0 { // F(x, h̃) on the noisy state
			t.noise(t.f.Data)
			for i, v := range t.f.Data {
				t.ht.Data[i] += v
			}
			copy(t.f.Data, xw.Block(s, n).Data)
			eng.MatMul(t.f, t.ht, false, r.Wh.Value, false, 1, 1)
			vecmath.Tanh(t.f.Data)
			in = t.f
		}
		copy(t.ins.Block(s-1, n).Data, in.Data)
		t.inverse(t.gh, xw.Block(s, n), in)
		d := t.dg.Block(s-1, n)
		for i, g := range t.gh.Data {
			d.Data[i] = (g - t.ht.Data[i]) * (1 - g*g) * inv
		}
	}
	eng.MatMul(t.V.Grad, t.ins, true, t.dg, false, 1, 0)
	clear(t.vc.Grad.Data)
	nn.AddColSums(t.vc.Grad.Data, t.dg)
	t.fbOpt.Step(t.AuxParams())
}

// formTargets sets dh = (h_t − ĥ_t)/B for every step, the targets carried
// back from the read-out steps by the difference correction.
func (t *tptt) formTargets(n int) {
	eng, r := t.c.Engine, t.v.rec
	H, first := r.Hidden, r.T-r.Steps
	h, _ := r.States()
	xw := r.InputProducts()
	t.dh = reshape(t.dh, r.T*n, H)
	t.tgt = reshape(t.tgt, n, H) // ĥ of the step below, carried
	t.gt = reshape(t.gt, n, H)
	t.gh = reshape(t.gh, n, H)
	W := t.v.readout.W.Value
	for s := r.T - 1; s >= 0; s-- {
		hs := h.Block(s+1, n)
		tgt := t.dh.Block(s, n) // ĥ_s first, the error below
		if s == r.T-1 {
			copy(tgt.Data, hs.Data)
		} else { // ĥ_s = h_s + G(x_{s+1}, ĥ_{s+1}) − G(x_{s+1}, h_{s+1})
			t.inverse(t.gt, xw.Block(s+1, n), t.tgt)
			t.inverse(t.gh, xw.Block(s+1, n), h.Block(s+2, n))
			for i, v := range hs.Data {
				tgt.Data[i] = v + t.gt.Data[i] - t.gh.Data[i]
			}
		}
		if k := s - first; k >= 0 { // −β·∂ℓ/∂h_s, e per sample
			eng.MatMul(tgt, t.stepError(k, n, &t.a), false, W, true, -t.beta*float32(n), 1)
		}
		copy(t.tgt.Data, tgt.Data)
		stateErrors(tgt.Data, hs.Data, tgt.Data, n)
	}
}
