package methods

import (
	"fmt"

	"github.com/creditbench/creditbench/nn"
)

// The recurrent forms of the rules (docs: sequences.md) share this view of
// a recurrent net: an optional embedding, one recurrent layer, an optional
// PerStep and the Dense readout.

// rnnView is a recurrent net as the through-time rules read it.
type rnnView struct {
	emb     *nn.Embedding // nil for real-valued inputs
	rec     *nn.Recurrent
	perStep *nn.PerStep
	readout *nn.Dense
}

func rnnOf(rule string, net *nn.Sequential) (rnnView, error) {
	var v rnnView
	ls := net.Layers
	if e, ok := ls[0].(*nn.Embedding); ok {
		v.emb, ls = e, ls[1:]
	}
	if len(ls) < 2 {
		return v, fmt.Errorf("%s: not a recurrent net", rule)
	}
	r, ok := ls[0].(*nn.Recurrent)
	if !ok {
		return v, fmt.Errorf("%s: layer %T where one recurrent layer belongs (stacked recurrent layers are trained by bp only)", rule, ls[0])
	}
	v.rec, ls = r, ls[1:]
	if p, ok := ls[0].(*nn.PerStep); ok {
		v.perStep, ls = p, ls[1:]
	}
	d, ok := ls[0].(*nn.Dense)
	if !ok || len(ls) != 1 {
		return v, fmt.Errorf("%s: a recurrent net ends in its Dense readout", rule)
	}
	v.readout = d
	return v, nil
}

// usesOneRecurrentLayer is the Uses of the through-time rules other than
// BPTT, which train one recurrent layer and its readout.
func usesOneRecurrentLayer(rule string, m nn.ModelSpec) error {
	if len(m.Hidden) != 1 {
		return fmt.Errorf("%s: trains one recurrent layer through time, and the model stacks %d (stacked layers: bp)", rule, len(m.Hidden))
	}
	return nil
}

// recurrentLayers returns the recurrent layers of net in order.
func recurrentLayers(net *nn.Sequential) []*nn.Recurrent {
	var rs []*nn.Recurrent
	for _, l := range net.Layers {
		if r, ok := l.(*nn.Recurrent); ok {
			rs = append(rs, r)
		}
	}
	return rs
}

// readoutBack is the readout's input-gradient product per sample.
func readoutBack(net *nn.Sequential) Cost {
	d := net.Layers[len(net.Layers)-1].(*nn.Dense)
	steps := int64(1)
	for _, l := range net.Layers {
		if p, ok := l.(*nn.PerStep); ok {
			steps = int64(p.Steps)
		}
	}
	return Cost{TrainMACs: steps * d.MACs()}
}

// plus adds the costs of o.
func (c Cost) plus(o Cost) Cost {
	return Cost{TrainMACs: c.TrainMACs + o.TrainMACs, EvalMACs: c.EvalMACs + o.EvalMACs, KeptFloats: c.KeptFloats + o.KeptFloats}
}

// usesThroughTime is the Uses of FTP's and DFA's recurrent forms.
func usesThroughTime(rule string, m nn.ModelSpec) error {
	if err := usesOneRecurrentLayer(rule, m); err != nil {
		return err
	}
	if m.Embed > 0 {
		return fmt.Errorf("%s: a learned embedding would need the error of the recurrent layer's input, which %s does not form; use one-hot tokens (embed = 0) or bp", rule, rule)
	}
	if m.Truncate > 0 {
		return fmt.Errorf("%s: truncate belongs to bp (BPTT); %s sends no error back in time to truncate", rule, rule)
	}
	return nil
}

// localRecurrent is the part of a through-time rule's step that every such
// rule shares: the readout learns from its own error e, the recurrent layer
// from the errors dh of its states that the rule forms (time-major), each
// step alone (nn.Recurrent.LocalBackward).
type localRecurrent struct {
	c  Config
	v  rnnView
	e  *nn.Tensor
	dh *nn.Tensor
}

// forward runs pass 1 and sets e, the error of the outputs.
func (l *localRecurrent) forward(x *nn.Tensor, y nn.Targets) (float64, int) {
	return outputError(l.c.Net.Forward(l.c.Engine, x), y, &l.e)
}

