package methods

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/creditbench/creditbench/nn"
)

// CaFo is Cascaded Forward (Zhao et al. 2023): every hidden stage is a block
// with a linear predictor of its own on its (flattened) output; the last
// block's predictor is the model's output layer. On an MLP a block is
// Dense, activation; on a CNN it is the paper's Conv, ReLU, MaxPool,
// BatchNorm (model conv = [32, 128, 512], kernel = 3, padding = 1,
// batch_norm = true).
// Prediction sums the predictors' class probabilities:
//
//	ŷ = argmax_c Σ_k softmax(h_k P_k + p_k)_c
//
// Each predictor learns on its block's output as a constant (no gradient
// reaches the block from it, nor any block from another), by its loss:
//
//	predictor_loss "ce": cross-entropy, by the run's optimizer
//	predictor_loss "sparsemax": the sparsemax loss (Martins & Astudillo 2016),
//	      gradient sparsemax(z) − y, by the run's optimizer
//	predictor_loss "mse": ridge regression onto the one-hot labels in closed
//	      form, P = (HᵀH + λI)⁻¹HᵀY (bias unregularised), from the features of
//	      the whole epoch, solved at the epoch's end
//
// The blocks (blocks):
//
//	"frozen": they stay at their random initialisation, as in the public code
//	"dfa": δ_k = (e_k B_k) ⊙ φ'(a_k), e_k the block's own predictor error, B_k
//	      fixed random (stream "cafo.B", ±b_scale·√(6/n_classes))
//	"local": δ_k = (e_k P_kᵀ) ⊙ φ'(a_k): the gradient of the block's own
//	      predictor loss, stopped at its input
//
// The order of training (order):
//
//	"sequential": one block after another, as in the paper: block k (with
//	      its predictor) trains in the k-th of K equal shares of the run's
//	      steps, on the output of the blocks before it, which no longer
//	      change; the blocks after it are not run, and only the predictors
//	      trained so far vote
//	"together": every block and predictor trains at every step, each block
//	      on the previous block's current output
//
// With "mse" a predictor is solved at the end of each epoch from the
// features it saw in that epoch, and the error e_k that trains a block
// comes from the predictor of the previous solve.
type CaFo struct{}

var _ Method = CaFo{}

func init() { Register(CaFo{}) }

func (CaFo) Name() string { return "cafo" }
func (CaFo) Doc() string {
	return "Cascaded Forward: blocks with their own predictors; prediction sums the predictors' probabilities"
}

func (CaFo) Params() []Param {
	return []Param{
		{Name: "blocks", Default: "frozen", Choices: []string{"frozen", "dfa", "local"}, Help: "how blocks train: not at all, by DFA from their predictor's error, or by their predictor's gradient"},
		{Name: "predictor_loss", Default: "ce", Choices: []string{"ce", "mse", "sparsemax"}, Help: "the predictors' loss; mse is solved in closed form each epoch"},
		{Name: "ridge", Default: 1.0, Range: Positive, Help: "λ of the closed-form mse predictor"},
		{Name: "b_scale", Default: 0.1, Range: Positive, Help: "scale of the DFA matrices B_k (blocks = dfa)"},
		{Name: "order", Default: "sequential", Choices: []string{"sequential", "together"}, Help: "blocks one after another, each for an equal share of the run's steps (as in the paper), or all at once"},
	}
}

// Uses accepts CNNs and MLPs with at least one hidden layer.
func (CaFo) Uses(t Task) error {
	if t.Model.Recurrent() {
		return fmt.Errorf("cafo: cascades feed-forward blocks, and a recurrent net has no block to cascade; cafo trains MLPs and CNNs")
	}
	if err := usesStages("cafo", t.Model); err != nil {
		return err
	}
	return usesClasses("cafo", t)
}

