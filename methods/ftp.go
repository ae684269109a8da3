package methods

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/internal/vecmath"
	"github.com/creditbench/creditbench/nn"
)

// FTP is Forward Target Propagation (As-Saquib et al. 2025), as
// reconstructed in docs/methods.md: the backward pass is replaced by a second
// forward pass that carries a target for the first hidden layer through the
// ordinary forward weights.
//
//  1. Pass 1: h_1..h_{L−1}, ŷ = softmax(a_L), e = ŷ − y.
//  2. Layer-1 target: τ_1 = h_1 + γ·[σ_G(G y) − σ_G(G ŷ)], with G fixed random
//     (n_1×n_out); with σ_G the identity this is τ_1 = h_1 − γ·G e.
//  3. Pass 2: τ_l = φ_l(W_l τ_{l−1} + b_l), l = 2..L−1: forward weights only.
//  4. Hidden layers: δ_l = (h_l − τ_l) ⊙ φ_l'(a_l), ∇W_l = δ_l · in_{l−1}ᵀ,
//     in = h (layer_input "forward") or τ ("target"); in_0 = x.
//  5. Output layer: δ_L = ŷ − y (output "label"), or
//     softmax(a_L) − softmax(W_L τ_{L−1} + b_L) (output "target").
//
// G is drawn once from the stream "ftp.G": uniform on ±g_scale·√(6/n_out),
// or Gaussian of that variance; it is never trained. No update waits for
// another layer's: all are applied once pass 2 is done.
//
// A layer is a stage (see stage): on a CNN layer 1 is the first convolution
// with its activation and pooling, so n_1 is the whole first feature map
// (C×H×W) and τ_1 − h_1 goes back through the pooling and φ' to the filters,
// never further.
//
// Two stabilisers, off by default (and then left out of the spec):
// step_norm "sample" rescales each sample's layer-1 step to an RMS of γ per
// unit; max_step bounds the step, and every τ_l after pass 2, to within
// max_step of h_l. The bound is what widens the stable region of γ and the
// learning rate (suite ftp-stability); the normalisation narrows it.
//
// The paper's authors count 2·n_out·n_1 MACs for the projections G y and G ŷ;
// with σ_G the identity this implementation forms G e once (n_out·n_1), and
// its pass 2 stops at layer L−1 unless output is "target". Cost returns what
// is computed, which the engine's count confirms.
type FTP struct{}

var (
	_ Method      = FTP{}
	_ Recommender = FTP{}
)

func init() { Register(FTP{}) }

func (FTP) Name() string { return "ftp" }
func (FTP) Doc() string {
	return "forward target propagation: a fixed random G projects the error to layer 1; a second forward pass gives deeper targets"
}

// Recommended is SGD with momentum inside the stable region found with γ = 0.02 (lr 0.02–0.05); at lr 0.05 and larger γ FTP collapses.
func (FTP) Recommended() nn.OptimizerSpec {
	return nn.OptimizerSpec{Name: "sgd", LR: 0.02, Momentum: 0.9}
}

func (FTP) Params() []Param {
	return []Param{
		{Name: "gamma", Default: 0.02, Range: Positive, Help: "γ, the step of the layer-1 target"},
		{Name: "g_scale", Default: 1.0, Range: Positive, Help: "scale of G relative to ±√(6/n_out)"},
		{Name: "g_dist", Default: "uniform", Choices: []string{"uniform", "gaussian"}, Help: "distribution of G"},
		{Name: "sigma_g", Default: "identity", Choices: []string{"identity", "tanh", "relu", "same"},
			Help: "σ_G applied to G y and G ŷ; same = layer 1's activation"},
		{Name: "layer_input", Default: "forward", Choices: []string{"forward", "target"},
			Help: "input paired with δ_l in ∇W_l: pass-1 activations h or pass-2 targets τ"},
		{Name: "output", Default: "label", Choices: []string{"label", "target"},
			Help: "output-layer error: ŷ − y, or softmax(a_L) − softmax(W_L τ_{L−1} + b_L)"},
		{Name: "step_norm", Default: "none", Choices: []string{"none", "sample"}, OmitDefault: true,
			Help: "stabiliser: none, or scale each sample's layer-1 target step to an RMS of γ per unit"},
		{Name: "max_step", Default: 0.0, Range: NonNegative, OmitDefault: true,
			Help: "stabiliser: bound every |τ_l − h_l| by this (0: no bound)"},
		{Name: "inject", Default: "first", Choices: []string{"first", "each"},
			Help: "recurrent nets: the target moves by γ·G e_T at the first step (time as depth), or by γ·G e_t at each step with a target", Recurrent: true},
	}
}

