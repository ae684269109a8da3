package nn

import "fmt"

// Param is a trainable array with its gradient. Grad has the shape of Value.
type Param struct {
	Name  string
	Value *Tensor
	Grad  *Tensor
}

func newParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: NewTensor(shape...), Grad: NewTensor(shape...)}
}

// Layer is one stage of a Sequential network.
//
// Forward keeps what Backward needs; the returned tensor belongs to the layer
// and is overwritten by its next Forward. Backward takes the gradient of the
// loss with respect to the layer's last output, overwrites the gradients of
// the layer's parameters, and returns the gradient with respect to its input
// (nil when needInput is false, which saves the product for a first layer).
type Layer interface {
	Forward(e *Engine, x *Tensor) *Tensor
	Backward(e *Engine, dy *Tensor, needInput bool) *Tensor
	Params() []*Param
	// OutShape is the shape of one sample of the output for one sample of
	// input shaped in.
	OutShape(in []int) []int
	// MACs is the number of multiply-accumulates of Forward per sample.
	MACs() int64
}

// Sequential chains layers.
type Sequential struct {
	Layers []Layer
	// InShape is the shape of one input sample, such as [784].
	InShape []int
}

// Forward runs every layer in order and returns the last output. A
// convolution takes each sample through the sample-wise layers after it
// while the sample is in cache (the same numbers as layer by layer).
func (s *Sequential) Forward(e *Engine, x *Tensor) *Tensor {
	for i := 0; i < len(s.Layers); i++ {
		if c, after := s.convAt(i); c != nil && !e.hooksOutput() {
			x = c.forwardThrough(e, x, after)
			i += len(after)
			continue
		}
		x = s.Layers[i].Forward(e, x)
	}
	return x
}

// Backward propagates dy, the gradient of the loss with respect to the last
// output, through every layer, filling every parameter gradient. The input
// gradient of the first layer with parameters is not computed.
func (s *Sequential) Backward(e *Engine, dy *Tensor) {
	first := s.firstTrained()
	for i := len(s.Layers) - 1; i >= 0; i-- {
		if at, c, after := s.convBefore(i); c != nil && !e.hooksError() {
			dy = c.backwardThrough(e, dy, after, at > first)
			i = at
			continue
		}
		dy = s.Layers[i].Backward(e, dy, i > first)
	}
}

// convAt returns the convolution at layer i, if it is one, and the
// sample-wise layers right after it.
func (s *Sequential) convAt(i int) (*Conv2D, []sampleWise) {
	c, ok := s.Layers[i].(*Conv2D)
	if !ok {
		return nil, nil
	}
	var after []sampleWise
	for _, l := range s.Layers[i+1:] {
		w, ok := l.(sampleWise)
		if !ok {
			break
		}
		after = append(after, w)
	}
	return c, after
}

// convBefore returns, when layer i is the last of the sample-wise layers
// after a convolution (or that convolution), the convolution's index, the
// convolution and those layers: what convAt gave the forward pass.
func (s *Sequential) convBefore(i int) (int, *Conv2D, []sampleWise) {
	at := i
	for at >= 0 {
		if _, ok := s.Layers[at].(sampleWise); !ok {
			break
		}
		at--
	}
	if at < 0 {
		return 0, nil, nil
	}
	c, after := s.convAt(at)
	if c == nil || at+len(after) != i {
		return 0, nil, nil
	}
	return at, c, after
}

// firstTrained is the index of the first layer with parameters: the layers
// before it (a one-hot encoding) need no error, so the product that would
// give it to them is skipped.
func (s *Sequential) firstTrained() int {
	for i, l := range s.Layers {
		if len(l.Params()) > 0 {
			return i
		}
	}
	return len(s.Layers)
}

// Params returns every parameter, first layer first.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// MACs returns the forward multiply-accumulates per sample. A layer after
// a PerStep runs once per read-out step.
func (s *Sequential) MACs() int64 {
	var n int64
	rows := int64(1)
	for _, l := range s.Layers {
		n += rows * l.MACs()
		if p, ok := l.(*PerStep); ok {
			rows = int64(p.Steps)
		}
	}
	return n
}

// Denses returns the Dense layers in order.
func (s *Sequential) Denses() []*Dense {
	var ds []*Dense
	for _, l := range s.Layers {
		if d, ok := l.(*Dense); ok {
			ds = append(ds, d)
		}
	}
	return ds
}

// SetTraining switches every layer that behaves differently in training and
// in evaluation (BatchNorm) to training (on) or evaluation mode.
func (s *Sequential) SetTraining(on bool) {
	for _, l := range s.Layers {
		if m, ok := l.(interface{ SetTraining(bool) }); ok {
			m.SetTraining(on)
		}
	}
}

// State returns the tensors that layers update outside any optimizer
// (BatchNorm's running statistics), first layer first: a checkpoint keeps
// them with the parameters.
func (s *Sequential) State() []*Tensor {
	var ts []*Tensor
	for _, l := range s.Layers {
		if m, ok := l.(interface{ State() []*Tensor }); ok {
			ts = append(ts, m.State()...)
		}
	}
	return ts
}

// Twin returns a layer that shares l's parameters (and running statistics)
// but keeps buffers of its own, so that a second forward pass through the
// same weights leaves what l keeps for its Backward untouched. A BatchNorm
// twin normalises by the statistics of l's last forward pass, as constants:
// a second pass is then the same function of its input as the first.
func Twin(l Layer) Layer {
	switch l := l.(type) {
	case *Dense:
		return &Dense{In: l.In, Out: l.Out, W: l.W, B: l.B}
	case *Conv2D:
		return &Conv2D{C: l.C, H: l.H, W: l.W, F: l.F, K: l.K, Stride: l.Stride, Pad: l.Pad, OH: l.OH, OW: l.OW,
			Wt: l.Wt, B: l.B, src: l.source()}
	case *Act:
		return NewAct(l.F)
	case *MaxPool2D:
		return &MaxPool2D{C: l.C, H: l.H, W: l.W, Size: l.Size, OH: l.OH, OW: l.OW}
	case *BatchNorm:
		return &BatchNorm{C: l.C, P: l.P, Gamma: l.Gamma, Beta: l.Beta, Mean: l.Mean, Var: l.Var,
			Momentum: l.Momentum, Eps: l.Eps, from: l, mean: make([]float32, l.C), invStd: make([]float32, l.C)}
	case *Flatten:
		return NewFlatten(l.in)
	}
	panic(fmt.Sprintf("nn: no twin for layer %T", l))
}

// Weighted is a layer with weights that a rule can train from an error of
// its own making, paired with an input of its choosing: Dense and Conv2D.
type Weighted interface {
	Layer
	// Grads sets the gradients of the weights from delta, the error of the
	// layer's output, paired with in.
	Grads(e *Engine, in, delta *Tensor)
	// Input and Output return the input and output of the last Forward.
	Input() *Tensor
	Output() *Tensor
}