// Cost: the blocks' forward pass and every predictor; then per predictor its
// gradient (ce, sparsemax) or its share of HᵀH and HᵀY (mse); per trained
// block one error product and its weight gradient. One after another, a
// block's share of the steps runs the blocks up to it and trains it alone:
// the cost is the average of the shares. CaFo keeps the input and every
// block's output.
func (CaFo) Cost(net *nn.Sequential, p Values) Cost {
	widths, macs := stageWidths(net)
	K := len(widths) - 1
	C := int64(widths[K])
	var c Cost
	c.KeptFloats = int64(size(net.InShape))
	var own, ahead, shares int64
	for k, w := range widths[:K] {
		n := int64(w)
		forward := macs[k] + n*C // the block and its predictor
		c.EvalMACs += forward
		c.KeptFloats += n
		train := n * C
		if p.String("predictor_loss") == "mse" {
			train = (n+1)*(n+1) + (n+1)*C
		}
		if p.String("blocks") != "frozen" {
			train += n*C + macs[k]
		}
		own += train
		ahead += forward
		shares += ahead + train
	}
	c.TrainMACs = c.EvalMACs + own
	if p.String("order") == "sequential" {
		c.TrainMACs = shares / int64(K)
	}
	return c
}

func (CaFo) New(c Config) (Trainer, error) {
	ss, err := hiddenStagesOf("cafo", c.Net)
	if err != nil {
		return nil, err
	}
	p := c.Params
	if !(p.Float("ridge") > 0) {
		return nil, fmt.Errorf("cafo.ridge: %v is not > 0", p.Float("ridge"))
	}
	t := &cafoTrainer{c: c, ss: ss, blocks: p.String("blocks"), loss: p.String("predictor_loss"), ridge: p.Float("ridge"),
		sequential: p.String("order") == "sequential"}
	K := len(ss) - 1
	out := ss[K].w.(*nn.Dense)
	C := out.Out
	r := c.Rand("cafo.B")
	for k := 0; k < K; k++ {
		n := ss[k].width
		pr := &predictor{}
		if k == K-1 {
			pr.W, pr.b = out.W, out.B // the model's output layer
		} else {
			pr.W = &nn.Param{Name: fmt.Sprintf("P%d", k+1), Value: nn.NewTensor(n, C), Grad: nn.NewTensor(n, C)}
			pr.b = &nn.Param{Name: fmt.Sprintf("p%d", k+1), Value: nn.NewTensor(C), Grad: nn.NewTensor(C)}
			nn.Uniform(pr.W.Value.Data, 1/math.Sqrt(float64(n)), r)
			t.aux = append(t.aux, pr.W, pr.b)
		}
		if t.blocks == "dfa" {
			pr.B = fixedRandom(C, n, p.Float("b_scale")*math.Sqrt(6/float64(C)), "uniform", r)
		}
		if t.loss == "mse" {
			pr.W.Value.Zero()
			pr.b.Value.Zero()
			pr.hth, pr.hty = nn.NewTensor(n+1, n+1), nn.NewTensor(n+1, C)
		}
		t.preds = append(t.preds, pr)
	}
	return t, nil
}

// predictor is one block's linear predictor z = h·W + b, with what it needs
// to train: the DFA matrix of its block and the sums of a ridge solve.
type predictor struct {
	W, b     *nn.Param
	B        *nn.Tensor // n_classes×n_k, for blocks = "dfa"
	hth, hty *nn.Tensor // Σ [h 1]ᵀ[h 1] and Σ [h 1]ᵀy over the epoch (mse)
	z, e, ha *nn.Tensor // batch buffers: logits, error, [h 1]
	y        *nn.Tensor
	delta    *nn.Tensor
}

type cafoTrainer struct {
	c      Config
	ss     []*stage
	blocks string
	loss   string
	ridge  float64
	preds  []*predictor
	aux    []*nn.Param
	sum    []float32
	// sequential trains one block after another over the run's total
	// steps, of which step have been taken (see StartEpoch).
	sequential  bool
	step, total int
}

// StartEpoch places the next step in the run.
func (t *cafoTrainer) StartEpoch(epoch, epochs, steps int) {
	t.step, t.total = (epoch-1)*steps, epochs*steps
}

// training returns the block that trains at step s, or −1 when every block
// does.
func (t *cafoTrainer) training(s int) int {
	if !t.sequential || t.total == 0 {
		return -1
	}
	return min(len(t.preds)-1, s*len(t.preds)/t.total)
}

// voters returns the number of blocks whose predictors vote: all, or one
// after another those trained so far.
func (t *cafoTrainer) voters() int {
	if k := t.training(max(t.step-1, 0)); k >= 0 {
		return k + 1
	}
	return len(t.preds)
}