// stepError returns e's rows of read-out step s (from 0) of every sample:
// into buf, batch×n_out.
func (l *localRecurrent) stepError(s, n int, buf **nn.Tensor) *nn.Tensor {
	steps := l.e.Rows() / n
	k := l.e.Cols()
	*buf = reshape(*buf, n, k)
	for b := 0; b < n; b++ {
		copy((*buf).Row(b), l.e.Row(b*steps+s))
	}
	return *buf
}

// stateErrors sets dst = (h − target)/n, value by value: the error of n
// samples' states against their targets, averaged over the batch as the
// loss is.
func stateErrors(dst, h, target []float32, n int) {
	inv := 1 / float32(n)
	h, target = h[:len(dst)], target[:len(dst)]
	for i := range dst {
		dst[i] = (h[i] - target[i]) * inv
	}
}

// update trains the readout on e and the recurrent layer on dh, and applies
// every gradient.
func (l *localRecurrent) update() {
	eng := l.c.Engine
	l.v.readout.Grads(eng, l.v.readout.Input(), l.e)
	l.v.rec.LocalBackward(eng, l.dh)
	l.c.Optimizer.Step(l.c.Net.Params())
}

func (l *localRecurrent) Predict(x *nn.Tensor, out []int) {
	predictArgmax(l.c.Engine, l.c.Net, x, out)
}

// ftpThroughTime is FTP's recurrent form (docs: sequences.md), our
// reconstruction, "time as depth": G projects the output error into the
// state; a second pass through time with the forward weights carries the
// target, τ_t = F(x_t, τ_{t−1}) − γ·d_t, where d_1 = G e_T (inject
// "first") or d_t = G e_t at every step with a target ("each"); each step
// learns from δ_t = h_t − τ_t through that step alone.
type ftpThroughTime struct {
	localRecurrent
	G      *nn.Tensor // n_out×Hidden, fixed
	gamma  float32
	each   bool
	es, gd *nn.Tensor
}

func newFTPThroughTime(c Config) (Trainer, error) {
	v, err := rnnOf("ftp", c.Net)
	if err != nil {
		return nil, err
	}
	if c.Params.String("layer_input") != "forward" || c.Params.String("output") != "label" || c.Params.String("sigma_g") != "identity" {
		return nil, fmt.Errorf("ftp: through time only layer_input = \"forward\", output = \"label\" and sigma_g = \"identity\" are built")
	}
	return &ftpThroughTime{localRecurrent: localRecurrent{c: c, v: v}, G: drawG(c, v.readout.Out, v.rec.Hidden),
		gamma: float32(c.Params.Float("gamma")), each: c.Params.String("inject") == "each"}, nil
}

func (t *ftpThroughTime) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	loss, correct := t.forward(x, y)
	eng, r, n := t.c.Engine, t.v.rec, x.Rows()
	H, first := r.Hidden, r.T-r.Steps
	// e holds (ŷ − y)/B; the target moves by γ·B·G e, as in the
	// feed-forward rule.
	scale := -t.gamma * float32(n)
	tau := r.SecondPass(eng, nil, func(step int, h *nn.Tensor) {
		s := step - first
		switch {
		case t.each && s >= 0:
			eng.MatMul(h, t.stepError(s, n, &t.es), false, t.G, false, scale, 1)
		case !t.each && step == 0:
			eng.MatMul(h, t.stepError(r.Steps-1, n, &t.es), false, t.G, false, scale, 1)
		}
	})
	h, _ := r.States()
	t.dh = reshape(t.dh, r.T*n, H)
	stateErrors(t.dh.Data, h.Data[n*H:], tau.Data[n*H:], n) // h_1 … h_T
	t.update()
	return loss, correct
}

// dfaThroughTime is DFA's recurrent form: each step's state receives B e_t
// at every step with a target (RFLO, Murray 2019, with α = 1); with a leak
// α < 1 it receives RFLO's eligibility-trace credit, the leaky sum
// ε_t = B e_t + (1 − α) ε_{t+1} of later steps' projected errors, times α.
// No error passes through a weight from one step to another.
type dfaThroughTime struct {
	localRecurrent
	B     *nn.Tensor // n_out×Hidden, fixed
	leak  float32
	es, p *nn.Tensor
}

func newDFAThroughTime(c Config) (Trainer, error) {
	v, err := rnnOf("dfa", c.Net)
	if err != nil {
		return nil, err
	}
	B := projection(c, v.readout.Out, v.rec.Hidden, c.Rand("dfa.B"))
	return &dfaThroughTime{localRecurrent: localRecurrent{c: c, v: v}, B: B, leak: float32(c.Params.Float("leak"))}, nil
}

