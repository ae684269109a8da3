package methods

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/nn"
)

// FF is Hinton's Forward-Forward algorithm (2022), supervised form. Every
// hidden layer is trained alone to give high goodness to positive data (the
// image with its true label) and low goodness to negative data (the image
// with a wrong label):
//
//	input: the one-hot label overwrites the first n_classes values, scaled to
//	       the sample's largest value (with input_norm "rms", as loeweX's
//	       code, the whole input is then divided by its root mean square)
//	g = Σ_j h_j² (goodness "sum", θ = layer width) or mean_j h_j² ("mean", θ = 2)
//	layer loss: softplus(−(g_pos − θ)) + softplus(g_neg − θ), batch mean
//	between layers: h / rms(h), the direction only, at RMS 1 (with θ = width
//	       this is the scale loeweX's implementation uses)
//
// No gradient crosses layers: each layer's input is a constant to it.
// Negatives carry a random wrong label ("random", from the stream
// "ff.negatives") or the wrong label the net currently finds best ("hard").
// Prediction "goodness" tries every label and takes the largest goodness
// summed over every hidden layer but the first (the only one when there is
// one): it costs one pass per class. Prediction "softmax" reads the
// normalised last hidden activity, fed a neutral label (1/n_classes of the
// scale in every label position), through the model's output layer, trained
// by cross-entropy on that activity alone. Prediction "readout" is loeweX's:
// a linear classifier without bias, initially zero, on the normalised
// activities of every hidden layer but the first (the only one when there is
// one), concatenated, fed the neutral label, trained by cross-entropy with an
// optimizer of its own (SGD, momentum 0.9, readout_lr, readout_wd); the
// model's output layer is then unused. With peer_norm > 0, loeweX's
// peer-normalisation term λ·mean_j (m̄ − m_j)² pushes each unit's running
// mean activity m_j (decay 0.9, positive data, starting at 0.5) towards the
// layer's mean m̄; as in loeweX its gradient reaches every unit, active or
// not (their ReLU passes the whole gradient), which revives dead units.
//
// On locally connected layers (model.local, Hinton's CIFAR-10 nets) the
// label values are inputs that every unit of the first layer sees, whatever
// its receptive field, so that a label can act at every position; the other
// connections stay local.
//
// With goodness prediction the training pass does not classify, and the
// record's train_acc is null.
type FF struct{}

var (
	_ Method      = FF{}
	_ Recommender = FF{}
)

func init() { Register(FF{}) }

func (FF) Name() string { return "ff" }
func (FF) Doc() string {
	return "Forward-Forward: each layer separates positive from negative data by its goodness, no gradient crosses layers"
}

// Recommended is loeweX's: SGD with momentum at a small rate, with weight decay; at the rates BP uses, FF stays near chance.
func (FF) Recommended() nn.OptimizerSpec {
	return nn.OptimizerSpec{Name: "sgd", LR: 0.001, Momentum: 0.9, WeightDecay: 3e-4}
}

func (FF) Params() []Param {
	return []Param{
		{Name: "goodness", Default: "sum", Choices: []string{"sum", "mean"}, Help: "g = Σ h² or mean h²"},
		{Name: "theta", Default: 0.0, Range: NonNegative, Help: "θ of the layer loss; 0 = the layer width for sum, 2 for mean"},
		{Name: "negatives", Default: "random", Choices: []string{"random", "hard"}, Help: "wrong label of the negative data"},
		{Name: "predict", Default: "goodness", Choices: []string{"goodness", "softmax", "readout"},
			Help: "prediction by summed goodness per label, by the output layer on the last layer, or by a readout of layers 2..L−1"},
		{Name: "peer_norm", Default: 0.0, Range: NonNegative, Help: "λ of peer normalisation (0: off)"},
		{Name: "readout_lr", Default: 0.01, Range: Positive, Help: "learning rate of the readout (predict = readout)"},
		{Name: "readout_wd", Default: 0.003, Range: NonNegative, Help: "weight decay of the readout (predict = readout)"},
		{Name: "input_norm", Default: "none", Choices: []string{"none", "rms"}, OmitDefault: true,
			Help: "rms: the input, label included, divided by its root mean square before the first layer, as loeweX's code does"},
	}
}