// AuxParams returns the predictors of every block but the last.
func (t *cafoTrainer) AuxParams() []*nn.Param { return t.aux }

// State returns the mse predictors' sums of the epoch so far.
func (t *cafoTrainer) State() []*nn.Tensor {
	var s []*nn.Tensor
	for _, pr := range t.preds {
		if pr.hth != nil {
			s = append(s, pr.hth, pr.hty)
		}
	}
	return s
}

// forward runs the first n blocks and their predictors on x.
func (t *cafoTrainer) forward(x *nn.Tensor, n int) {
	eng := t.c.Engine
	in := x
	for k, pr := range t.preds[:n] {
		h := t.ss[k].forward(eng, in)
		pr.z = reshape(pr.z, x.Rows(), pr.W.Value.Cols())
		for i := 0; i < x.Rows(); i++ {
			copy(pr.z.Row(i), pr.b.Value.Data)
		}
		eng.MatMul(pr.z, h, false, pr.W.Value, false, 1, 1)
		in = h
	}
}

// vote returns per row the sum of the first n predictors' softmax
// probabilities.
func (t *cafoTrainer) vote(rows, n int) []float32 {
	C := t.preds[0].z.Cols()
	if cap(t.sum) < rows*C {
		t.sum = make([]float32, rows*C)
	}
	sum := t.sum[:rows*C]
	clear(sum)
	p := make([]float32, C)
	for _, pr := range t.preds[:n] {
		for i := 0; i < rows; i++ {
			nn.Softmax(p, pr.z.Row(i))
			for c, v := range p {
				sum[i*C+c] += v
			}
		}
	}
	return sum
}

func (t *cafoTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	labels := y.Labels
	eng := t.c.Engine
	n := x.Rows()
	only := t.training(t.step)
	t.step++
	voters, trained := len(t.preds), len(t.preds)
	if only >= 0 {
		voters, trained = only+1, 1
	}
	t.forward(x, voters)
	var loss float64
	var update []*nn.Param
	for k, pr := range t.preds[:voters] {
		if only >= 0 && k != only {
			continue
		}
		h := t.ss[k].output()
		C := pr.z.Cols()
		pr.e = reshape(pr.e, n, C)
		loss += t.predictorError(pr, labels) / float64(trained)
		if t.loss == "mse" {
			t.accumulate(pr, h, labels)
		} else {
			pr.W.Grad.Zero()
			eng.MatMul(pr.W.Grad, h, true, pr.e, false, 1, 0)
			clear(pr.b.Grad.Data)
			nn.AddColSums(pr.b.Grad.Data, pr.e)
			update = append(update, pr.W, pr.b)
		}
		if t.blocks == "frozen" {
			continue
		}
		pr.delta = reshape(pr.delta, n, h.Cols())
		if t.blocks == "dfa" {
			eng.MatMul(pr.delta, pr.e, false, pr.B, false, 1, 0)
		} else {
			eng.MatMul(pr.delta, pr.e, false, pr.W.Value, true, 1, 0)
		}
		t.ss[k].grads(eng, pr.delta, nil)
		update = append(update, t.ss[k].params()...)
	}
	if len(update) > 0 {
		t.c.Optimizer.Step(update)
	}
	sum := t.vote(n, voters)
	correct := 0
	C := t.preds[0].z.Cols()
	for i, y := range labels {
		if nn.Argmax(sum[i*C:(i+1)*C]) == y {
			correct++
		}
	}
	return loss, correct
}

// predictorError sets pr.e to the batch-mean gradient of the predictor's
// loss with respect to its logits and returns the mean loss.
func (t *cafoTrainer) predictorError(pr *predictor, labels []int) float64 {
	n, C := pr.z.Rows(), pr.z.Cols()
	switch t.loss {
	case "ce":
		l, _ := nn.SoftmaxCrossEntropy(pr.z, labels, pr.e)
		return l
	case "sparsemax":
		var loss float64
		for i, y := range labels {
			z, e := pr.z.Row(i), pr.e.Row(i)
			loss += sparsemax(e, z, y)
			e[y]--
			for c := range e {
				e[c] /= float32(n)
			}
		}
		return loss / float64(n)
	}
	var loss float64 // mse: ½‖z − y‖²
	for i, y := range labels {
		z, e := pr.z.Row(i), pr.e.Row(i)
		for c := 0; c < C; c++ {
			d := z[c]
			if c == y {
				d--
			}
			loss += 0.5 * float64(d) * float64(d)
			e[c] = d / float32(n)
		}
	}
	return loss / float64(n)
}

