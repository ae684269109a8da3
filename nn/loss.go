package nn

import (
	"fmt"
	"math"
)

// SoftmaxCrossEntropy returns the mean cross-entropy of softmax(logits)
// against labels and the number of rows whose argmax is the label. When grad
// is not nil it receives (softmax(logits) − onehot(labels)) / batch, the
// gradient of the mean loss with respect to the logits.
func SoftmaxCrossEntropy(logits *Tensor, labels []int, grad *Tensor) (loss float64, correct int) {
	n, c := logits.Rows(), logits.Cols()
	if len(labels) != n {
		panic(fmt.Sprintf("nn: dimension mismatch (batch %d vs %d labels)", n, len(labels)))
	}
	inv := 1 / float32(n)
	p := make([]float32, c)
	for i := 0; i < n; i++ {
		row := logits.Row(i)
		Softmax(p, row)
		y := labels[i]
		loss -= math.Log(math.Max(float64(p[y]), 1e-30))
		if Argmax(row) == y {
			correct++
		}
		if grad != nil {
			g := grad.Row(i)
			for j := range g {
				g[j] = p[j] * inv
			}
			g[y] -= inv
		}
	}
	return loss / float64(n), correct
}

// Softmax sets dst = softmax(src), computed stably.
func Softmax(dst, src []float32) {
	m := src[0]
	for _, v := range src[1:] {
		m = max(m, v)
	}
	var s float64
	for i, v := range src {
		e := math.Exp(float64(v - m))
		dst[i] = float32(e)
		s += e
	}
	inv := float32(1 / s)
	for i := range dst {
		dst[i] *= inv
	}
}

// Argmax returns the index of the largest value, the first on ties.
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// squaredError returns Σ(y − t)² and, when grad is not nil, sets it to
// scale·(y − t).
func squaredError(y, t, grad *Tensor, scale float32) float64 {
	if len(y.Data) != len(t.Data) {
		panic(fmt.Sprintf("nn: dimension mismatch (output %v vs target %v)", y.Shape, t.Shape))
	}
	var s float64
	for i, v := range y.Data {
		d := v - t.Data[i]
		s += float64(d) * float64(d)
		if grad != nil {
			grad.Data[i] = d * scale
		}
	}
	return s
}

// Targets are what a batch's outputs are trained towards: a class per
// output row (Labels), or a row of values per output row (Values).
type Targets struct {
	Labels []int
	Values *Tensor
}

// Classes returns the targets of labels.
func Classes(labels []int) Targets { return Targets{Labels: labels} }

// Loss returns the mean loss of out against t and the number of rows
// classified correctly (−1 for values), and sets grad, unless nil, to the
// loss's gradient with respect to out: the softmax cross-entropy averaged
// over rows for labels, the squared error averaged over every value (as
// PyTorch's MSELoss) for values.
func (t Targets) Loss(out, grad *Tensor) (float64, int) {
	if t.Values == nil {
		return SoftmaxCrossEntropy(out, t.Labels, grad)
	}
	return MeanSquaredError(out, t.Values, grad), -1
}

// MeanSquaredError returns the mean over every value of (y − t)² and, when
// grad is not nil, sets it to 2(y − t)/len(y).
func MeanSquaredError(y, t, grad *Tensor) float64 {
	n := len(y.Data)
	return squaredError(y, t, grad, 2/float32(n)) / float64(n)
}
