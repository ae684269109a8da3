package nn

import (
	"fmt"
	"math/rand/v2"
)

// ModelSpec describes a network in a suite.
type ModelSpec struct {
	// Kind is the architecture; "mlp" is a stack of Dense layers.
	Kind string `toml:"kind" json:"kind"`
	// Hidden lists the widths of the hidden layers, input side first.
	Hidden []int `toml:"hidden" json:"hidden"`
	// Activation of every hidden layer: relu, tanh, sigmoid or identity.
	Activation string `toml:"activation" json:"activation"`
	// Init is the weight initialiser (he, glorot, torch); empty picks he for
	// relu and glorot otherwise.
	Init string `toml:"init" json:"init"`
}

// Resolved returns the spec with its defaults filled in.
func (m ModelSpec) Resolved() ModelSpec {
	if m.Activation == "" {
		m.Activation = "relu"
	}
	if m.Init == "" {
		m.Init = "glorot"
		if m.Activation == "relu" {
			m.Init = "he"
		}
	}
	m.Hidden = append([]int{}, m.Hidden...)
	return m
}

// Validate reports the first field that cannot be built.
func (m ModelSpec) Validate() error {
	if m.Kind != "mlp" {
		return fmt.Errorf("model.kind: unknown model %q (accepted: mlp)", m.Kind)
	}
	for i, h := range m.Hidden {
		if h <= 0 {
			return fmt.Errorf("model.hidden[%d]: width %d is not positive", i, h)
		}
	}
	if _, err := ActivationByName(m.Activation); m.Activation != "" && err != nil {
		return fmt.Errorf("model.activation: %v", err)
	}
	switch m.Init {
	case "", "he", "glorot", "torch":
	default:
		return fmt.Errorf("model.init: unknown initialiser %q (accepted: he, glorot, torch)", m.Init)
	}
	return nil
}

// Build returns the network of m for inputs shaped in and nOut outputs
// (logits), initialised from r. An MLP is Dense, Act, …, Dense: the last layer
// has no activation.
func Build(m ModelSpec, in []int, nOut int, r *rand.Rand) (*Sequential, error) {
	m = m.Resolved()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	act, _ := ActivationByName(m.Activation)
	s := &Sequential{InShape: append([]int(nil), in...)}
	width := 1
	for _, d := range in {
		width *= d
	}
	for _, h := range m.Hidden {
		s.Layers = append(s.Layers, NewDense(width, h), NewAct(act))
		width = h
	}
	s.Layers = append(s.Layers, NewDense(width, nOut))
	if err := Initialize(s, m.Init, r); err != nil {
		return nil, err
	}
	return s, nil
}
