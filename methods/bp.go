package methods

import (
	"fmt"
	"slices"

	"github.com/creditbench/creditbench/nn"
)

// BP is backpropagation: the exact gradient of the task's loss (the mean
// softmax cross-entropy of the logits, or the mean squared error of values),
// applied by the run's optimizer. On a recurrent net it is backpropagation
// through time (BPTT), truncated to model.truncate steps when set. It is the
// reference every other rule is read against. Its zero value is ready to
// use.
type BP struct{}

var _ Method = BP{}

func init() { Register(BP{}) }

func (BP) Name() string { return "bp" }
func (BP) Doc() string {
	return "backpropagation: the exact gradient of the loss (through time on recurrent nets: BPTT)"
}
func (BP) Params() []Param { return nil }

// Uses accepts every model: backpropagation runs through any Sequential.
func (BP) Uses(t Task) error {
	if !slices.Contains(nn.Kinds, t.Model.Kind) {
		return fmt.Errorf("bp: model kind %q is not supported (accepted: %v)", t.Model.Kind, nn.Kinds)
	}
	return nil
}

// Cost: a forward pass, one weight-gradient product per weighted layer (as
// many MACs as its forward product) and an input-gradient product for every
// weighted layer but the first; it keeps the input of every weighted layer
// and the logits.
func (BP) Cost(net *nn.Sequential, _ Values) Cost {
	fwd := net.MACs()
	c := Cost{TrainMACs: 2 * fwd, EvalMACs: fwd, KeptFloats: bpLikeKept(net)}
	if len(recurrentLayers(net)) > 0 {
		// Through time: every step's error goes back through Wh but the
		// first's, and into the input of every recurrent layer but the
		// first; the readout's input gradient feeds the last.
		learned := false // a trained layer before: a learned embedding, another recurrent layer
		for _, l := range net.Layers {
			r, ok := l.(*nn.Recurrent)
			if !ok {
				learned = learned || len(l.Params()) > 0
				continue
			}
			c.TrainMACs += int64(r.T-1) * int64(r.Hidden) * int64(r.Wh.Value.Cols())
			if learned {
				c.TrainMACs += int64(r.T) * int64(r.In) * int64(r.Wh.Value.Cols())
			}
			learned = true
		}
		return c.plus(readoutBack(net))
	}
	_, macs := stageWidths(net)
	for _, m := range macs[1:] {
		c.TrainMACs += m
	}
	return c
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (BP) New(c Config) (Trainer, error) {
	return &bpTrainer{c: c}, nil
}

type bpTrainer struct {
	c    Config
	grad *nn.Tensor
}

func (t *bpTrainer) Step(x *nn.Tensor, y nn.Targets) (float64, int) {
	out := t.c.Net.Forward(t.c.Engine, x)
	if t.grad == nil || t.grad.Rows() != out.Rows() {
		t.grad = nn.NewTensor(out.Rows(), out.Cols())
	}
	loss, correct := y.Loss(out, t.grad)
	t.c.Net.Backward(t.c.Engine, t.grad)
	t.c.Optimizer.Step(t.c.Net.Params())
	return loss, correct
}

func (t *bpTrainer) Predict(x *nn.Tensor, out []int) {
	predictArgmax(t.c.Engine, t.c.Net, x, out)
}

// predictArgmax classifies each row of x by the largest logit of a forward
// pass: the prediction rule of every rule trained as a plain classifier.
func predictArgmax(e *nn.Engine, net *nn.Sequential, x *nn.Tensor, out []int) {
	y := net.Forward(e, x)
	for i := range out {
		out[i] = nn.Argmax(y.Row(i))
	}
}
