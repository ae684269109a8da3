package nn

import (
	"fmt"
	"math/rand/v2"
)

// ModelSpec describes a network in a suite.
type ModelSpec struct {
	// Kind is the architecture: "mlp" is a stack of Dense layers, "cnn"
	// convolution blocks and then Dense layers, "rnn" (Elman) and "lstm"
	// recurrent layers unrolled over a sequence task's steps with a Dense
	// readout at each step that has a target.
	Kind string `toml:"kind" json:"kind"`
	// Hidden lists the widths of the hidden layers, input side first (of a
	// recurrent net, the units of each stacked recurrent layer).
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
	// Embed is the width of the learned embedding of a token task's ids;
	// 0 feeds them one-hot.
	Embed int `toml:"embed" json:"embed,omitempty"`
	// Truncate is K of truncated backpropagation through time: gradients
	// flow back through at most K steps (0: all of them).
	Truncate int `toml:"truncate" json:"truncate,omitempty"`
	// Local, when set, makes the hidden layers of an "mlp" on images
	// locally connected: each is a topographic map of the input's H×W
	// positions, Hidden/(H·W) units at each, every unit connected to the
	// layer below within Local×Local positions around its own, weights
	// unshared (Hinton's Forward-Forward CIFAR-10 nets; see Dense.Mask).
	// The output layer stays fully connected. Odd; 0 connects everything.
	Local int `toml:"local" json:"local,omitempty"`
}

// Kinds lists the accepted model kinds.
var Kinds = []string{"mlp", "cnn", "rnn", "lstm"}

// Recurrent reports whether the kind is a recurrent net.
func (m ModelSpec) Recurrent() bool { return m.Kind == "rnn" || m.Kind == "lstm" }

