package nn

// Hooks let a precision or device model act on the numbers of a run without
// any learning rule knowing: every Dense and Conv2D product passes its
// operands through them. A nil field does nothing, and an Engine without
// Hooks computes exactly as if they did not exist.
type Hooks struct {
	// Input acts on a copy of every activation that enters a product
	// (forward, and the inputs of weight gradients): number format, DAC.
	Input func(t *Tensor)
	// Output acts in place on every such product's output (forward, and
	// the input gradient of backpropagation): ADC, read noise.
	Output func(t *Tensor)
	// Error acts on a copy of every error that enters a product (the δ of a
	// weight gradient, the dY of backpropagation): errors and targets'
	// number format.
	Error func(t *Tensor)
}

// hooked returns t, or a copy of t transformed by f when f is set; buf is
// reused for the copy.
func hooked(f func(*Tensor), t *Tensor, buf **Tensor) *Tensor {
	if f == nil {
		return t
	}
	*buf = reuse(*buf, t.Shape...)
	copy((*buf).Data, t.Data)
	f(*buf)
	return *buf
}

func (e *Engine) input(t *Tensor, buf **Tensor) *Tensor {
	if e.Hooks == nil {
		return t
	}
	return hooked(e.Hooks.Input, t, buf)
}

func (e *Engine) errorOf(t *Tensor, buf **Tensor) *Tensor {
	if e.Hooks == nil {
		return t
	}
	return hooked(e.Hooks.Error, t, buf)
}

func (e *Engine) output(t *Tensor) {
	if e.Hooks != nil && e.Hooks.Output != nil {
		e.Hooks.Output(t)
	}
}

// hooksOutput reports whether an Output hook is set: it acts on a
// product's whole output, so no layer may read a part of it before.
func (e *Engine) hooksOutput() bool { return e.Hooks != nil && e.Hooks.Output != nil }

// hooksError reports whether an Error hook is set: it acts on the whole
// error of a product, so that error must be whole before it is used.
func (e *Engine) hooksError() bool { return e.Hooks != nil && e.Hooks.Error != nil }
