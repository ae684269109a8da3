package nn

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/internal/vecmath"
)

// BatchNorm normalises each channel to zero mean and unit variance and then
// scales and shifts it: y = γ·(x − μ)/√(σ² + ε) + β, per channel, with μ and
// σ² taken over the batch and the channel's positions (H·W after a
// convolution, 1 after a Dense layer). In training it uses the batch's
// statistics and moves running ones towards them (momentum 0.1, unbiased
// variance, as PyTorch does); in evaluation it uses the running ones.
type BatchNorm struct {
	C, P        int    // channels and positions per channel
	Gamma, Beta *Param // γ (initially 1) and β (initially 0), one per channel
	// Mean and Var are the running statistics; they are state, not
	// parameters: no optimizer touches them.
	Mean, Var *Tensor
	Momentum  float32
	Eps       float32
	// Eval selects the running statistics; see Sequential.SetTraining.
	Eval bool

	// from is the layer a twin normalises like: by the statistics of
	// from's last forward pass, held constant.
	from *BatchNorm

	x, xhat, y, dx *Tensor
	mean, invStd   []float32 // the statistics of the last forward pass
}

// NewBatchNorm returns a normalisation of c channels of p positions each.
func NewBatchNorm(c, p int) *BatchNorm {
	b := &BatchNorm{C: c, P: p, Gamma: newParam("gamma", c), Beta: newParam("beta", c),
		Mean: NewTensor(c), Var: NewTensor(c), Momentum: 0.1, Eps: 1e-5, mean: make([]float32, c), invStd: make([]float32, c)}
	for i := range b.Gamma.Value.Data {
		b.Gamma.Value.Data[i] = 1
		b.Var.Data[i] = 1
	}
	return b
}

// Forward normalises x (batch×C·P), a piece of the channels on each core.
func (b *BatchNorm) Forward(e *Engine, x *Tensor) *Tensor {
	if x.Cols() != b.C*b.P {
		panic(fmt.Sprintf("nn: dimension mismatch (batch×in %d×%d vs channels×positions %d×%d)", x.Rows(), x.Cols(), b.C, b.P))
	}
	b.x = x
	b.y = reuse(b.y, x.Shape...)
	b.xhat = reuse(b.xhat, x.Shape...)
	e.Rows(b.C, 4*x.Rows()*b.P, func(lo, hi int) { b.forward(x, lo, hi) })
	return b.y
}

// forward normalises channels lo to hi of x.
func (b *BatchNorm) forward(x *Tensor, lo, hi int) {
	n := x.Rows()
	count := float64(n * b.P)
	for c := lo; c < hi; c++ {
		switch {
		case b.from != nil:
			b.mean[c], b.invStd[c] = b.from.mean[c], b.from.invStd[c]
		case b.Eval:
			b.mean[c], b.invStd[c] = b.Mean.Data[c], float32(1/math.Sqrt(float64(b.Var.Data[c])+float64(b.Eps)))
		default:
			var sum float64
			for s := 0; s < n; s++ {
				for _, v := range x.Row(s)[c*b.P : (c+1)*b.P] {
					sum += float64(v)
				}
			}
			mean := sum / count
			var ss float64
			for s := 0; s < n; s++ {
				for _, v := range x.Row(s)[c*b.P : (c+1)*b.P] {
					d := float64(v) - mean
					ss += d * d
				}
			}
			variance, unbiased := ss/count, ss/count
			if count > 1 {
				unbiased = ss / (count - 1)
			}
			m := float64(b.Momentum)
			b.Mean.Data[c] = float32((1-m)*float64(b.Mean.Data[c]) + m*mean)
			b.Var.Data[c] = float32((1-m)*float64(b.Var.Data[c]) + m*unbiased)
			b.mean[c], b.invStd[c] = float32(mean), float32(1/math.Sqrt(variance+float64(b.Eps)))
		}
		mu, inv, g, beta := b.mean[c], b.invStd[c], b.Gamma.Value.Data[c], b.Beta.Value.Data[c]
		for s := 0; s < n; s++ {
			src := x.Row(s)[c*b.P : (c+1)*b.P]
			xh := b.xhat.Row(s)[c*b.P : (c+1)*b.P]
			dst := b.y.Row(s)[c*b.P : (c+1)*b.P]
			vecmath.Normalize(xh, dst, src, mu, inv, g, beta)
		}
	}
}

// Backward sets dγ = Σ dy·x̂ and dβ = Σ dy per channel and returns
// dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), the gradient through the batch
// statistics (in evaluation mode, and in a twin, the statistics are
// constants: dx = γ/σ·dy). A piece of the channels on each core.
func (b *BatchNorm) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	if needInput {
		b.dx = reuse(b.dx, b.x.Shape...)
	}
	e.Rows(b.C, 4*dy.Rows()*b.P, func(lo, hi int) { b.backward(dy, needInput, lo, hi) })
	if !needInput {
		return nil
	}
	return b.dx
}

// backward does Backward for channels lo to hi.
func (b *BatchNorm) backward(dy *Tensor, needInput bool, lo, hi int) {
	n := dy.Rows()
	count := float32(n * b.P)
	for c := lo; c < hi; c++ {
		var sdy, sdyx float64
		for s := 0; s < n; s++ {
			g := dy.Row(s)[c*b.P : (c+1)*b.P]
			for i, v := range b.xhat.Row(s)[c*b.P : (c+1)*b.P] {
				sdy += float64(g[i])
				sdyx += float64(g[i] * v)
			}
		}
		b.Gamma.Grad.Data[c] = float32(sdyx)
		b.Beta.Grad.Data[c] = float32(sdy)
		if !needInput {
			continue
		}
		scale := b.Gamma.Value.Data[c] * b.invStd[c]
		mdy, mdyx := float32(sdy)/count, float32(sdyx)/count
		if b.Eval || b.from != nil {
			mdy, mdyx = 0, 0
		}
		for s := 0; s < n; s++ {
			g := dy.Row(s)[c*b.P : (c+1)*b.P]
			xh := b.xhat.Row(s)[c*b.P : (c+1)*b.P]
			dst := b.dx.Row(s)[c*b.P : (c+1)*b.P]
			vecmath.NormBack(dst, g, xh, scale, mdy, mdyx)
		}
	}
}

// Output returns the last output.
func (b *BatchNorm) Output() *Tensor { return b.y }

// Params returns γ and β.
func (b *BatchNorm) Params() []*Param { return []*Param{b.Gamma, b.Beta} }

// State returns the running mean and variance, which checkpoints keep.
func (b *BatchNorm) State() []*Tensor { return []*Tensor{b.Mean, b.Var} }

// SetTraining selects batch statistics (true) or the running ones.
func (b *BatchNorm) SetTraining(on bool) { b.Eval = !on }

func (b *BatchNorm) OutShape(in []int) []int { return in }
func (b *BatchNorm) MACs() int64             { return 0 }
