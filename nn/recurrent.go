package nn

import (
	"fmt"

	"github.com/creditbench/creditbench/internal/vecmath"
)

// Recurrent is an Elman RNN or an LSTM unrolled over T steps, trained by
// backpropagation through time.
//
// A sample is T steps of In features, stored as one row (step after step),
// and gives the hidden states of its last Steps steps as one row of
// Steps·Hidden values: Steps = 1 reads out the last state, Steps = T every
// state. h_0 (and c_0) are zero.
//
//   - "rnn": h_t = φ(x_t·Wx + h_{t−1}·Wh + b).
//   - "lstm": [i f g o] = [σ σ tanh σ](x_t·Wx + h_{t−1}·Wh + b) (four blocks
//     of Hidden columns), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t).
//
// The input product of every step is computed at once, time-major; only the
// recurrent product h_{t−1}·Wh runs step by step. Every product passes the
// engine's hooks, as Dense does.
type Recurrent struct {
	Cell          string // "rnn" or "lstm"
	In, Hidden, T int
	Steps         int
	Act           Activation // of "rnn"; tanh or relu
	// Truncate is K of truncated BPTT: the gradient flows back through at
	// most K steps, cut every K steps counted back from the last (0: T).
	Truncate int
	Wx, Wh   *Param
	B        *Param

	x    *Tensor // time-major input, (T·batch)×In
	xw   *Tensor // time-major input products x_t·Wx + b, (T·batch)×G·Hidden
	pre  *Tensor // time-major gates after their nonlinearity, (T·batch)×G·Hidden
	h    *Tensor // ((T+1)·batch)×Hidden; block 0 is h_0
	c    *Tensor // lstm: ((T+1)·batch)×Hidden cell states
	tc   *Tensor // lstm: tanh(c_t), (T·batch)×Hidden
	y    *Tensor
	dpre *Tensor // (T·batch)×G·Hidden: the error of every gate pre-activation
	dx   *Tensor
	dxt  *Tensor
	dh   *Tensor // batch×Hidden carries
	dc   *Tensor
	tmp  *Tensor // batch×G·Hidden: a hooked recurrent product

	hin, herr, hrec, hstep, hprev *Tensor // copies for the engine's hooks

	pass2, h2, c2, tc2 *Tensor // SecondPass's gates and states

	step [6]Tensor // run's views of one step: gates, h_{t−1}, h_t, c_{t−1}, c_t, tanh(c_t)
	back [4]Tensor // the backward passes' views: the gates' errors, gates, c_{t−1}, tanh(c_t)
}

// Cells lists the accepted cells.
var Cells = []string{"rnn", "lstm"}

// NewRecurrent returns a layer with zero weights; Initialize draws them.
func NewRecurrent(cell string, in, hidden, T, steps int, act Activation) (*Recurrent, error) {
	g := 1
	switch cell {
	case "rnn":
		if act == nil {
			act = Tanh{}
		}
	case "lstm":
		g, act = 4, nil
	default:
		return nil, fmt.Errorf("nn: unknown recurrent cell %q (accepted: rnn, lstm)", cell)
	}
	if in <= 0 || hidden <= 0 || T <= 0 || steps <= 0 || steps > T {
		return nil, fmt.Errorf("nn: a recurrent layer needs positive sizes and 1 ≤ steps ≤ T (in %d, hidden %d, T %d, steps %d)", in, hidden, T, steps)
	}
	return &Recurrent{Cell: cell, In: in, Hidden: hidden, T: T, Steps: steps, Act: act,
		Wx: newParam("Wx", in, g*hidden), Wh: newParam("Wh", hidden, g*hidden), B: newParam("b", g*hidden)}, nil
}

func (r *Recurrent) gates() int { return r.Wh.Value.Cols() / r.Hidden }

// Forward runs the T steps and returns the hidden states of the last Steps.
func (r *Recurrent) Forward(e *Engine, x *Tensor) *Tensor {
	n, H, G := x.Rows(), r.Hidden, r.gates()
	if x.Cols() != r.T*r.In {
		panic(fmt.Sprintf("nn: dimension mismatch (batch×in %d×%d vs %d steps of %d)", n, x.Cols(), r.T, r.In))
	}
	r.x = reuse(r.x, r.T*n, r.In)
	for b := 0; b < n; b++ { // batch-major to time-major
		row := x.Row(b)
		for t := 0; t < r.T; t++ {
			copy(r.x.Data[(t*n+b)*r.In:(t*n+b+1)*r.In], row[t*r.In:(t+1)*r.In])
		}
	}
	r.xw = reuse(r.xw, r.T*n, G*H)
	for i := 0; i < r.xw.Rows(); i++ {
		copy(r.xw.Row(i), r.B.Value.Data)
	}
	e.MatMul(r.xw, e.input(r.x, &r.hin), false, r.Wx.Value, false, 1, 1)
	e.output(r.xw)
	r.pre, r.h, r.c, r.tc = r.run(e, r.xw, nil, r.pre, r.h, r.c, r.tc, n, true, nil)
	r.y = reuse(r.y, n, r.Steps*H)
	r.ReadOut(r.y, r.h)
	return r.y
}

