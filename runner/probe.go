package runner

import (
	"math"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// probeBatches is the number of fixed training batches the angles are
// measured on.
const probeBatches = 4

// capture is what every optimizer a rule gets is wrapped in. Normally it
// passes updates on; while probing it records each parameter's update
// direction (the gradient the rule hands to the optimizer) and changes
// nothing.
type capture struct {
	inner   nn.StatefulOptimizer
	spec    nn.OptimizerSpec // for its learning-rate schedule
	probing *bool
	device  **hardware.Device // the run's device model, nil on ideal hardware
	grads   map[*nn.Param][]float32
}

func (c *capture) Step(ps []*nn.Param) {
	switch {
	case *c.probing:
	case *c.device != nil:
		(*c.device).Step(ps, func() { c.inner.Step(ps) })
		return
	default:
		c.inner.Step(ps)
		return
	}
	for _, p := range ps {
		c.grads[p] = append(c.grads[p][:0], p.Grad.Data...)
	}
}

// optimizers are the optimizers of one run, in creation order: the run's
// own first, then those a rule makes for weights it trains with settings of
// its own. One switch turns all of them to recording.
type optimizers struct {
	// engine lends its cores to the updates.
	engine  *nn.Engine
	probing bool
	device  *hardware.Device
	list    []*capture
}

func (o *optimizers) add(spec nn.OptimizerSpec) *capture {
	c := &capture{inner: spec.NewFor(o.engine), spec: spec, probing: &o.probing, device: &o.device, grads: map[*nn.Param][]float32{}}
	o.list = append(o.list, c)
	return c
}

// schedule sets every optimizer's learning rate for epoch (from 1) of
// epochs: a function of the epoch alone, so a resumed run gets it again.
func (o *optimizers) schedule(epoch, epochs int) {
	for _, c := range o.list {
		*c.inner.LearningRate() = float32(c.spec.LR * c.spec.LRFactor(epoch, epochs))
	}
}

// prober measures the angle between a rule's updates and BP's gradients on
// the same weights and batches, outside training: the rule's optimizer is
// switched to recording, so the weights do not move.
type prober struct {
	net   *nn.Sequential
	rule  methods.Trainer
	opts  *optimizers
	bp    methods.Trainer
	bpOpt *capture
	x     []*nn.Tensor
	y     []nn.Targets
}

func newProber(net *nn.Sequential, rule methods.Trainer, opts *optimizers, train datasets.Split, size int) (*prober, error) {
	always := true
	var ideal *hardware.Device
	bpOpt := &capture{probing: &always, device: &ideal, grads: map[*nn.Param][]float32{}}
	bp, err := methods.BP{}.New(methods.Config{Net: net, Engine: &nn.Engine{}, Optimizer: bpOpt})
	if err != nil {
		return nil, err
	}
	p := &prober{net: net, rule: rule, opts: opts, bp: bp, bpOpt: bpOpt}
	for k := 0; k < probeBatches && (k+1)*size <= train.Len(); k++ {
		var b batch
		y := b.gather(train, k*size, (k+1)*size)
		p.x, p.y = append(p.x, b.x), append(p.y, y)
	}
	return p, nil
}

// angles returns, per weighted layer (Dense or Conv2D), the mean over the
// probe batches of the angle in degrees between the rule's update of its
// weights and BP's gradient. The weights do not move, and the layers'
// running statistics and the rule's state (methods.StateKeeper) are put
// back afterwards. Probing still draws from the rule's random streams and
// moves what a rule updates outside its optimizer (FF's running means):
// the probes are part of the run, the same in every rerun and resume.
func (p *prober) angles() []results.Float {
	ws := probedWeights(p.net)
	sum := make([]float64, len(ws))
	p.opts.probing = true
	state := stateTensors(p.net, p.rule)
	saved := make([][]float32, len(state))
	for i, t := range state {
		saved[i] = append([]float32(nil), t.Data...)
	}
	defer func() {
		p.opts.probing = false
		for i, t := range state {
			copy(t.Data, saved[i])
		}
	}()
	ruleGrads := p.opts.list[0].grads // the run's optimizer has the forward weights
	for k := range p.x {
		p.rule.Step(p.x[k], p.y[k])
		p.bp.Step(p.x[k], p.y[k])
		for l, w := range ws {
			sum[l] += angle(ruleGrads[w], p.bpOpt.grads[w])
		}
	}
	out := make([]results.Float, len(ws))
	for l := range out {
		out[l] = results.Float(sum[l] / float64(len(p.x)))
	}
	return out
}

// probedWeights are the weights whose updates the probes compare, input
// side first: of each Dense and Conv2D layer its weights, of each recurrent
// layer its input and then its recurrent weights.
func probedWeights(net *nn.Sequential) []*nn.Param {
	var ws []*nn.Param
	for _, l := range net.Layers {
		switch l := l.(type) {
		case nn.Weighted:
			ws = append(ws, l.Params()[0])
		case *nn.Recurrent:
			ws = append(ws, l.Wx, l.Wh)
		}
	}
	return ws
}

// angle returns the angle in degrees between u and v, NaN when either is
// zero or missing.
func angle(u, v []float32) float64 {
	if len(u) != len(v) || len(u) == 0 {
		return math.NaN()
	}
	var uv, uu, vv float64
	for i := range u {
		a, b := float64(u[i]), float64(v[i])
		uv += a * b
		uu += a * a
		vv += b * b
	}
	c := uv / math.Sqrt(uu*vv)
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}