// Uses accepts CNNs and MLPs with at least one hidden layer (G needs a
// layer 1).
//
// On a one-layer recurrent net it trains through time (ftpThroughTime).
// Caveat marks the rule's recurrent form.
func (FTP) Caveat(t Task) string {
	if t.Model.Recurrent() {
		return "ftp through time is our reconstruction (sequences.md): the paper gives no recurrent form"
	}
	return ""
}

func (FTP) Uses(t Task) error {
	if t.Model.Recurrent() {
		return usesThroughTime("ftp", t.Model)
	}
	return usesStages("ftp", t.Model)
}

func (FTP) Cost(net *nn.Sequential, p Values) Cost {
	if rs := recurrentLayers(net); len(rs) > 0 {
		// Pass 1; pass 2's recurrent products (its input products are pass
		// 1's); G e once per injection; each layer's weight gradients.
		r := rs[0]
		injections := int64(1)
		if p.String("inject") == "each" {
			injections = int64(r.Steps)
		}
		fwd := net.MACs()
		rec := int64(r.T) * int64(r.Hidden) * int64(r.Wh.Value.Cols())
		d := net.Layers[len(net.Layers)-1].(*nn.Dense)
		return Cost{TrainMACs: 2*fwd + rec + injections*int64(d.Out)*int64(r.Hidden), EvalMACs: fwd,
			KeptFloats: bpLikeKept(net) + int64(r.T)*int64(r.Hidden)}
	}
	widths, macs := stageWidths(net)
	L := len(widths)
	proj := int64(widths[L-1]) * int64(widths[0])
	if p.String("sigma_g") != "identity" {
		proj *= 2
	}
	c := Cost{TrainMACs: 2*net.MACs() + proj, EvalMACs: net.MACs(), KeptFloats: bpLikeKept(net)}
	last := L - 1 // pass 2 covers layers 2..L−1, and L for output "target"
	if p.String("output") == "target" {
		last = L
	}
	for _, m := range macs[1:last] {
		c.TrainMACs += m
	}
	return c
}

// drawG draws G, n_out×width, from the stream "ftp.G": uniform on
// ±g_scale·√(6/n_out), or Gaussian of that variance (g_dist).
func drawG(c Config, nOut, width int) *nn.Tensor {
	limit := c.Params.Float("g_scale") * math.Sqrt(6/float64(nOut))
	return fixedRandom(nOut, width, limit, c.Params.String("g_dist"), c.Rand("ftp.G"))
}

func (FTP) New(c Config) (Trainer, error) {
	if len(recurrentLayers(c.Net)) > 0 {
		if c.Params.String("step_norm") != "none" || c.Params.Float("max_step") != 0 {
			return nil, fmt.Errorf("ftp: step_norm and max_step stabilise the feed-forward rule; ftp through time has no such stabiliser")
		}
		return newFTPThroughTime(c)
	}
	ss, err := hiddenStagesOf("ftp", c.Net)
	if err != nil {
		return nil, err
	}
	nOut := ss[len(ss)-1].width
	t := &ftpTrainer{c: c, ss: ss, gamma: float32(c.Params.Float("gamma")),
		sigma: c.Params.String("sigma_g"), targetInput: c.Params.String("layer_input") == "target",
		targetOutput: c.Params.String("output") == "target",
		normStep:     c.Params.String("step_norm") == "sample", maxStep: float32(c.Params.Float("max_step"))}
	t.G = drawG(c, nOut, ss[0].width)
	switch t.sigma {
	case "tanh":
		t.sigmaF = nn.Tanh{}
	case "relu":
		t.sigmaF = nn.ReLU{}
	case "same":
		for _, l := range ss[0].post {
			if a, ok := l.(*nn.Act); ok {
				t.sigmaF = a.F
			}
		}
		if t.sigmaF == nil {
			return nil, fmt.Errorf("ftp.sigma_g: \"same\" needs an activation in layer 1")
		}
	}
	return t, nil
}