// ReadOut copies the states of the read-out steps, the last Steps of h
// (time-major, ((T+1)·batch)×Hidden), into dst sample by sample: row b of
// dst (batch×Steps·Hidden, or the same values as (batch·Steps)×Hidden) holds
// sample b's states, first step first.
func (r *Recurrent) ReadOut(dst, h *Tensor) {
	H := r.Hidden
	n := h.Rows() / (r.T + 1)
	first := r.T - r.Steps
	for b := 0; b < n; b++ {
		for s := 0; s < r.Steps; s++ {
			from := ((first+s+1)*n + b) * H // row b of block first+s+1
			copy(dst.Data[(b*r.Steps+s)*H:(b*r.Steps+s+1)*H], h.Data[from:from+H])
		}
	}
}

// run steps the cell through time from zero states, on the input products
// xw, plus shift (batch×G·Hidden) at every step when it is set: h receives the states h_0 … h_T and, when keep is set, gates every
// step's gates (and, for an LSTM, c the cell states c_0 … c_T and tc their
// tanh), what Backward reads; otherwise they hold the step at hand alone (c
// the last two), small enough to stay in cache. After each step, adjust,
// when set, may change the step's state in place: what the next step
// reads. It returns the buffers, grown as needed.
func (r *Recurrent) run(e *Engine, xw, shift, gates, h, c, tc *Tensor, n int, keep bool, adjust func(t int, h *Tensor)) (*Tensor, *Tensor, *Tensor, *Tensor) {
	H := r.Hidden
	// The blocks of step t: in gates and tc (at), and c_t's in c (cell).
	steps, at, cell := r.T, func(t int) int { return t }, func(t int) int { return t }
	if !keep {
		steps, at, cell = 1, func(int) int { return 0 }, func(t int) int { return t % 2 }
	}
	gates = reuse(gates, steps*n, r.gates()*H)
	h = reuse(h, (r.T+1)*n, H)
	clear(h.Data[:n*H])
	lstm := r.gates() == 4
	if lstm {
		c = reuse(c, (steps+1)*n, H)
		clear(c.Data[:n*H])
		tc = reuse(tc, steps*n, H)
	}
	a, hPrev, hNext, cPrev, cNext, tcT := &r.step[0], &r.step[1], &r.step[2], &r.step[3], &r.step[4], &r.step[5]
	for t := 0; t < r.T; t++ {
		// Each step's input products are copied as the step starts, so
		// that they are in cache for its product and nonlinearities.
		a.blockOf(gates, at(t), n)
		in := xw.Data[t*n*xw.Cols() : (t+1)*n*xw.Cols()]
		if shift == nil {
			copy(a.Data, in)
		} else {
			for i, v := range in {
				a.Data[i] = v + shift.Data[i]
			}
		}
		r.recurrentProduct(e, a, hPrev.blockOf(h, t, n))
		hNext.blockOf(h, t+1, n)
		if lstm {
			r.lstmStep(e, a, cPrev.blockOf(c, cell(t), n), cNext.blockOf(c, cell(t+1), n), tcT.blockOf(tc, at(t), n), hNext)
		} else {
			r.activate(hNext.Data, a.Data)
		}
		if adjust != nil {
			adjust(t, hNext)
		}
	}
	return gates, h, c, tc
}

// SecondPass runs the cell through time again, with the same weights and
// inputs as the last Forward (whose input products it reuses) but its own
// states, and returns them (((T+1)·batch)×Hidden, time-major): after each
// step t (from 0), adjust, when set, may change that step's state in place,
// and the next step starts from the changed state. shift, when set
// (batch×G·Hidden), is added to every step's input products: the pass then
// reads x_t + u at every step, shift being u·Wx. What the last Forward keeps
// for Backward is left as it was.
func (r *Recurrent) SecondPass(e *Engine, shift *Tensor, adjust func(t int, h *Tensor)) *Tensor {
	n := r.x.Rows() / r.T
	// Only the states are read after this pass: its gates and cell states
	// are kept a step at a time.
	r.pass2, r.h2, r.c2, r.tc2 = r.run(e, r.xw, shift, r.pass2, r.h2, r.c2, r.tc2, n, false, adjust)
	return r.h2
}

