package nn

import (
	"fmt"
	"slices"
)

// Dense is a fully connected layer: Y = X·W + b, with X batch×In, W In×Out and
// b Out. The zero value is not usable; build one with NewDense.
type Dense struct {
	In, Out int
	W, B    *Param
	// Mask, when set (In×Out, ones and zeros), keeps only the connections
	// where it is 1: the weights elsewhere start at zero and get no
	// gradient, so they stay zero under every optimizer. A locally
	// connected layer is a Dense layer with such a mask (see Local); its
	// products are computed whole.
	Mask *Tensor

	x  *Tensor // last input, kept for Backward
	y  *Tensor
	dx *Tensor

	hin, herr *Tensor // copies for the engine's hooks
}

// NewDense returns a Dense layer with zero weights; initialise them with an
// Initializer.
func NewDense(in, out int) *Dense {
	return &Dense{In: in, Out: out, W: newParam("W", in, out), B: newParam("b", out)}
}

// Forward computes X·W + b.
func (d *Dense) Forward(e *Engine, x *Tensor) *Tensor {
	if x.Cols() != d.In {
		panic(fmt.Sprintf("nn: dimension mismatch (batch×in %d×%d vs in×out %d×%d)", x.Rows(), x.Cols(), d.In, d.Out))
	}
	d.x = x
	d.y = reuse(d.y, x.Rows(), d.Out)
	d.Affine(e, d.y, x)
	return d.y
}

// Affine writes X·W + b into y without keeping anything for Backward. Rules
// that run a second forward pass through the same weights use it.
func (d *Dense) Affine(e *Engine, y, x *Tensor) {
	b := d.B.Value.Data
	for i := 0; i < y.Rows(); i++ {
		copy(y.Row(i), b)
	}
	e.MatMul(y, e.input(x, &d.hin), false, d.W.Value, false, 1, 1)
	e.output(y)
}

// Backward sets dW = Xᵀ·dY and db = Σ_rows dY, and returns dX = dY·Wᵀ.
func (d *Dense) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	d.Grads(e, d.x, dy)
	if !needInput {
		return nil
	}
	d.dx = reuse(d.dx, d.x.Shape...)
	e.MatMul(d.dx, e.errorOf(dy, &d.herr), false, d.W.Value, true, 1, 0)
	e.output(d.dx)
	return d.dx
}

// Grads sets dW = inᵀ·delta and db = Σ_rows delta: the update of any rule that
// forms a per-layer error delta (batch×Out) and pairs it with an input in
// (batch×In).
func (d *Dense) Grads(e *Engine, in, delta *Tensor) {
	delta = e.errorOf(delta, &d.herr)
	e.MatMul(d.W.Grad, e.input(in, &d.hin), true, delta, false, 1, 0)
	d.masked(d.W.Grad.Data)
	clear(d.B.Grad.Data)
	AddColSums(d.B.Grad.Data, delta)
}

// Input returns the input of the last Forward.
func (d *Dense) Input() *Tensor { return d.x }

// Output returns the pre-activation a = X·W + b of the last Forward.
func (d *Dense) Output() *Tensor { return d.y }

// Params returns W and b.
func (d *Dense) Params() []*Param { return []*Param{d.W, d.B} }

// OutShape returns [Out].
func (d *Dense) OutShape([]int) []int { return []int{d.Out} }

// MACs returns In·Out, also with a Mask: the product is computed whole.
func (d *Dense) MACs() int64 { return int64(d.In) * int64(d.Out) }

// masked zeroes the entries of w (In×Out, weights or their gradient)
// outside the Mask's connections.
func (d *Dense) masked(w []float32) {
	if d.Mask == nil {
		return
	}
	for i, m := range d.Mask.Data {
		w[i] *= m
	}
}

// fanIn is the number of inputs of the most connected unit.
func (d *Dense) fanIn() int {
	if d.Mask == nil {
		return d.In
	}
	inputs := make([]int, d.Out) // per unit, counted row by row
	for i := 0; i < d.In; i++ {
		for o, m := range d.Mask.Row(i) {
			if m != 0 {
				inputs[o]++
			}
		}
	}
	return slices.Max(inputs)
}

// Local returns the mask of a locally connected layer from C×H×W inputs to
// M×H×W units (both channel-major): unit (m, y, x) connects to the inputs of
// every channel within field×field positions around (y, x), fewer at the
// borders. Weights are not shared between positions.
func Local(C, H, W, M, field int) *Tensor {
	r := field / 2
	in, out := C*H*W, M*H*W
	mask := NewTensor(in, out)
	for c := 0; c < C; c++ {
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				row := mask.Row((c*H+y)*W + x)
				for m := 0; m < M; m++ {
					for oy := max(0, y-r); oy <= min(H-1, y+r); oy++ {
						for ox := max(0, x-r); ox <= min(W-1, x+r); ox++ {
							row[(m*H+oy)*W+ox] = 1
						}
					}
				}
			}
		}
	}
	return mask
}
