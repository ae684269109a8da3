package nn

// Flatten views a C×H×W sample as one row of C·H·W values. Every tensor
// keeps its samples as rows already, so it copies nothing: it only changes
// the shape that the next layer sees.
type Flatten struct {
	in      []int
	y, dx   Tensor
	outSize int
}

// NewFlatten returns the flattening of samples shaped in.
func NewFlatten(in []int) *Flatten {
	return &Flatten{in: append([]int(nil), in...), outSize: size(in)}
}

func (f *Flatten) Forward(_ *Engine, x *Tensor) *Tensor {
	f.y = Tensor{Shape: []int{x.Rows(), f.outSize}, Data: x.Data}
	return &f.y
}

func (f *Flatten) Backward(_ *Engine, dy *Tensor, needInput bool) *Tensor {
	if !needInput {
		return nil
	}
	f.dx = Tensor{Shape: append([]int{dy.Rows()}, f.in...), Data: dy.Data}
	return &f.dx
}

func (f *Flatten) Params() []*Param     { return nil }
func (f *Flatten) OutShape([]int) []int { return []int{f.outSize} }
func (f *Flatten) MACs() int64          { return 0 }

// Output returns the last output.
func (f *Flatten) Output() *Tensor { return &f.y }