// Resolved returns the spec with its defaults filled in.
func (m ModelSpec) Resolved() ModelSpec {
	if m.Activation == "" {
		m.Activation = "relu"
		if m.Recurrent() {
			m.Activation = "tanh"
		}
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
	case "rnn", "lstm":
		if len(m.Conv) > 0 || m.Kernel != 0 || m.Pool != 0 || m.Padding != 0 || m.BatchNorm {
			return fmt.Errorf("model.conv: conv, kernel, pool, padding and batch_norm belong to kind \"cnn\"")
		}
		if len(m.Hidden) == 0 {
			return fmt.Errorf("model.hidden: a recurrent net has at least one recurrent layer, such as hidden = [128]")
		}
		if m.Kind == "lstm" && m.Activation != "" && m.Activation != "tanh" {
			return fmt.Errorf("model.activation: an lstm's activation is tanh, not %q", m.Activation)
		}
		if m.Kind == "rnn" && m.Activation != "" && m.Activation != "tanh" && m.Activation != "relu" {
			return fmt.Errorf("model.activation: %q (accepted for rnn: tanh, relu)", m.Activation)
		}
		if m.Embed < 0 || m.Truncate < 0 {
			return fmt.Errorf("model.embed, model.truncate: must not be negative")
		}
	default:
		return fmt.Errorf("model.kind: unknown model %q (accepted: mlp, cnn, rnn, lstm)", m.Kind)
	}
	if m.Local != 0 && (m.Kind != "mlp" || m.Local < 0 || m.Local%2 == 0) {
		return fmt.Errorf("model.local: a receptive field of %d (accepted: an odd width ≥ 1, for kind \"mlp\")", m.Local)
	}
	if !m.Recurrent() && (m.Embed != 0 || m.Truncate != 0) {
		return fmt.Errorf("model.embed, model.truncate: belong to kinds \"rnn\" and \"lstm\"")
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

// CheckInput reports what keeps m from reading samples shaped in, beyond
// what Validate sees: convolutions and locally connected layers need
// C×H×W images, every convolution and pooling an output, and locally
// connected layers whole maps of their positions.
func (m ModelSpec) CheckInput(in []int) error {
	if m.Kind == "cnn" {
		return m.Resolved().checkMaps(in)
	}
	if m.Local == 0 {
		return nil
	}
	if len(in) != 3 {
		return fmt.Errorf("model.local: locally connected layers need C×H×W images, not samples shaped %v", in)
	}
	for i, h := range m.Hidden {
		if pos := in[1] * in[2]; h%pos != 0 {
			return fmt.Errorf("model.hidden[%d]: %d units do not make whole maps of the input's %d×%d positions (accepted: multiples of %d)", i, h, in[1], in[2], pos)
		}
	}
	return nil
}

// checkMaps follows the maps of a cnn's images shaped in through its
// convolutions and poolings, as BuildIO makes them.
func (m ModelSpec) checkMaps(in []int) error {
	if len(in) != 3 {
		return fmt.Errorf("model.kind: a cnn needs C×H×W images, not samples shaped %v", in)
	}
	h, w := in[1], in[2]
	for i := range m.Conv {
		if side := min(h, w) + 2*m.Padding; side < m.Kernel {
			return fmt.Errorf("model.kernel: %d×%d does not fit the %d×%d maps that convolution %d reads, padded by %d (accepted: at most %d)",
				m.Kernel, m.Kernel, h, w, i+1, m.Padding, side)
		}
		h, w = h+2*m.Padding-m.Kernel+1, w+2*m.Padding-m.Kernel+1
		if side := min(h, w); side < m.Pool {
			return fmt.Errorf("model.pool: %d×%d does not fit the %d×%d maps of convolution %d (accepted: at most %d)",
				m.Pool, m.Pool, h, w, i+1, side)
		}
		h, w = h/m.Pool, w/m.Pool
	}
	return nil
}

// IO is what a network reads and writes.
type IO struct {
	// In is the shape of one input sample: [T F] for a sequence of T steps
	// of F features, [T] for T token ids.
	In []int
	// Out is the number of outputs per read-out step: logits or values.
	Out int
	// Steps is the number of a sequence's last steps that have a target
	// (1: the last, T: every step); 0 for a task that is not a sequence.
	Steps int
	// Vocab is the number of token ids of a token sequence, 0 for features.
	Vocab int
}

// Build returns the network of m for inputs shaped in and nOut outputs
// (logits), initialised from r. An MLP is Dense, Act, …, Dense: the last layer
// has no activation.
func Build(m ModelSpec, in []int, nOut int, r *rand.Rand) (*Sequential, error) {
	return BuildIO(m, IO{In: in, Out: nOut}, r)
}

// BuildIO is Build for any task, sequences included. A recurrent net is an
// optional Embedding, recurrent layers (all but the last read out every
// step), PerStep when more than one step is read out, and a Dense readout.
func BuildIO(m ModelSpec, io IO, r *rand.Rand) (*Sequential, error) {
	m = m.Resolved()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Recurrent() {
		s, err := buildRecurrent(m, io)
		if err != nil {
			return nil, err
		}
		return s, Initialize(s, m.Init, r)
	}
	if io.Steps > 0 {
		return nil, fmt.Errorf("model.kind: a sequence task with a target at each of %d steps needs a recurrent net (rnn, lstm), not %q", io.Steps, m.Kind)
	}
	in, nOut := io.In, io.Out
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
	if err := m.CheckInput(in); err != nil {
		return nil, err
	}
	for i, h := range m.Hidden {
		d := NewDense(width, h)
		if m.Local > 0 {
			C, H, W := in[0], in[1], in[2]
			if i > 0 {
				C = m.Hidden[i-1] / (H * W)
			}
			d.Mask = Local(C, H, W, h/(H*W), m.Local)
		}
		s.Layers = append(s.Layers, d, NewAct(act))
		width = h
	}
	s.Layers = append(s.Layers, NewDense(width, nOut))
	if err := Initialize(s, m.Init, r); err != nil {
		return nil, err
	}
	return s, nil
}

func buildRecurrent(m ModelSpec, io IO) (*Sequential, error) {
	if io.Steps == 0 || len(io.In) == 0 {
		return nil, fmt.Errorf("model.kind: %q needs a sequence task, and this task's samples are shaped %v", m.Kind, io.In)
	}
	s := &Sequential{InShape: append([]int(nil), io.In...)}
	T, width := io.In[0], 1
	for _, d := range io.In[1:] {
		width *= d
	}
	if io.Vocab > 0 {
		if len(io.In) != 1 {
			return nil, fmt.Errorf("nn: token sequences are shaped [T], not %v", io.In)
		}
		emb := NewEmbedding(io.Vocab, m.Embed, T)
		s.Layers = append(s.Layers, emb)
		width = emb.width()
	}
	act, _ := ActivationByName(m.Activation)
	for i, h := range m.Hidden {
		steps := T
		if i == len(m.Hidden)-1 {
			steps = io.Steps
		}
		l, err := NewRecurrent(m.Kind, width, h, T, steps, act)
		if err != nil {
			return nil, err
		}
		l.Truncate = m.Truncate
		s.Layers = append(s.Layers, l)
		width = h
	}
	if io.Steps > 1 {
		s.Layers = append(s.Layers, &PerStep{Steps: io.Steps, Width: width})
	}
	s.Layers = append(s.Layers, NewDense(width, io.Out))
	return s, nil
}