// Uses accepts ReLU MLPs with at least one hidden layer (goodness is a sum
// of squares of non-negative activities) whose input has room for the
// one-hot label.
func (FF) Uses(t Task) error {
	if t.Model.Recurrent() {
		return fmt.Errorf("ff: its goodness is per layer and per sample, and no sequence form is built (Hinton's recurrent FF reads static images); ff trains MLPs")
	}
	m := t.Model
	if m.Kind == "cnn" {
		return fmt.Errorf("ff: no convolutional form: with shared filters, the label as input planes or as patterns over the image, goodness prediction stayed near chance on the paper's CNN; ff trains MLPs, locally connected ones too (model.local, as Hinton's CIFAR-10 nets)")
	}
	if err := usesHiddenMLP("ff", m); err != nil {
		return err
	}
	if err := usesClasses("ff", t); err != nil {
		return err
	}
	if m.Resolved().Activation != "relu" {
		return fmt.Errorf("ff: activation %q is not supported (accepted: relu)", m.Activation)
	}
	if in := size(t.InShape); t.Classes > in {
		return fmt.Errorf("ff: the one-hot label of %d classes does not fit in the %d input values it overwrites", t.Classes, in)
	}
	return nil
}

// Cost: positive and negative passes through the hidden layers and one
// weight-gradient product per layer for each, plus one pass per class for
// hard negatives and, with the softmax readout, the neutral pass and the
// readout's forward and gradient. Goodness prediction is one pass per class.
// FF keeps the input and the label between the phases of a step.
func (FF) Cost(net *nn.Sequential, p Values) Cost {
	ds := net.Denses()
	L := len(ds)
	classes := int64(ds[L-1].Out)
	var hidden int64
	for _, d := range ds[:L-1] {
		hidden += d.MACs()
	}
	c := Cost{TrainMACs: 4 * hidden, EvalMACs: classes * hidden, KeptFloats: int64(ds[0].In) + classes}
	if p.String("negatives") == "hard" {
		c.TrainMACs += classes * hidden
	}
	switch p.String("predict") {
	case "softmax":
		c.TrainMACs += hidden + 2*ds[L-1].MACs()
		c.EvalMACs = hidden + ds[L-1].MACs()
	case "readout":
		read := classes * int64(readoutWidth(ds[:L-1]))
		c.TrainMACs += hidden + 2*read
		c.EvalMACs = hidden + read
	}
	return c
}

// readoutWidth is the width of the readout's input: every hidden layer but
// the first, or the first when it is the only one.
func readoutWidth(hidden []*nn.Dense) int {
	w := 0
	for _, d := range hidden[min(1, len(hidden)-1):] {
		w += d.Out
	}
	return w
}

func (FF) New(c Config) (Trainer, error) {
	m, err := hiddenMLPOf("ff", c.Net)
	if err != nil {
		return nil, err
	}
	p := c.Params
	t := &ffTrainer{c: c, m: m, mean: p.String("goodness") == "mean", theta: p.Float("theta"),
		hard: p.String("negatives") == "hard", predict: p.String("predict"),
		peer: float32(p.Float("peer_norm")), neg: c.Rand("ff.negatives"), classes: m.dense[len(m.dense)-1].Out,
		inputNorm: p.String("input_norm") == "rms"}
	if first := m.dense[0]; first.Mask != nil { // the label reaches every unit
		for k := 0; k < t.classes; k++ {
			row := first.Mask.Row(k)
			for j := range row {
				row[j] = 1
			}
		}
	}
	for l := range m.act {
		ly := &ffLayer{}
		if t.peer > 0 { // state that checkpoints keep, never trained
			ly.running = &nn.Param{Name: fmt.Sprintf("running%d", l+1), Value: nn.NewTensor(m.dense[l].Out), Grad: nn.NewTensor(m.dense[l].Out)}
			for j := range ly.running.Value.Data {
				ly.running.Value.Data[j] = 0.5
			}
			t.state = append(t.state, ly.running)
		}
		t.layers = append(t.layers, ly)
	}
	if t.predict == "readout" {
		w := readoutWidth(m.dense[:len(m.act)])
		t.readoutW = &nn.Param{Name: "readout", Value: nn.NewTensor(w, t.classes), Grad: nn.NewTensor(w, t.classes)}
		spec := nn.OptimizerSpec{Name: "sgd", LR: p.Float("readout_lr"), Momentum: 0.9, WeightDecay: p.Float("readout_wd")}
		if err := spec.Validate(); err != nil {
			return nil, fmt.Errorf("ff: readout: %v", err)
		}
		t.readoutOpt = spec.New()
		if c.NewOptimizer != nil {
			if t.readoutOpt, err = c.NewOptimizer(spec); err != nil {
				return nil, fmt.Errorf("ff: readout: %v", err)
			}
		}
	}
	return t, nil
}