// LocalBackward sets the weight gradients from dh, an error of every
// step's state (time-major, (T·batch)×Hidden), taken through that step
// alone: h_{t−1} (and c_{t−1}) are held, so no error travels from one step
// to another. The rules that train a recurrent net without backpropagation
// through time form dh their own way.
func (r *Recurrent) LocalBackward(e *Engine, dh *Tensor) {
	n, H := dh.Rows()/r.T, r.Hidden
	r.dpre = reuse(r.dpre, r.T*n, r.gates()*H)
	r.dh = reuse(r.dh, n, H)
	if r.gates() == 4 {
		r.dc = reuse(r.dc, n, H)
	}
	for t := 0; t < r.T; t++ {
		d := r.back[0].blockOf(r.dpre, t, n)
		step := dh.Data[t*n*H : (t+1)*n*H]
		if r.gates() == 1 {
			r.Act.Deriv(d.Data, r.h.Data[(t+1)*n*H:(t+2)*n*H])
			for i, v := range step {
				d.Data[i] *= v
			}
			continue
		}
		copy(r.dh.Data, step)
		r.dc.Zero()
		r.lstmBack(e, d, t, n)
	}
	r.Grads(e, nil, r.dpre)
}

// activate sets dst = φ(src) for an RNN, with the fast tanh.
func (r *Recurrent) activate(dst, src []float32) {
	if _, ok := r.Act.(Tanh); ok {
		copy(dst, src)
		vecmath.Tanh(dst)
		return
	}
	r.Act.Apply(dst, src)
}

// recurrentProduct adds h·Wh to a. Under an Output hook the product is
// formed apart, so that the hook sees it alone, as it sees every product.
func (r *Recurrent) recurrentProduct(e *Engine, a, h *Tensor) {
	hin := e.input(h, &r.hrec)
	if e.Hooks == nil || e.Hooks.Output == nil {
		e.MatMul(a, hin, false, r.Wh.Value, false, 1, 1)
		return
	}
	r.tmp = reuse(r.tmp, a.Rows(), a.Cols())
	e.MatMul(r.tmp, hin, false, r.Wh.Value, false, 1, 0)
	e.output(r.tmp)
	for i, v := range r.tmp.Data {
		a.Data[i] += v
	}
}

// lstmWork is about the element operations of one sample's LSTM cell per
// hidden unit, forward or back: how finely a step is cut for the cores.
const lstmWork = 40

// lstmStep applies the gates' nonlinearities to a in place and computes
// the cell and hidden states of one step, a piece of the batch on each
// core.
func (r *Recurrent) lstmStep(e *Engine, a, cPrev, c, tc, h *Tensor) {
	H := r.Hidden
	e.Rows(a.Rows(), lstmWork*H, func(lo, hi int) { r.lstmRows(a, cPrev, c, tc, h, lo, hi) })
}

// lstmRows is lstmStep for the samples lo to hi.
func (r *Recurrent) lstmRows(a, cPrev, c, tc, h *Tensor, lo, hi int) {
	H := r.Hidden
	for b := lo; b < hi; b++ {
		g := a.Row(b)
		vecmath.Sigmoid(g[:2*H])
		vecmath.Tanh(g[2*H : 3*H])
		vecmath.Sigmoid(g[3*H:])
		cp, cr, tr, hr := cPrev.Row(b), c.Row(b), tc.Row(b), h.Row(b)
		for j := 0; j < H; j++ {
			cr[j] = g[H+j]*cp[j] + g[j]*g[2*H+j]
		}
		copy(tr, cr)
		vecmath.Tanh(tr)
		for j := 0; j < H; j++ {
			hr[j] = g[3*H+j] * tr[j]
		}
	}
}

