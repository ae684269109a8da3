package nn

import (
	"fmt"
	"math"

	"github.com/creditbench/creditbench/internal/vecmath"
)

// Optimizer applies the gradients held in params to their values.
type Optimizer interface {
	Step(params []*Param)
}

// SGD is stochastic gradient descent with momentum, in PyTorch's form:
// v ← μ·v + g + λ·w; w ← w − lr·v (with Nesterov: w ← w − lr·(g + λ·w + μ·v)).
// Its zero value (lr 0) does nothing.
type SGD struct {
	LR          float32 // learning rate, > 0
	Momentum    float32 // μ in [0, 1); 0 is plain SGD
	WeightDecay float32 // λ ≥ 0
	Nesterov    bool
	// Engine, when set, lends its cores to the update of large parameters;
	// the result is the same.
	Engine *Engine

	v map[*Param][]float32
}

// Step updates every parameter.
func (o *SGD) Step(params []*Param) {
	for _, p := range params {
		v := o.buffer(p)
		o.Engine.Split(len(p.Value.Data), func(lo, hi int) {
			var vp []float32
			if v != nil {
				vp = v[lo:hi]
			}
			o.step(p.Value.Data[lo:hi], p.Grad.Data[lo:hi], vp)
		})
	}
}

// buffer returns p's momentum buffer, nil without momentum.
func (o *SGD) buffer(p *Param) []float32 {
	if o.Momentum == 0 {
		return nil
	}
	if o.v == nil {
		o.v = make(map[*Param][]float32)
	}
	v := o.v[p]
	if v == nil {
		v = make([]float32, len(p.Value.Data))
		o.v[p] = v
	}
	return v
}

// step updates the weights w with their gradients g and momentum buffer v,
// each product rounded before it is added (vecmath's Axpy: the pure-Go
// BLAS's bits; OpenBLAS fuses them), so that no record depends on the BLAS.
func (o *SGD) step(w, g, v []float32) {
	if o.Momentum == 0 {
		if o.WeightDecay != 0 {
			vecmath.Scale(w, 1-o.LR*o.WeightDecay)
		}
		vecmath.Axpy(w, g, -o.LR)
		return
	}
	vecmath.ScaleAdd(v, g, o.Momentum) // v ← μ·v + g + λ·w
	if o.WeightDecay != 0 {
		vecmath.Axpy(v, w, o.WeightDecay)
	}
	if o.Nesterov { // w ← w − lr·(g + λ·w + μ·v)
		if o.WeightDecay != 0 {
			vecmath.Scale(w, 1-o.LR*o.WeightDecay)
		}
		vecmath.Axpy(w, g, -o.LR)
		vecmath.Axpy(w, v, -o.LR*o.Momentum)
	} else {
		vecmath.Axpy(w, v, -o.LR)
	}
}

// Adam is Kingma & Ba's optimizer with bias correction:
// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
// w ← w − lr·m̂/(√v̂ + ε), with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
type Adam struct {
	LR           float32 // learning rate, > 0
	Beta1, Beta2 float32 // in [0, 1); 0.9 and 0.999 when zero
	Eps          float32 // > 0; 1e-8 when zero
	WeightDecay  float32 // λ ≥ 0, added to the gradient

	t    int
	m, v map[*Param][]float32
}

// Step updates every parameter.
func (o *Adam) Step(params []*Param) {
	o.setup()
	o.t++
	c1 := 1 - math.Pow(float64(o.Beta1), float64(o.t))
	c2 := 1 - math.Pow(float64(o.Beta2), float64(o.t))
	step := float32(float64(o.LR) * math.Sqrt(c2) / c1)
	eps := float32(float64(o.Eps) * math.Sqrt(c2))
	for _, p := range params {
		w, g := p.Value.Data, p.Grad.Data
		m, v := o.m[p], o.v[p]
		if m == nil {
			m, v = make([]float32, len(w)), make([]float32, len(w))
			o.m[p], o.v[p] = m, v
		}
		for i := range w {
			gi := g[i] + o.WeightDecay*w[i]
			m[i] = o.Beta1*m[i] + (1-o.Beta1)*gi
			v[i] = o.Beta2*v[i] + (1-o.Beta2)*gi*gi
			w[i] -= step * m[i] / (float32(math.Sqrt(float64(v[i]))) + eps)
		}
	}
}

