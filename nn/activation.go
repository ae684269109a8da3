package nn

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/internal/vecmath"
)

// Activation is an elementwise nonlinearity φ whose derivative can be written
// in terms of its output h = φ(a), as it can for every function here.
type Activation interface {
	Name() string
	// Apply sets dst[i] = φ(src[i]); dst and src may be the same slice.
	Apply(dst, src []float32)
	// Deriv sets dst[i] = φ'(a[i]) given h[i] = φ(a[i]).
	Deriv(dst, h []float32)
}

// ActivationByName returns the activation named relu, tanh, sigmoid or
// identity.
func ActivationByName(name string) (Activation, error) {
	switch name {
	case "relu":
		return ReLU{}, nil
	case "tanh":
		return Tanh{}, nil
	case "sigmoid":
		return Sigmoid{}, nil
	case "identity", "linear":
		return Identity{}, nil
	}
	return nil, fmt.Errorf("nn: unknown activation %q (accepted: relu, tanh, sigmoid, identity)", name)
}

// ReLU is max(0, a).
type ReLU struct{}

func (ReLU) Name() string             { return "relu" }
func (ReLU) Apply(dst, src []float32) { vecmath.ReLU(dst, src) }
func (ReLU) Deriv(dst, h []float32) {
	for i, v := range h {
		if v > 0 {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// Tanh is the hyperbolic tangent; φ' = 1 − h².
type Tanh struct{}

func (Tanh) Name() string { return "tanh" }
func (Tanh) Apply(dst, src []float32) {
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}
func (Tanh) Deriv(dst, h []float32) {
	for i, v := range h {
		dst[i] = 1 - v*v
	}
}

// Sigmoid is 1/(1+e^−a); φ' = h(1 − h).
type Sigmoid struct{}

func (Sigmoid) Name() string { return "sigmoid" }
func (Sigmoid) Apply(dst, src []float32) {
	for i, v := range src {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}
func (Sigmoid) Deriv(dst, h []float32) {
	for i, v := range h {
		dst[i] = v * (1 - v)
	}
}

// Identity is φ(a) = a.
type Identity struct{}

func (Identity) Name() string             { return "identity" }
func (Identity) Apply(dst, src []float32) { copy(dst, src) }
func (Identity) Deriv(dst, h []float32) {
	for i := range h {
		dst[i] = 1
	}
}

// Act is a layer that applies an Activation elementwise.
type Act struct {
	F Activation

	y, dx *Tensor
}

// NewAct returns the layer for f.
func NewAct(f Activation) *Act { return &Act{F: f} }

// Forward returns φ(x).
func (a *Act) Forward(e *Engine, x *Tensor) *Tensor {
	a.start(x)
	e.Split(len(x.Data), func(lo, hi int) { a.F.Apply(a.y.Data[lo:hi], x.Data[lo:hi]) })
	return a.y
}

// Backward returns dy ⊙ φ'(a).
func (a *Act) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	if !needInput {
		return nil
	}
	a.dx = reuse(a.dx, dy.Shape...)
	e.Split(len(a.y.Data), func(lo, hi int) { a.backward(dy.Data[lo:hi], a.dx.Data[lo:hi], a.y.Data[lo:hi]) })
	return a.dx
}

func (a *Act) start(x *Tensor) *Tensor {
	a.y = reuse(a.y, x.Shape...)
	return a.y
}

func (a *Act) sample(x []float32, s int) { a.F.Apply(a.y.Row(s), x) }

func (a *Act) sampleBack(dx, g []float32, s int) { a.backward(g, dx, a.y.Row(s)) }

// backward sets dx = g ⊙ φ'(a) from the outputs h.
func (a *Act) backward(g, dx, h []float32) {
	if _, ok := a.F.(ReLU); ok { // the common case, in one branch-free pass
		vecmath.PassIfPositive(dx[:len(h)], g, h)
		return
	}
	a.F.Deriv(dx, h)
	for i, v := range g {
		dx[i] *= v
	}
}

// Output returns the last output h = φ(a).
func (a *Act) Output() *Tensor { return a.y }

func (a *Act) Params() []*Param        { return nil }
func (a *Act) OutShape(in []int) []int { return in }
func (a *Act) MACs() int64             { return 0 }