// Backward runs backpropagation through time: from the errors of the read
// out states, step by step back to the first (or to the truncation), and
// then the weight gradients of all steps in one product each.
func (r *Recurrent) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	n, H, G := dy.Rows(), r.Hidden, r.gates()
	r.dpre = reuse(r.dpre, r.T*n, G*H)
	r.dh = reuse(r.dh, n, H)
	r.dh.Zero()
	if G == 4 {
		r.dc = reuse(r.dc, n, H)
		r.dc.Zero()
	}
	k := r.Truncate
	if k <= 0 {
		k = r.T
	}
	first := r.T - r.Steps
	for t := r.T - 1; t >= 0; t-- {
		if s := t - first; s >= 0 { // this step is read out
			for b := 0; b < n; b++ {
				src := dy.Data[(b*r.Steps+s)*H : (b*r.Steps+s+1)*H]
				dst := r.dh.Row(b)
				for j, v := range src {
					dst[j] += v
				}
			}
		}
		d := r.back[0].blockOf(r.dpre, t, n)
		if G == 1 {
			r.Act.Deriv(d.Data, r.h.Data[(t+1)*n*H:(t+2)*n*H])
			for i, v := range r.dh.Data {
				d.Data[i] *= v
			}
		} else {
			r.lstmBack(e, d, t, n)
		}
		if t == 0 || (r.T-t)%k == 0 { // h_{t−1} is held: the gradient stops here
			r.dh.Zero()
			if G == 4 {
				r.dc.Zero()
			}
			continue
		}
		e.MatMul(r.dh, e.errorOf(d, &r.hstep), false, r.Wh.Value, true, 1, 0)
		e.output(r.dh)
	}
	r.Grads(e, nil, r.dpre)
	if !needInput {
		return nil
	}
	r.dxt = reuse(r.dxt, r.T*n, r.In)
	e.MatMul(r.dxt, e.errorOf(r.dpre, &r.herr), false, r.Wx.Value, true, 1, 0)
	e.output(r.dxt)
	r.dx = reuse(r.dx, n, r.T*r.In)
	for b := 0; b < n; b++ {
		row := r.dx.Row(b)
		for t := 0; t < r.T; t++ {
			copy(row[t*r.In:(t+1)*r.In], r.dxt.Data[(t*n+b)*r.In:(t*n+b+1)*r.In])
		}
	}
	return r.dx
}

// lstmBack turns the carried dh (and dc) of step t into the gates' errors d
// and carries dc back to step t−1, a piece of the batch on each core.
func (r *Recurrent) lstmBack(e *Engine, d *Tensor, t, n int) {
	gates, cPrev, tc := r.back[1].blockOf(r.pre, t, n), r.back[2].blockOf(r.c, t, n), r.back[3].blockOf(r.tc, t, n)
	e.Rows(n, lstmWork*r.Hidden, func(lo, hi int) { r.lstmBackRows(d, gates, cPrev, tc, lo, hi) })
}

// lstmBackRows is lstmBack for the samples lo to hi, on step t's gates,
// c_{t−1} and tanh(c_t).
func (r *Recurrent) lstmBackRows(d, gates, cPrev, tc *Tensor, lo, hi int) {
	H := r.Hidden
	for b := lo; b < hi; b++ {
		g, dg, cp, tr := gates.Row(b), d.Row(b), cPrev.Row(b), tc.Row(b)
		dh, dc := r.dh.Row(b), r.dc.Row(b)
		for j := 0; j < H; j++ {
			i, f, gg, o := g[j], g[H+j], g[2*H+j], g[3*H+j]
			dcj := dc[j] + dh[j]*o*(1-tr[j]*tr[j])
			dg[j] = dcj * gg * i * (1 - i)
			dg[H+j] = dcj * cp[j] * f * (1 - f)
			dg[2*H+j] = dcj * i * (1 - gg*gg)
			dg[3*H+j] = dh[j] * tr[j] * o * (1 - o)
			dc[j] = dcj * f
		}
	}
}

// Grads sets the weight gradients from delta, the errors of every step's
// gate pre-activations, time-major ((T·batch)×G·Hidden), paired with the
// input of the last Forward and its hidden states h_0 … h_{T−1} (in is
// not used: a recurrent layer's inputs are its own).
func (r *Recurrent) Grads(e *Engine, _ *Tensor, delta *Tensor) {
	n := delta.Rows() / r.T
	r.GradsFrom(e, r.x, r.h.Block(0, r.T*n), delta)
}

// GradsFrom sets the weight gradients from delta, the errors of every
// step's gate pre-activations, paired with the inputs x ((T·batch)×In) and
// the previous states prev ((T·batch)×Hidden) of the rule's choosing, all
// time-major.
func (r *Recurrent) GradsFrom(e *Engine, x, prev, delta *Tensor) {
	delta = e.errorOf(delta, &r.herr)
	e.MatMul(r.Wx.Grad, e.input(x, &r.hin), true, delta, false, 1, 0)
	e.MatMul(r.Wh.Grad, e.input(prev, &r.hprev), true, delta, false, 1, 0)
	clear(r.B.Grad.Data)
	AddColSums(r.B.Grad.Data, delta)
}