// RMSprop divides each gradient by a running root mean square, in PyTorch's
// form: v ← α·v + (1−α)·g²; w ← w − lr·g/(√v + ε), with g including λ·w.
type RMSprop struct {
	LR          float32 // learning rate, > 0
	Alpha       float32 // decay of the running square in [0, 1); 0.99 when zero
	Eps         float32 // > 0; 1e-8 when zero
	WeightDecay float32 // λ ≥ 0, added to the gradient

	v map[*Param][]float32
}

var _ StatefulOptimizer = (*RMSprop)(nil)

// Step updates every parameter.
func (o *RMSprop) Step(params []*Param) {
	o.setup()
	for _, p := range params {
		w, g := p.Value.Data, p.Grad.Data
		v := o.v[p]
		if v == nil {
			v = make([]float32, len(w))
			o.v[p] = v
		}
		for i := range w {
			gi := g[i] + o.WeightDecay*w[i]
			v[i] = o.Alpha*v[i] + (1-o.Alpha)*gi*gi
			w[i] -= o.LR * gi / (float32(math.Sqrt(float64(v[i]))) + o.Eps)
		}
	}
}

func (o *RMSprop) setup() {
	if o.v != nil {
		return
	}
	o.v = make(map[*Param][]float32)
	if o.Alpha == 0 {
		o.Alpha = 0.99
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
}

// State returns the running squares.
func (o *RMSprop) State(params []*Param) OptimizerState {
	return OptimizerState{Slots: slotsOf(params, o.v)}
}

// SetState restores the running squares.
func (o *RMSprop) SetState(params []*Param, s OptimizerState) error {
	o.setup()
	return setSlots(params, s, o.v)
}

// OptimizerSpec describes an optimizer in a suite.
type OptimizerSpec struct {
	Name        string  `toml:"name" json:"name"`                 // sgd | adam | rmsprop
	LR          float64 `toml:"lr" json:"lr"`                     // > 0
	Momentum    float64 `toml:"momentum" json:"momentum"`         // sgd only, [0, 1)
	Nesterov    bool    `toml:"nesterov" json:"nesterov"`         // sgd only
	Beta1       float64 `toml:"beta1" json:"beta1,omitempty"`     // adam only; 0.9 when 0
	Beta2       float64 `toml:"beta2" json:"beta2,omitempty"`     // adam only; 0.999 when 0
	Eps         float64 `toml:"eps" json:"eps,omitempty"`         // adam, rmsprop; 1e-8 when 0
	Alpha       float64 `toml:"alpha" json:"alpha,omitempty"`     // rmsprop only; 0.99 when 0
	WeightDecay float64 `toml:"weight_decay" json:"weight_decay"` // ≥ 0
	// Clip, when positive, scales each update's gradients down to this
	// global L2 norm when they exceed it (PyTorch's clip_grad_norm_), as
	// backpropagation through long sequences needs.
	Clip float64 `toml:"clip" json:"clip,omitempty"`
	// Schedule scales lr by epoch: "" keeps it; "linear_cooldown" keeps it
	// for the first half of the epochs and then takes it down linearly,
	// lr·2(1 + E − e)/E at epoch e of E (loeweX's Forward-Forward schedule).
	Schedule string `toml:"schedule" json:"schedule,omitempty"`
}

// Schedules lists the accepted values of OptimizerSpec.Schedule.
var Schedules = []string{"", "linear_cooldown"}

// LRFactor returns the factor of the learning rate at epoch (from 1) of
// epochs under the spec's schedule.
func (s OptimizerSpec) LRFactor(epoch, epochs int) float64 {
	if s.Schedule == "linear_cooldown" && epoch > epochs/2 {
		return 2 * float64(1+epochs-epoch) / float64(epochs)
	}
	return 1
}

// Validate reports the first field outside its range.
func (s OptimizerSpec) Validate() error {
	switch s.Name {
	case "sgd":
		if s.Beta1 != 0 || s.Beta2 != 0 || s.Eps != 0 || s.Alpha != 0 {
			return fmt.Errorf("optimizer: beta1, beta2, eps and alpha do not belong to sgd")
		}
	case "adam":
		if s.Momentum != 0 || s.Nesterov || s.Alpha != 0 {
			return fmt.Errorf("optimizer: momentum, nesterov and alpha do not belong to adam")
		}
	case "rmsprop":
		if s.Momentum != 0 || s.Nesterov || s.Beta1 != 0 || s.Beta2 != 0 {
			return fmt.Errorf("optimizer: momentum, nesterov, beta1 and beta2 do not belong to rmsprop")
		}
	default:
		return fmt.Errorf("optimizer.name: unknown optimizer %q (accepted: sgd, adam, rmsprop)", s.Name)
	}
	switch {
	case !(s.LR > 0):
		return fmt.Errorf("optimizer.lr: %v is not > 0", s.LR)
	case s.Momentum < 0 || s.Momentum >= 1:
		return fmt.Errorf("optimizer.momentum: %v is outside [0, 1)", s.Momentum)
	case s.WeightDecay < 0:
		return fmt.Errorf("optimizer.weight_decay: %v is negative", s.WeightDecay)
	case s.Beta1 < 0 || s.Beta1 >= 1 || s.Beta2 < 0 || s.Beta2 >= 1:
		return fmt.Errorf("optimizer: beta1 and beta2 must lie in [0, 1)")
	case s.Clip < 0:
		return fmt.Errorf("optimizer.clip: %v is negative (0 does not clip)", s.Clip)
	case s.Eps < 0:
		return fmt.Errorf("optimizer.eps: %v is negative", s.Eps)
	case s.Alpha < 0 || s.Alpha >= 1:
		return fmt.Errorf("optimizer.alpha: %v is outside [0, 1)", s.Alpha)
	case s.Schedule != "" && s.Schedule != "linear_cooldown":
		return fmt.Errorf("optimizer.schedule: unknown schedule %q (accepted: linear_cooldown, or none)", s.Schedule)
	}
	return nil
}

// New returns a fresh optimizer for the spec; call Validate first.
func (s OptimizerSpec) New() StatefulOptimizer { return s.NewFor(nil) }

// NewFor returns the optimizer s describes, lending e's cores to its updates
// where it can (see SGD.Engine).
func (s OptimizerSpec) NewFor(e *Engine) StatefulOptimizer {
	o := s.newUnclipped()
	if sgd, ok := o.(*SGD); ok {
		sgd.Engine = e
	}
	if s.Clip > 0 {
		return clipped{o, float32(s.Clip)}
	}
	return o
}

// clipped clips the gradients by their global norm before each step.
type clipped struct {
	StatefulOptimizer
	norm float32
}

func (c clipped) Step(params []*Param) {
	ClipNorm(params, c.norm)
	c.StatefulOptimizer.Step(params)
}

// ClipNorm scales the gradients of params, in place, so that their global
// L2 norm is at most limit.
func ClipNorm(params []*Param, limit float32) {
	var sq float64
	for _, p := range params {
		for _, g := range p.Grad.Data {
			sq += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sq)
	if norm <= float64(limit) {
		return
	}
	scale := float32(float64(limit) / norm)
	for _, p := range params {
		for i := range p.Grad.Data {
			p.Grad.Data[i] *= scale
		}
	}
}

func (s OptimizerSpec) newUnclipped() StatefulOptimizer {
	if s.Name == "rmsprop" {
		return &RMSprop{LR: float32(s.LR), Alpha: float32(s.Alpha), Eps: float32(s.Eps), WeightDecay: float32(s.WeightDecay)}
	}
	if s.Name == "adam" {
		return &Adam{LR: float32(s.LR), Beta1: float32(s.Beta1), Beta2: float32(s.Beta2),
			Eps: float32(s.Eps), WeightDecay: float32(s.WeightDecay)}
	}
	return &SGD{LR: float32(s.LR), Momentum: float32(s.Momentum), Nesterov: s.Nesterov,
		WeightDecay: float32(s.WeightDecay)}
}

// setup fills in the defaults and the state maps on first use.
func (o *Adam) setup() {
	if o.m != nil {
		return
	}
	o.m, o.v = make(map[*Param][]float32), make(map[*Param][]float32)
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
}

// OptimizerState is the internal state of an optimizer: a step count and, per
// parameter in the order given, its arrays (nil where none exists yet). It is
// what a checkpoint must keep for training to go on bit for bit.
type OptimizerState struct {
	Steps int
	Slots [][][]float32 // per parameter: SGD [v], Adam [m, v]
}

// StatefulOptimizer is an optimizer whose state can be saved and restored.
type StatefulOptimizer interface {
	Optimizer
	State(params []*Param) OptimizerState
	SetState(params []*Param, s OptimizerState) error
	// LearningRate is a pointer to the learning rate, for schedules.
	LearningRate() *float32
}

func (o *SGD) LearningRate() *float32     { return &o.LR }
func (o *Adam) LearningRate() *float32    { return &o.LR }
func (o *RMSprop) LearningRate() *float32 { return &o.LR }

var (
	_ StatefulOptimizer = (*SGD)(nil)
	_ StatefulOptimizer = (*Adam)(nil)
)

func slotsOf(params []*Param, maps ...map[*Param][]float32) [][][]float32 {
	out := make([][][]float32, len(params))
	for i, p := range params {
		for _, m := range maps {
			out[i] = append(out[i], append([]float32(nil), m[p]...))
		}
	}
	return out
}

func setSlots(params []*Param, s OptimizerState, maps ...map[*Param][]float32) error {
	if len(s.Slots) != len(params) {
		return fmt.Errorf("nn: optimizer state for %d parameters, the network has %d", len(s.Slots), len(params))
	}
	for i, p := range params {
		if len(s.Slots[i]) != len(maps) {
			return fmt.Errorf("nn: optimizer state of parameter %d has %d arrays, want %d", i, len(s.Slots[i]), len(maps))
		}
		for k, m := range maps {
			switch v := s.Slots[i][k]; {
			case len(v) == 0:
				delete(m, p)
			case len(v) != len(p.Value.Data):
				return fmt.Errorf("nn: optimizer state of parameter %d has %d values, want %d", i, len(v), len(p.Value.Data))
			default:
				m[p] = append([]float32(nil), v...)
			}
		}
	}
	return nil
}

// State returns the momentum buffers.
func (o *SGD) State(params []*Param) OptimizerState {
	return OptimizerState{Slots: slotsOf(params, o.v)}
}

// SetState restores the momentum buffers.
func (o *SGD) SetState(params []*Param, s OptimizerState) error {
	if o.v == nil {
		o.v = make(map[*Param][]float32)
	}
	return setSlots(params, s, o.v)
}

// State returns the step count and both moment estimates.
func (o *Adam) State(params []*Param) OptimizerState {
	return OptimizerState{Steps: o.t, Slots: slotsOf(params, o.m, o.v)}
}

// SetState restores the step count and both moment estimates.
func (o *Adam) SetState(params []*Param, s OptimizerState) error {
	o.setup()
	o.t = s.Steps
	return setSlots(params, s, o.m, o.v)
}