// sparsemax sets p to the Euclidean projection of z onto the simplex and
// returns the sparsemax loss of label y: −z_y + ½Σ_{j∈S}(z_j² − τ²) + ½.
func sparsemax(p, z []float32, y int) float64 {
	sorted := make([]float64, len(z))
	for i, v := range z {
		sorted[i] = float64(v)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	var cum, tau float64
	for k, v := range sorted {
		cum += v
		if 1+float64(k+1)*v > cum {
			tau = (cum - 1) / float64(k+1)
		}
	}
	loss := 0.5 - float64(z[y])
	for i, v := range z {
		d := float64(v) - tau
		p[i] = float32(max(d, 0))
		if d > 0 {
			loss += 0.5 * (float64(v)*float64(v) - tau*tau)
		}
	}
	return loss
}

// accumulate adds the batch to the predictor's ridge sums.
func (t *cafoTrainer) accumulate(pr *predictor, h *nn.Tensor, labels []int) {
	n, w := h.Rows(), h.Cols()
	pr.ha = reshape(pr.ha, n, w+1)
	pr.y = reshape(pr.y, n, pr.z.Cols())
	clear(pr.y.Data)
	for i, y := range labels {
		copy(pr.ha.Row(i), h.Row(i))
		pr.ha.Row(i)[w] = 1
		pr.y.Row(i)[y] = 1
	}
	t.c.Engine.MatMul(pr.hth, pr.ha, true, pr.ha, false, 1, 1)
	t.c.Engine.MatMul(pr.hty, pr.ha, true, pr.y, false, 1, 1)
}

// EndEpoch solves every mse predictor from the epoch's sums and clears
// them.
func (t *cafoTrainer) EndEpoch() error {
	if t.loss != "mse" {
		return nil
	}
	for k, pr := range t.preds {
		if pr.hth.Data[len(pr.hth.Data)-1] == 0 { // no sample (Σ 1·1) this epoch: not its share of the run
			continue
		}
		if err := solveRidge(pr, t.ridge); err != nil {
			return fmt.Errorf("cafo: predictor %d: %v", k+1, err)
		}
		pr.hth.Zero()
		pr.hty.Zero()
	}
	return nil
}

// solveRidge sets W, b to the solution of (HᵀH + λI')[W; b] = HᵀY, where I'
// leaves the bias row unregularised, in float64 by Cholesky.
func solveRidge(pr *predictor, lambda float64) error {
	w1, C := pr.hth.Rows(), pr.hty.Cols()
	a := mat.NewSymDense(w1, nil)
	for i := 0; i < w1; i++ {
		for j := i; j < w1; j++ {
			v := float64(pr.hth.Data[i*w1+j])
			if i == j && i < w1-1 {
				v += lambda
			}
			a.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(a) {
		return fmt.Errorf("the ridge system is not positive definite (no samples seen?)")
	}
	b := mat.NewDense(w1, C, nil)
	for i := 0; i < w1; i++ {
		for j := 0; j < C; j++ {
			b.Set(i, j, float64(pr.hty.Data[i*C+j]))
		}
	}
	var sol mat.Dense
	if err := ch.SolveTo(&sol, b); err != nil {
		return err
	}
	for i := 0; i < w1-1; i++ {
		for j := 0; j < C; j++ {
			pr.W.Value.Data[i*C+j] = float32(sol.At(i, j))
		}
	}
	for j := 0; j < C; j++ {
		pr.b.Value.Data[j] = float32(sol.At(w1-1, j))
	}
	return nil
}

func (t *cafoTrainer) Predict(x *nn.Tensor, out []int) {
	n := t.voters()
	t.forward(x, n)
	sum := t.vote(x.Rows(), n)
	C := t.preds[0].z.Cols()
	for i := range out {
		out[i] = nn.Argmax(sum[i*C : (i+1)*C])
	}
}
