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
	// Conv lists the filters of each convolution block of a "cnn":
	// Conv(K×K, stride 1, Padding), activation, MaxPool(Pool×Pool), and
	// BatchNorm when BatchNorm is set; the Hidden layers and the output
	// layer follow the last block.
	Conv      []int `toml:"conv" json:"conv,omitempty"`
	Kernel    int   `toml:"kernel" json:"kernel,omitempty"` // 5 when 0
	Pool      int   `toml:"pool" json:"pool,omitempty"`     // 2 when 0
	Padding   int   `toml:"padding" json:"padding,omitempty"`
	BatchNorm bool  `toml:"batch_norm" json:"batch_norm,omitempty"`
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
	if m.Kind == "cnn" {
		if m.Kernel == 0 {
			m.Kernel = 5
		}
		if m.Pool == 0 {
			m.Pool = 2
		}
	}
	return m
}

// Validate reports the first field that cannot be built.
func (m ModelSpec) Validate() error {
	switch m.Kind {
	case "mlp":
		if len(m.Conv) > 0 || m.Kernel != 0 || m.Pool != 0 || m.Padding != 0 || m.BatchNorm {
			return fmt.Errorf("model.conv: conv, kernel, pool, padding and batch_norm belong to kind \"cnn\"")
		}
	case "cnn":
		if len(m.Conv) == 0 {
			return fmt.Errorf("model.conv: a cnn has at least one convolution, such as conv = [32]")
		}
		for i, f := range m.Conv {
			if f <= 0 {
				return fmt.Errorf("model.conv[%d]: %d filters is not positive", i, f)
			}
		}
		if m.Kernel < 0 || m.Pool < 0 {
			return fmt.Errorf("model.kernel, model.pool: must be positive")
		}
		if m.Padding < 0 {
			return fmt.Errorf("model.padding: %d is negative", m.Padding)
		}
	default:
		return fmt.Errorf("model.kind: unknown model %q (accepted: mlp, cnn)", m.Kind)
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
	shape := append([]int(nil), in...)
	for _, f := range m.Conv {
		if len(shape) != 3 {
			return nil, fmt.Errorf("nn: a convolution needs C×H×W inputs, not %v", shape)
		}
		conv, err := NewConv2D(shape[0], shape[1], shape[2], f, m.Kernel, 1, m.Padding)
		if err != nil {
			return nil, err
		}
		pool, err := NewMaxPool2D(f, conv.OH, conv.OW, m.Pool)
		if err != nil {
			return nil, err
		}
		// Pooling runs before the activation: for the non-decreasing
		// activations here φ(max x) = max φ(x), so the block computes
		// Conv-φ-MaxPool exactly (and routes the same gradients), at a
		// quarter of the activation's work.
		s.Layers = append(s.Layers, conv, pool, NewAct(act))
		shape = pool.OutShape(nil)
		if m.BatchNorm {
			s.Layers = append(s.Layers, NewBatchNorm(f, pool.OH*pool.OW))
		}
	}
	if len(m.Conv) > 0 { // an MLP reads image-shaped input as rows already
		s.Layers = append(s.Layers, NewFlatten(shape))
	}
	width := 1
	for _, d := range shape {
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
