package nn

import (
	"fmt"
	"math"
)

// Tensor is a dense float32 array in row-major order. Shape[0] is the batch
// dimension; Data has exactly the product of Shape elements.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// Rows returns the batch dimension, Shape[0].
func (t *Tensor) Rows() int { return t.Shape[0] }

// Cols returns the number of elements per batch row: the product of Shape[1:].
func (t *Tensor) Cols() int { return size(t.Shape[1:]) }

// size returns the number of elements of a shape.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Row returns row i as a slice that aliases t.Data.
func (t *Tensor) Row(i int) []float32 {
	c := t.Cols()
	return t.Data[i*c : (i+1)*c]
}

// Block returns rows [i·n, (i+1)·n) of t as a tensor sharing its data: step
// i of a time-major tensor of n samples per step.
func (t *Tensor) Block(i, n int) *Tensor {
	c := t.Cols()
	return &Tensor{Shape: []int{n, c}, Data: t.Data[i*n*c : (i+1)*n*c]}
}

// blockOf points v at block i of n rows of t and returns v, reusing v's
// shape: a loop's view of one step that allocates nothing per step.
func (v *Tensor) blockOf(t *Tensor, i, n int) *Tensor {
	c := t.Cols()
	v.Shape = append(v.Shape[:0], n, c)
	v.Data = t.Data[i*n*c : (i+1)*n*c]
	return v
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// HasNaNOrInf reports whether any element is NaN or ±Inf.
func (t *Tensor) HasNaNOrInf() bool {
	for _, v := range t.Data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return true
		}
	}
	return false
}

// reuse returns t when it already has the given shape, and a new zero tensor
// otherwise. Layers keep their outputs between steps this way, so that a
// training epoch allocates nothing after its first batch.
func reuse(t *Tensor, shape ...int) *Tensor {
	if t != nil && len(t.Shape) == len(shape) {
		same := true
		for i, d := range shape {
			if t.Shape[i] != d {
				same = false
				break
			}
		}
		if same {
			return t
		}
	}
	return NewTensor(shape...)
}

// AddColSums adds to dst the sum over rows of each column of m: the bias
// gradient of an error delta (batch×out).
func AddColSums(dst []float32, m *Tensor) {
	for i := 0; i < m.Rows(); i++ {
		for j, v := range m.Row(i) {
			dst[j] += v
		}
	}
}