func (t *dfaThroughTime) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	loss, correct := t.forward(x, y)
	eng, r, n := t.c.Engine, t.v.rec, x.Rows()
	H, first := r.Hidden, r.T-r.Steps
	t.dh = reshape(t.dh, r.T*n, H)
	t.p = reshape(t.p, n, H) // ε_{t+1}
	t.p.Zero()
	for step := r.T - 1; step >= 0; step-- {
		eps := t.dh.Block(step, n)
		for i, v := range t.p.Data {
			eps.Data[i] = (1 - t.leak) * v
		}
		if s := step - first; s >= 0 {
			eng.MatMul(eps, t.stepError(s, n, &t.es), false, t.B, false, 1, 1)
		}
		copy(t.p.Data, eps.Data)
	}
	for i := range t.dh.Data {
		t.dh.Data[i] *= t.leak
	}
	t.update()
	return loss, correct
}

// pepitaThroughTime is PEPITA's recurrent form, our extension (no published
// form; docs: sequences.md): the second pass runs through time on inputs
// modulated by the sequence's output error, x'_t = x_t + F e (e summed over
// the read-out steps), and every step's weights learn as the feed-forward
// rule's layers do, from the difference of the two passes paired with the
// modulated pass's inputs: ∇Wx = Σ_t (h_t − h'_t) x'_tᵀ,
// ∇Wh = Σ_t (h_t − h'_t) h'_{t−1}ᵀ; the readout learns from the modulated
// pass's error. Elman RNNs only: an LSTM's gates have no output of their own
// whose two passes could be compared.
type pepitaThroughTime struct {
	localRecurrent
	F    *nn.Tensor // n_out×In, fixed
	bias bool

	esum, u, shift, xp, out2, e2, read *nn.Tensor
}

func newPEPITAThroughTime(c Config) (Trainer, error) {
	v, err := rnnOf("pepita", c.Net)
	if err != nil {
		return nil, err
	}
	t := &pepitaThroughTime{localRecurrent: localRecurrent{c: c, v: v}, bias: c.Params.Bool("bias"),
		F: drawF(c, v.readout.Out, v.rec.In)}
	if !t.bias {
		v.rec.B.Value.Zero()
		v.readout.B.Value.Zero()
	}
	return t, nil
}

func (t *pepitaThroughTime) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	loss, correct := t.forward(x, y)
	eng, r, n := t.c.Engine, t.v.rec, x.Rows()
	H, T := r.Hidden, r.T
	// u = F e per sample, e summed over the read-out steps (undo the mean).
	t.esum = reshape(t.esum, n, t.e.Cols())
	t.esum.Zero()
	for s := 0; s < r.Steps; s++ {
		for i, v := range t.stepError(s, n, &t.e2).Data {
			t.esum.Data[i] += v
		}
	}
	t.u = reshape(t.u, n, r.In)
	eng.MatMul(t.u, t.esum, false, t.F, false, float32(n), 0)
	t.shift = reshape(t.shift, n, r.Wx.Value.Cols())
	eng.MatMul(t.shift, t.u, false, r.Wx.Value, false, 1, 0)
	h2 := r.SecondPass(eng, t.shift, nil)
	// x'_t = x_t + u, and h'_0 … h'_{T−1}, time-major.
	x1 := r.Inputs()
	t.xp = reshape(t.xp, T*n, r.In)
	for i := range t.xp.Data {
		t.xp.Data[i] = x1.Data[i] + t.u.Data[i%len(t.u.Data)]
	}
	h1, _ := r.States()
	t.dh = reshape(t.dh, T*n, H)
	stateErrors(t.dh.Data, h1.Data[n*H:], h2.Data[n*H:], n)
	r.GradsFrom(eng, t.xp, h2.Block(0, T*n), t.dh)
	// The readout on the modulated pass's read-out states.
	t.read = reshape(t.read, n*r.Steps, H)
	r.ReadOut(t.read, h2)
	t.out2 = reshape(t.out2, n*r.Steps, t.v.readout.Out)
	t.v.readout.Affine(eng, t.out2, t.read)
	outputError(t.out2, y, &t.e2)
	t.v.readout.Grads(eng, t.read, t.e2)
	if !t.bias {
		r.B.Grad.Zero()
		t.v.readout.B.Grad.Zero()
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}
