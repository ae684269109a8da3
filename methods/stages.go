package methods

import (
	"fmt"

	"github.com/creditbench/creditbench/nn"
)

// stage is what a layer-local rule calls a layer: one weighted layer (Dense
// or Conv2D) with the layers after it up to the next weighted one
// (activation, pooling, normalisation, flattening). In an MLP a stage is
// Dense, activation; in the paper's CNN the first stage is Conv, MaxPool,
// ReLU, Flatten and its output h_1 is the whole first feature map.
type stage struct {
	w     nn.Weighted
	post  []nn.Layer
	width int // values per sample of the stage's output

	twins []nn.Layer // w and post sharing their weights, for second passes
}

// stagesOf splits net into stages. The last stage of a classifier is its
// output layer: a Dense layer with nothing after it.
func stagesOf(net *nn.Sequential) ([]*stage, error) {
	var ss []*stage
	shape := net.InShape
	for i, l := range net.Layers {
		shape = l.OutShape(shape)
		if w, ok := l.(nn.Weighted); ok {
			ss = append(ss, &stage{w: w})
		} else if len(ss) == 0 {
			return nil, fmt.Errorf("methods: layer %d (%T) comes before any weighted layer", i, l)
		} else {
			ss[len(ss)-1].post = append(ss[len(ss)-1].post, l)
		}
		ss[len(ss)-1].width = size(shape)
	}
	if len(ss) == 0 {
		return nil, fmt.Errorf("methods: the model has no weighted layer")
	}
	if last := ss[len(ss)-1]; len(last.post) > 0 {
		return nil, fmt.Errorf("methods: the model ends in %T, not in its output layer", last.post[len(last.post)-1])
	} else if _, ok := last.w.(*nn.Dense); !ok {
		return nil, fmt.Errorf("methods: the output layer is %T, not Dense", last.w)
	}
	return ss, nil
}

// hiddenStagesOf is stagesOf for the rules that need a hidden stage.
func hiddenStagesOf(rule string, net *nn.Sequential) ([]*stage, error) {
	ss, err := stagesOf(net)
	if err == nil && len(ss) < 2 {
		err = fmt.Errorf("%s: the model has no hidden layer to train", rule)
	}
	return ss, err
}

// usesStages is the Uses of the rules that train any stack of stages: MLPs
// with a hidden layer and CNNs.
func usesStages(rule string, m nn.ModelSpec) error {
	switch m.Kind {
	case "cnn":
		return nil
	case "mlp":
		return usesHiddenMLP(rule, m)
	}
	return fmt.Errorf("%s: model kind %q is not supported (accepted: mlp, cnn)", rule, m.Kind)
}

// output returns the stage's output of the last forward pass.
func (s *stage) output() *nn.Tensor {
	if len(s.post) == 0 {
		return s.w.Output()
	}
	return s.post[len(s.post)-1].(interface{ Output() *nn.Tensor }).Output()
}

// grads sets the gradients of the stage's parameters from dy, the error of
// its output: dy goes back through the layers after the weighted one (as
// far as the weighted layer's output, no further) and is paired there with
// in, or with the weighted layer's own input when in is nil.
func (s *stage) grads(e *nn.Engine, dy, in *nn.Tensor) {
	if in == nil {
		in = s.w.Input()
	}
	// A convolution takes each sample's error back through its pooling and
	// activation while in cache, where it can; the same numbers.
	if c, ok := s.w.(*nn.Conv2D); ok && c.GradsThrough(e, in, dy, s.post) {
		return
	}
	s.w.Grads(e, in, s.backToW(e, dy))
}

// backToW takes dy, the error of the stage's output, back through the
// layers after the weighted one and returns the error of its output.
func (s *stage) backToW(e *nn.Engine, dy *nn.Tensor) *nn.Tensor {
	for i := len(s.post) - 1; i >= 0; i-- {
		dy = s.post[i].Backward(e, dy, true)
	}
	return dy
}

// params returns the parameters of every layer of the stage.
func (s *stage) params() []*nn.Param {
	ps := s.w.Params()
	for _, l := range s.post {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// apply runs a second pass of the stage on x, through the same weights,
// leaving what the first pass kept for grads untouched. The result belongs
// to the stage until its next apply.
func (s *stage) apply(e *nn.Engine, x *nn.Tensor) *nn.Tensor {
	for _, l := range s.twinLayers() {
		x = l.Forward(e, x)
	}
	return x
}

// twinLayers returns the twins of the stage's layers, weighted layer first.
func (s *stage) twinLayers() []nn.Layer {
	if s.twins == nil {
		s.twins = append(s.twins, nn.Twin(s.w))
		for _, l := range s.post {
			s.twins = append(s.twins, nn.Twin(l))
		}
	}
	return s.twins
}

// forward runs the stage's own layers on x, keeping what grads needs.
func (s *stage) forward(e *nn.Engine, x *nn.Tensor) *nn.Tensor {
	x = s.w.Forward(e, x)
	for _, l := range s.post {
		x = l.Forward(e, x)
	}
	return x
}

// denseAct returns the Dense layer and activation of a stage that is just
// those two, the common MLP case that rules compute with buffers of their own.
func (s *stage) denseAct() (*nn.Dense, *nn.Act, bool) {
	d, ok := s.w.(*nn.Dense)
	if !ok || len(s.post) != 1 {
		return nil, nil, false
	}
	act, ok := s.post[0].(*nn.Act)
	return d, act, ok
}

// twinGrads is grads for the pass that apply ran last: dy goes back through
// the twins (skipping the activation when withAct is false) and is paired
// with the twin's own input.
func (s *stage) twinGrads(e *nn.Engine, dy *nn.Tensor, withAct bool) {
	for i := len(s.twins) - 1; i >= 1; i-- {
		if _, act := s.twins[i].(*nn.Act); act && !withAct {
			continue
		}
		dy = s.twins[i].Backward(e, dy, true)
	}
	w := s.twins[0].(nn.Weighted)
	w.Grads(e, w.Input(), dy)
}

// stageWidths lists per stage its output width and the MACs of its forward
// pass: what a rule's Cost reads of a net its Uses accepts, which always
// splits into stages.
func stageWidths(net *nn.Sequential) (widths []int, macs []int64) {
	ss, _ := stagesOf(net)
	for _, s := range ss {
		widths, macs = append(widths, s.width), append(macs, s.w.MACs())
	}
	return widths, macs
}