// AuxParams returns the readout's weights and the running means of peer
// normalisation.
func (t *ffTrainer) AuxParams() []*nn.Param {
	if t.readoutW != nil {
		return append([]*nn.Param{t.readoutW}, t.state...)
	}
	return t.state
}

type ffTrainer struct {
	c         Config
	m         mlp
	mean      bool
	theta     float64
	hard      bool
	predict   string
	peer      float32
	neg       interface{ IntN(int) int }
	classes   int
	inputNorm bool

	layers         []*ffLayer
	state          []*nn.Param // running means of peer normalisation
	readoutW       *nn.Param   // readout_width×classes, predict = "readout"
	readoutOpt     nn.Optimizer
	concat         *nn.Tensor
	pos, negx      *nn.Tensor
	negLabels      []int
	neutral, probe *nn.Tensor
	e, logits      *nn.Tensor
	in, delta      *nn.Tensor // positive rows above negative rows
	scores         []float64
}

// ffLayer holds one hidden layer's buffers for the positive and negative
// passes, and its running mean activities for peer normalisation.
type ffLayer struct {
	hPos, hNeg, nPos, nNeg, dPos, dNeg *nn.Tensor
	hAux, nAux                         *nn.Tensor // label probes and the neutral pass
	running                            *nn.Param  // peer normalisation's m_j
}

func (t *ffTrainer) aux() (h, norm func(l int) **nn.Tensor) {
	return func(l int) **nn.Tensor { return &t.layers[l].hAux }, func(l int) **nn.Tensor { return &t.layers[l].nAux }
}

// embed writes x with label c in its first values (the sample's largest
// value at c, zero elsewhere; c < 0 writes the neutral label), divided by
// its root mean square with input_norm "rms".
func (t *ffTrainer) embed(dst, x *nn.Tensor, label func(i int) int) {
	copy(dst.Data, x.Data)
	for i := 0; i < x.Rows(); i++ {
		row := dst.Row(i)
		top := row[0]
		for _, v := range x.Row(i) {
			top = max(top, v)
		}
		c := label(i)
		for k := 0; k < t.classes; k++ {
			switch {
			case c < 0:
				row[k] = top / float32(t.classes)
			case k == c:
				row[k] = top
			default:
				row[k] = 0
			}
		}
	}
	if t.inputNorm {
		normalise(dst, dst)
	}
}

// layerTheta is θ of a layer of the given width.
func (t *ffTrainer) layerTheta(width int) float64 {
	switch {
	case t.theta != 0:
		return t.theta
	case t.mean:
		return 2
	}
	return float64(width)
}

// goodness returns g of row i of h.
func (t *ffTrainer) goodness(h *nn.Tensor, i int) float64 {
	var g float64
	for _, v := range h.Row(i) {
		g += float64(v) * float64(v)
	}
	if t.mean {
		g /= float64(h.Cols())
	}
	return g
}

// forward runs the hidden layers on in, writing each layer's activity to
// h(l) and its normalised activity to norm(l).
func (t *ffTrainer) forward(in *nn.Tensor, h, norm func(l int) **nn.Tensor) {
	for l, d := range t.m.dense[:len(t.layers)] {
		hl, nl := h(l), norm(l)
		*hl = reshape(*hl, in.Rows(), d.Out)
		d.Affine(t.c.Engine, *hl, in)
		nn.ReLU{}.Apply((*hl).Data, (*hl).Data)
		*nl = reshape(*nl, in.Rows(), d.Out)
		normalise(*nl, *hl)
		in = *nl
	}
}

// normalise sets dst to each row of src divided by its root mean square.
func normalise(dst, src *nn.Tensor) {
	for i := 0; i < src.Rows(); i++ {
		row := src.Row(i)
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		inv := float32(1 / (math.Sqrt(s/float64(len(row))) + 1e-8))
		out := dst.Row(i)
		for j, v := range row {
			out[j] = v * inv
		}
	}
}