type ftpTrainer struct {
	c            Config
	ss           []*stage
	G            *nn.Tensor // n_out×n_1 in row-major batch layout, fixed
	gamma        float32
	sigma        string
	sigmaF       nn.Activation
	targetInput  bool
	targetOutput bool
	normStep     bool    // step_norm "sample"
	maxStep      float32 // 0: no bound

	e, y, py        *nn.Tensor
	taus, deltas    []*nn.Tensor
	outT, outTarget *nn.Tensor
}

func (t *ftpTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	eng := t.c.Engine
	L := len(t.ss)
	logits := t.c.Net.Forward(eng, x)
	loss, correct := outputError(logits, y, &t.e) // e = (ŷ − y)/B
	n := x.Rows()
	if t.taus == nil {
		t.taus, t.deltas = make([]*nn.Tensor, L-1), make([]*nn.Tensor, L-1)
	}
	// Layer-1 target, τ_1 = h_1 + γ·[σ(G y) − σ(G ŷ)]. With σ the identity
	// it is h_1 − γ·B·G e, since e holds (ŷ − y)/B.
	h1 := t.ss[0].output()
	t.taus[0] = reshape(t.taus[0], n, h1.Cols())
	tau := t.taus[0]
	if t.sigma == "identity" {
		eng.MatMul(tau, t.e, false, t.G, false, -t.gamma*float32(n), 0)
	} else {
		t.projectDifference(tau, y.Labels)
	}
	t.stabilise(tau)
	vecmath.Axpy(tau.Data, h1.Data, 1) // τ_1 += h_1, exactly
	// Pass 2 through the forward weights: τ_l = φ_l(W_l τ_{l−1} + b_l).
	for l := 1; l < L-1; l++ {
		t.taus[l] = t.pass2(l, t.taus[l-1])
	}
	// Local updates from δ = (h_l − τ_l)/B, taken back through φ' (and any
	// pooling) to the layer's own weights.
	inv := 1 / float32(n)
	for l := 0; l < L-1; l++ {
		s := t.ss[l]
		h := s.output()
		t.deltas[l] = reshape(t.deltas[l], n, h.Cols())
		d, tau := t.deltas[l].Data, t.taus[l].Data
		if t.maxStep > 0 {
			t.bound(h.Data, tau)
		}
		if dense, act, ok := s.denseAct(); ok && isReLU(act) {
			// φ' by the mask, as Act.Backward applies it (+0 where h ≤ 0).
			vecmath.Difference(d[:len(h.Data)], h.Data, tau, inv)
			vecmath.PassIfPositive(d[:len(h.Data)], d, h.Data)
			in := t.input(l)
			if in == nil {
				in = dense.Input()
			}
			dense.Grads(eng, in, t.deltas[l])
			continue
		}
		vecmath.Difference(d[:len(h.Data)], h.Data, tau, inv)
		s.grads(eng, t.deltas[l], t.input(l))
	}
	if t.targetOutput {
		t.outputTargetError(n)
	}
	t.ss[L-1].grads(eng, t.e, t.input(L-1))
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

// stabilise applies the stabilisers to the layer-1 target steps in step
// (a row per sample): step_norm "sample" rescales each row to an RMS of γ
// per unit, max_step bounds every entry.
func (t *ftpTrainer) stabilise(step *nn.Tensor) {
	if t.normStep {
		for i := 0; i < step.Rows(); i++ {
			row := step.Row(i)
			var ss float64
			for _, v := range row {
				ss += float64(v) * float64(v)
			}
			if rms := math.Sqrt(ss / float64(len(row))); rms > 0 {
				// In float64: the scale of a nearly zero step (a sample
				// already right) overflows float32.
				scale := float64(t.gamma) / rms
				for j := range row {
					row[j] = float32(float64(row[j]) * scale)
				}
			}
		}
	}
	if t.maxStep > 0 {
		for i, v := range step.Data {
			step.Data[i] = min(max(v, -t.maxStep), t.maxStep)
		}
	}
}

// bound moves each target τ to within max_step of its h.
func (t *ftpTrainer) bound(h, tau []float32) {
	for i, v := range h {
		tau[i] = min(max(tau[i], v-t.maxStep), v+t.maxStep)
	}
}

// isReLU reports whether a is a ReLU.
func isReLU(a *nn.Act) bool {
	_, ok := a.F.(nn.ReLU)
	return ok
}

// pass2 returns stage l's output for the input tau, through the forward
// weights. A Dense stage computes it into a buffer of the rule's own, as it
// always has; any other stage runs its twin layers.
func (t *ftpTrainer) pass2(l int, tau *nn.Tensor) *nn.Tensor {
	s := t.ss[l]
	d, act, ok := s.denseAct()
	if !ok {
		return s.apply(t.c.Engine, tau)
	}
	out := reshape(t.taus[l], tau.Rows(), d.Out)
	d.Affine(t.c.Engine, out, tau)
	act.F.Apply(out.Data, out.Data)
	return out
}

// input returns what layer l (0-based) pairs with its δ: its own forward
// input (x, or h_{l−1}), or τ_{l−1} for layer_input "target".
func (t *ftpTrainer) input(l int) *nn.Tensor {
	if l > 0 && t.targetInput {
		return t.taus[l-1]
	}
	return nil
}

// projectDifference sets tau = γ·[σ(G y) − σ(G ŷ)] for a nonlinear σ; ŷ is
// recovered from e = (ŷ − y)/B.
func (t *ftpTrainer) projectDifference(tau *nn.Tensor, labels []int) {
	eng := t.c.Engine
	n, k := t.e.Rows(), t.e.Cols()
	t.y = reshape(t.y, n, k)
	t.py = reshape(t.py, n, tau.Cols())
	yhat := t.y // first ŷ, then y, reusing one buffer
	for i := range yhat.Data {
		yhat.Data[i] = t.e.Data[i] * float32(n)
	}
	for i, c := range labels {
		yhat.Data[i*k+c]++
	}
	eng.MatMul(t.py, yhat, false, t.G, false, 1, 0)
	t.sigmaF.Apply(t.py.Data, t.py.Data)
	clear(yhat.Data)
	for i, c := range labels {
		yhat.Data[i*k+c] = 1
	}
	eng.MatMul(tau, yhat, false, t.G, false, 1, 0)
	t.sigmaF.Apply(tau.Data, tau.Data)
	for i, v := range t.py.Data {
		tau.Data[i] = t.gamma * (tau.Data[i] - v)
	}
}

// outputTargetError replaces e by softmax(a_L) − softmax(W_L τ_{L−1} + b_L),
// over the batch.
func (t *ftpTrainer) outputTargetError(n int) {
	L := len(t.ss)
	out := t.ss[L-1].w.(*nn.Dense)
	t.outTarget = reshape(t.outTarget, n, out.Out)
	out.Affine(t.c.Engine, t.outTarget, t.taus[L-2])
	t.outT = reshape(t.outT, n, out.Out)
	logits := out.Output()
	inv := 1 / float32(n)
	for i := 0; i < n; i++ {
		nn.Softmax(t.outT.Row(i), logits.Row(i))
		nn.Softmax(t.outTarget.Row(i), t.outTarget.Row(i))
		e := t.e.Row(i)
		for j := range e {
			e[j] = (t.outT.Row(i)[j] - t.outTarget.Row(i)[j]) * inv
		}
	}
}

func (t *ftpTrainer) Predict(x *nn.Tensor, out []int) { predictArgmax(t.c.Engine, t.c.Net, x, out) }
