package methods

import (
	"fmt"
	"math/rand/v2"

	"github.com/creditbench/creditbench/internal/vecmath"
	"github.com/creditbench/creditbench/nn"
)

// mlp is the layer-by-layer view of an MLP that layer-local rules use:
// Dense layers 1..L and the activations of layers 1..L−1 (the output layer
// gives logits).
type mlp struct {
	dense []*nn.Dense
	act   []*nn.Act
}

func mlpOf(net *nn.Sequential) (mlp, error) {
	var m mlp
	for i, l := range net.Layers {
		switch l := l.(type) {
		case *nn.Dense:
			if i%2 != 0 {
				return m, fmt.Errorf("methods: layer %d is Dense where an activation belongs", i)
			}
			m.dense = append(m.dense, l)
		case *nn.Act:
			if i%2 != 1 {
				return m, fmt.Errorf("methods: layer %d is an activation where Dense belongs", i)
			}
			m.act = append(m.act, l)
		default:
			return m, fmt.Errorf("methods: layer %d is %T, not part of an MLP", i, l)
		}
	}
	if len(m.dense) != len(m.act)+1 {
		return m, fmt.Errorf("methods: an MLP ends in a Dense layer")
	}
	return m, nil
}

// usesMLP is the Uses of the rules that train MLPs only.
func usesMLP(rule string, m nn.ModelSpec) error {
	if m.Kind != "mlp" {
		return fmt.Errorf("%s: model kind %q is not supported (accepted: mlp)", rule, m.Kind)
	}
	return nil
}

// bpLikeKept is what BP keeps per sample between its forward pass and its
// updates: every layer's input and the output error. FTP, DFA, FA and
// PEPITA keep the same.
func bpLikeKept(net *nn.Sequential) int64 {
	var n int64
	rows := int64(1) // per sample: Steps after a PerStep
	shape := net.InShape
	for _, l := range net.Layers {
		switch l := l.(type) {
		case nn.Weighted:
			n += rows * int64(size(shape))
		case *nn.Recurrent: // its input, every step's gates and state (and cell)
			g := int64(l.Wh.Value.Cols())
			n += int64(l.T) * (int64(l.In) + g + int64(l.Hidden))
			if l.Cell == "lstm" {
				n += 2 * int64(l.T) * int64(l.Hidden)
			}
		case *nn.PerStep:
			rows = int64(l.Steps)
		}
		shape = l.OutShape(shape)
	}
	return n + rows*int64(size(shape))
}

// outputError runs no product: it sets e to the gradient of the task's loss
// with respect to the outputs, (softmax(logits) − onehot(labels)) / batch for
// classes, and returns the mean loss and the number of correct rows.
func outputError(out *nn.Tensor, y nn.Targets, e **nn.Tensor) (float64, int) {
	*e = reshape(*e, out.Rows(), out.Cols())
	return y.Loss(out, *e)
}

// reshape returns t when it has the shape rows×cols, else a new tensor.
func reshape(t *nn.Tensor, rows, cols int) *nn.Tensor {
	if t != nil && t.Rows() == rows && t.Cols() == cols && len(t.Shape) == 2 {
		return t
	}
	return nn.NewTensor(rows, cols)
}

// fixedRandom returns a rows×cols matrix drawn once from r: uniform on
// ±limit, or Gaussian with the same variance (limit/√3).
func fixedRandom(rows, cols int, limit float64, dist string, r *rand.Rand) *nn.Tensor {
	t := nn.NewTensor(rows, cols)
	if dist == "gaussian" {
		nn.Gaussian(t.Data, limit/sqrt3, r)
	} else {
		nn.Uniform(t.Data, limit, r)
	}
	return t
}

const sqrt3 = 1.7320508075688772

// derivTimes sets dst = dst ⊙ φ'(a) for the activation f, given its
// outputs h: for ReLU by a mask (+0 where h ≤ 0, as nn's backward pass
// gives), not a branch, which a ReLU layer's half-zero outputs mispredict.
func derivTimes(dst []float32, f nn.Activation, h []float32, scratch *[]float32) {
	if _, ok := f.(nn.ReLU); ok {
		vecmath.PassIfPositive(dst, dst, h)
		return
	}
	if len(*scratch) < len(h) {
		*scratch = make([]float32, len(h))
	}
	d := (*scratch)[:len(h)]
	f.Deriv(d, h)
	for i, v := range d {
		dst[i] *= v
	}
}

// usesHiddenMLP is the Uses of the rules that need an MLP with at least one
// hidden layer.
func usesHiddenMLP(rule string, m nn.ModelSpec) error {
	if err := usesMLP(rule, m); err != nil {
		return err
	}
	if len(m.Hidden) == 0 {
		return fmt.Errorf("%s: the model has no hidden layer to train", rule)
	}
	return nil
}

// hiddenMLPOf is mlpOf for the rules that need a hidden layer.
func hiddenMLPOf(rule string, net *nn.Sequential) (mlp, error) {
	m, err := mlpOf(net)
	if err == nil && len(m.act) == 0 {
		err = fmt.Errorf("%s: the model has no hidden layer to train", rule)
	}
	return m, err
}