// Inputs returns the input of the last Forward, time-major ((T·batch)×In).
func (r *Recurrent) Inputs() *Tensor { return r.x }

// States returns h_0 … h_T of the last Forward, time-major
// (((T+1)·batch)×Hidden), and the gates after their nonlinearity
// ((T·batch)×G·Hidden): what a rule that forms its own errors reads.
func (r *Recurrent) States() (h, gates *Tensor) { return r.h, r.pre }

// InputProducts returns every step's x_t·Wx + b of the last Forward,
// time-major ((T·batch)×G·Hidden).
func (r *Recurrent) InputProducts() *Tensor { return r.xw }

// GateErrors returns the errors of every step's gate pre-activations that
// the last Backward or LocalBackward formed, time-major
// ((T·batch)×G·Hidden).
func (r *Recurrent) GateErrors() *Tensor { return r.dpre }

// Params returns Wx, Wh and b.
func (r *Recurrent) Params() []*Param { return []*Param{r.Wx, r.Wh, r.B} }

// OutShape returns [Steps·Hidden].
func (r *Recurrent) OutShape([]int) []int { return []int{r.Steps * r.Hidden} }

// MACs returns T·(In + Hidden)·G·Hidden.
func (r *Recurrent) MACs() int64 {
	return int64(r.T) * int64(r.In+r.Hidden) * int64(r.gates()*r.Hidden)
}

// PerStep views each sample's row of Steps·Width values as Steps rows of
// Width, so that a Dense readout applies to every read-out step alike and a
// loss sees one row per step. It copies nothing.
type PerStep struct {
	Steps, Width int
	y, dx        Tensor
}

func (p *PerStep) Forward(_ *Engine, x *Tensor) *Tensor {
	p.y = Tensor{Shape: []int{x.Rows() * p.Steps, p.Width}, Data: x.Data}
	return &p.y
}

func (p *PerStep) Backward(_ *Engine, dy *Tensor, needInput bool) *Tensor {
	if !needInput {
		return nil
	}
	p.dx = Tensor{Shape: []int{dy.Rows() / p.Steps, p.Steps * p.Width}, Data: dy.Data}
	return &p.dx
}

func (p *PerStep) Params() []*Param     { return nil }
func (p *PerStep) OutShape([]int) []int { return []int{p.Width} }
func (p *PerStep) MACs() int64          { return 0 }

// Embedding maps each of T token ids (stored as float32 values) to a
// learned row of Dim values; Dim = 0 gives the one-hot vector of Vocab
// values, with nothing to learn.
type Embedding struct {
	Vocab, Dim, T int
	E             *Param // Vocab×Dim; nil for one-hot

	ids []int
	y   *Tensor
}

// NewEmbedding returns a table of zeros (Initialize draws it) or, with
// dim 0, a one-hot encoding.
func NewEmbedding(vocab, dim, T int) *Embedding {
	m := &Embedding{Vocab: vocab, Dim: dim, T: T}
	if dim > 0 {
		m.E = newParam("E", vocab, dim)
	}
	return m
}

func (m *Embedding) width() int {
	if m.E == nil {
		return m.Vocab
	}
	return m.Dim
}

func (m *Embedding) Forward(_ *Engine, x *Tensor) *Tensor {
	w := m.width()
	m.y = reuse(m.y, x.Rows(), m.T*w)
	m.ids = m.ids[:0]
	for i, v := range x.Data {
		id := int(v)
		if id < 0 || id >= m.Vocab || float32(id) != v {
			panic(fmt.Sprintf("nn: token %v is not an id in [0, %d)", v, m.Vocab))
		}
		m.ids = append(m.ids, id)
		dst := m.y.Data[i*w : (i+1)*w]
		if m.E == nil {
			clear(dst)
			dst[id] = 1
			continue
		}
		copy(dst, m.E.Value.Row(id))
	}
	return m.y
}

// Backward adds each step's error to its token's row; token ids have no
// gradient.
func (m *Embedding) Backward(_ *Engine, dy *Tensor, _ bool) *Tensor {
	if m.E == nil {
		return nil
	}
	m.E.Grad.Zero()
	for i, id := range m.ids {
		dst := m.E.Grad.Row(id)
		for j, v := range dy.Data[i*m.Dim : (i+1)*m.Dim] {
			dst[j] += v
		}
	}
	return nil
}

func (m *Embedding) Params() []*Param {
	if m.E == nil {
		return nil
	}
	return []*Param{m.E}
}
func (m *Embedding) OutShape([]int) []int { return []int{m.T * m.width()} }
func (m *Embedding) MACs() int64          { return 0 }