func (t *ffTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	labels := y.Labels
	n := x.Rows()
	t.pos, t.negx = reshape(t.pos, n, x.Cols()), reshape(t.negx, n, x.Cols())
	t.embed(t.pos, x, func(i int) int { return labels[i] })
	t.negLabels = t.wrongLabels(x, labels)
	t.embed(t.negx, x, func(i int) int { return t.negLabels[i] })
	pos := func(l int) **nn.Tensor { return &t.layers[l].hPos }
	posN := func(l int) **nn.Tensor { return &t.layers[l].nPos }
	neg := func(l int) **nn.Tensor { return &t.layers[l].hNeg }
	negN := func(l int) **nn.Tensor { return &t.layers[l].nNeg }
	t.forward(t.pos, pos, posN)
	t.forward(t.negx, neg, negN)
	var loss float64
	inPos, inNeg := t.pos, t.negx
	for l, ly := range t.layers {
		loss += t.layerGrads(ly, n)
		// One weight gradient over the positive and negative rows together.
		t.in, t.delta = stack(t.in, inPos, inNeg), stack(t.delta, ly.dPos, ly.dNeg)
		t.m.dense[l].Grads(t.c.Engine, t.in, t.delta)
		inPos, inNeg = ly.nPos, ly.nNeg
	}
	correct := -1
	if out := t.m.dense[len(t.m.dense)-1]; t.predict == "softmax" {
		correct = t.trainReadout(x, labels)
	} else {
		out.W.Grad.Zero()
		out.B.Grad.Zero()
	}
	if t.predict == "readout" { // on the weights this step's losses saw
		correct = t.trainConcatReadout(x, labels)
	}
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

// layerGrads sets the layer's error for both passes (batch means) and
// returns the mean layer loss.
func (t *ffTrainer) layerGrads(ly *ffLayer, n int) float64 {
	width := ly.hPos.Cols()
	theta := t.layerTheta(width)
	ly.dPos, ly.dNeg = reshape(ly.dPos, n, width), reshape(ly.dNeg, n, width)
	scale := 2.0
	if t.mean {
		scale /= float64(width)
	}
	var loss float64
	for i := 0; i < n; i++ {
		gp, gn := t.goodness(ly.hPos, i), t.goodness(ly.hNeg, i)
		loss += softplus(-(gp - theta)) + softplus(gn-theta)
		// dL/dg: −σ(θ − g_pos) for the positive, σ(g_neg − θ) for the negative.
		cp := float32(-sigmoid(theta-gp) * scale / float64(n))
		cn := float32(sigmoid(gn-theta) * scale / float64(n))
		for j, h := range ly.hPos.Row(i) {
			ly.dPos.Row(i)[j] = cp * h // zero where the ReLU is off, as h is
		}
		for j, h := range ly.hNeg.Row(i) {
			ly.dNeg.Row(i)[j] = cn * h
		}
	}
	if t.peer > 0 {
		t.peerNorm(ly, n)
	}
	return loss / float64(n)
}

// peerNorm adds the gradient of λ·mean_j (m̄ − m_j)² to the positive error
// of every unit, through the current batch's share (0.1) of the running
// means m: ∂/∂a_ij = λ·2(m_j − m̄)/width · 0.1/n.
func (t *ffTrainer) peerNorm(ly *ffLayer, n int) {
	width := ly.hPos.Cols()
	running := ly.running.Value.Data
	var mbar float32
	for j := range running {
		var s float32
		for i := 0; i < n; i++ {
			s += ly.hPos.Row(i)[j]
		}
		running[j] = 0.9*running[j] + 0.1*s/float32(n)
		mbar += running[j] / float32(width)
	}
	scale := t.peer * 2 / float32(width) * 0.1 / float32(n)
	for i := 0; i < n; i++ {
		d := ly.dPos.Row(i)
		for j := range d {
			d[j] += scale * (running[j] - mbar)
		}
	}
}

// wrongLabels draws each sample's negative label.
func (t *ffTrainer) wrongLabels(x *nn.Tensor, labels []int) []int {
	out := make([]int, len(labels))
	if !t.hard {
		for i, y := range labels {
			c := t.neg.IntN(t.classes - 1)
			if c >= y {
				c++
			}
			out[i] = c
		}
		return out
	}
	scores := t.labelScores(x)
	for i, y := range labels {
		best := -1
		for c := 0; c < t.classes; c++ {
			if c != y && (best < 0 || scores[i*t.classes+c] > scores[i*t.classes+best]) {
				best = c
			}
		}
		out[i] = best
	}
	return out
}

// labelScores returns, for every row and label, the goodness summed over
// every hidden layer but the first (row-major, rows×classes).
func (t *ffTrainer) labelScores(x *nn.Tensor) []float64 {
	n := x.Rows()
	if cap(t.scores) < n*t.classes {
		t.scores = make([]float64, n*t.classes)
	}
	scores := t.scores[:n*t.classes]
	t.probe = reshape(t.probe, n, x.Cols())
	for c := 0; c < t.classes; c++ {
		t.embed(t.probe, x, func(int) int { return c })
		h, norm := t.aux()
		t.forward(t.probe, h, norm)
		first := min(1, len(t.layers)-1)
		for i := 0; i < n; i++ {
			var g float64
			for l := first; l < len(t.layers); l++ {
				g += t.goodness(t.layers[l].hAux, i)
			}
			scores[i*t.classes+c] = g
		}
	}
	return scores
}

// trainReadout sets the output layer's gradient: cross-entropy of the
// readout of the neutral-label pass, on its normalised last activity alone.
// It returns the number of rows the readout classifies correctly.
func (t *ffTrainer) trainReadout(x *nn.Tensor, labels []int) int {
	logits := t.readout(x)
	_, correct := outputError(logits, nn.Classes(labels), &t.e)
	out := t.m.dense[len(t.m.dense)-1]
	out.Grads(t.c.Engine, t.layers[len(t.layers)-1].nAux, t.e)
	return correct
}

// readout runs the neutral-label pass and the output layer; the last layer's
// normalised activity is left in its nAux buffer.
func (t *ffTrainer) readout(x *nn.Tensor) *nn.Tensor {
	n := x.Rows()
	t.neutral = reshape(t.neutral, n, x.Cols())
	t.embed(t.neutral, x, func(int) int { return -1 })
	h, norm := t.aux()
	t.forward(t.neutral, h, norm)
	out := t.m.dense[len(t.m.dense)-1]
	t.logits = reshape(t.logits, n, out.Out)
	out.Affine(t.c.Engine, t.logits, t.layers[len(t.layers)-1].nAux)
	return t.logits
}

// concatReadout runs the neutral-label pass and returns the readout's
// logits; its input, the concatenated normalised activities, stays in
// t.concat.
func (t *ffTrainer) concatReadout(x *nn.Tensor) *nn.Tensor {
	n := x.Rows()
	t.neutral = reshape(t.neutral, n, x.Cols())
	t.embed(t.neutral, x, func(int) int { return -1 })
	h, norm := t.aux()
	t.forward(t.neutral, h, norm)
	t.concat = reshape(t.concat, n, t.readoutW.Value.Rows())
	for i := 0; i < n; i++ {
		row := t.concat.Row(i)[:0]
		for _, ly := range t.layers[min(1, len(t.layers)-1):] {
			row = append(row, ly.nAux.Row(i)...)
		}
	}
	t.logits = reshape(t.logits, n, t.classes)
	t.c.Engine.MatMul(t.logits, t.concat, false, t.readoutW.Value, false, 1, 0)
	return t.logits
}

// trainConcatReadout steps the readout by the cross-entropy of its logits
// on the neutral pass and returns the rows it classified correctly.
func (t *ffTrainer) trainConcatReadout(x *nn.Tensor, labels []int) int {
	_, correct := outputError(t.concatReadout(x), nn.Classes(labels), &t.e)
	t.c.Engine.MatMul(t.readoutW.Grad, t.concat, true, t.e, false, 1, 0)
	t.readoutOpt.Step([]*nn.Param{t.readoutW})
	return correct
}

func (t *ffTrainer) Predict(x *nn.Tensor, out []int) {
	if t.predict != "goodness" {
		logits := t.concatReadout
		if t.predict == "softmax" {
			logits = t.readout
		}
		y := logits(x)
		for i := range out {
			out[i] = nn.Argmax(y.Row(i))
		}
		return
	}
	scores := t.labelScores(x)
	for i := range out {
		best := 0
		for c := 1; c < t.classes; c++ {
			if scores[i*t.classes+c] > scores[i*t.classes+best] {
				best = c
			}
		}
		out[i] = best
	}
}

func softplus(z float64) float64 {
	if z > 30 {
		return z
	}
	return math.Log1p(math.Exp(z))
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// stack returns a and b one above the other (rows of a, then rows of b),
// in buf when it has the shape.
func stack(buf, a, b *nn.Tensor) *nn.Tensor {
	buf = reshape(buf, a.Rows()+b.Rows(), a.Cols())
	copy(buf.Data, a.Data)
	copy(buf.Data[len(a.Data):], b.Data)
	return buf
}
