package methods

import (
	"fmt"

	"github.com/creditbench/creditbench/nn"
)

// The recurrent forms of the rules (docs: sequences.md) share this view of
// a recurrent net: an optional embedding, one recurrent layer, an optional
// PerStep and the Dense readout.

// rnnView is a recurrent net as the through-time rules read it.
type rnnView struct {
	emb     *nn.Embedding // nil for real-valued inputs
	rec     *nn.Recurrent
	perStep *nn.PerStep
	readout *nn.Dense
}

func rnnOf(rule string, net *nn.Sequential) (rnnView, error) {
	var v rnnView
	ls := net.Layers
	if e, ok := ls[0].(*nn.Embedding); ok {
		v.emb, ls = e, ls[1:]
	}
	if len(ls) < 2 {
		return v, fmt.Errorf("%s: not a recurrent net", rule)
	}
	r, ok := ls[0].(*nn.Recurrent)
	if !ok {
		return v, fmt.Errorf("%s: layer %T where one recurrent layer belongs (stacked recurrent layers are trained by bp only)", rule, ls[0])
	}
	v.rec, ls = r, ls[1:]
	if p, ok := ls[0].(*nn.PerStep); ok {
		v.perStep, ls = p, ls[1:]
	}
	d, ok := ls[0].(*nn.Dense)
	if !ok || len(ls) != 1 {
		return v, fmt.Errorf("%s: a recurrent net ends in its Dense readout", rule)
	}
	v.readout = d
	return v, nil
}

// usesOneRecurrentLayer is the Uses of the through-time rules other than
// BPTT, which train one recurrent layer and its readout.
func usesOneRecurrentLayer(rule string, m nn.ModelSpec) error {
	if len(m.Hidden) != 1 {
		return fmt.Errorf("%s: trains one recurrent layer through time, and the model stacks %d (stacked layers: bp)", rule, len(m.Hidden))
	}
	return nil
}

// recurrentLayers returns the recurrent layers of net in order.
func recurrentLayers(net *nn.Sequential) []*nn.Recurrent {
	var rs []*nn.Recurrent
	for _, l := range net.Layers {
		if r, ok := l.(*nn.Recurrent); ok {
			rs = append(rs, r)
		}
	}
	return rs
}

// readoutBack is the readout's input-gradient product per sample.
func readoutBack(net *nn.Sequential) Cost {
	d := net.Layers[len(net.Layers)-1].(*nn.Dense)
	steps := int64(1)
	for _, l := range net.Layers {
		if p, ok := l.(*nn.PerStep); ok {
			steps = int64(p.Steps)
		}
	}
	return Cost{TrainMACs: steps * d.MACs()}
}

// plus adds the costs of o.
func (c Cost) plus(o Cost) Cost {
	return Cost{TrainMACs: c.TrainMACs + o.TrainMACs, EvalMACs: c.EvalMACs + o.EvalMACs, KeptFloats: c.KeptFloats + o.KeptFloats}
}
