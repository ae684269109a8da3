package runner

import (
	"sync/atomic"
	"time"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// A replica is a second net and trainer of a run, built as the run's own
// were. It evaluates the weights after an epoch on a core of its own while
// the run trains the next epoch: the same numbers as evaluating in line,
// for it holds a copy of every weight and running statistic, and an ideal
// run's evaluation draws no random numbers and changes nothing the
// training reads.
type replica struct {
	state  runState
	engine *nn.Engine
}

// evaluatedBeside counts the epochs evaluated beside training, so that a
// test can tell that it compared the two ways.
var evaluatedBeside atomic.Int64

// A pendingEval is an epoch being evaluated on the replica.
type pendingEval struct {
	e   results.Epoch
	net *nn.Sequential // the weights after the epoch
	// after holds the run's totals after the epoch, and its state when
	// checkpoints are kept.
	after    *checkpoint
	done     chan struct{}
	panicked any
}

// beside starts evaluating epoch e, just trained, on the replica, and
// returns it; nil, and nothing started, when no core is idle, or when the
// run's profile adds hooks or a device (their noise draws from the run's
// streams, in order). onEpoch, when set, is called with e once evaluated.
// keep saves the run's state after e, for its checkpoint.
func (r *training) beside(cores *nn.Cores, e results.Epoch, keep bool, onEpoch func(results.Epoch)) *pendingEval {
	if !r.ideal || cores == nil {
		return nil
	}
	release, ok := cores.Spare()
	if !ok {
		return nil
	}
	if r.replica == nil {
		engine := &nn.Engine{Cores: cores}
		s, failure, err := r.build(engine, runStreams(r.run))
		if err != nil || failure != "" { // built once already: not expected
			release()
			return nil
		}
		s.net.SetTraining(false)
		r.replica = &replica{state: s, engine: engine}
	}
	rp := r.replica
	copyState(rp.state, r.state)
	v := &pendingEval{e: e, net: rp.state.net, after: r.ck.totals(), done: make(chan struct{})}
	// The probes come after the evaluation in line too: they draw from the
	// rule's streams and may move its state, which the checkpoint keeps.
	v.e.AngleToBP = r.probe.angles()
	if keep {
		r.state.save(v.after, nil)
	}
	evaluatedBeside.Add(1)
	go func() {
		defer close(v.done)
		defer release()
		defer func() {
			if p := recover(); p != nil {
				v.panicked = p
			}
		}()
		start := time.Now()
		scoreEpoch(&v.e, rp.state.trainer, rp.state.net, rp.engine, r.splits)
		v.e.WallS += time.Since(start).Seconds()
		if onEpoch != nil {
			onEpoch(v.e)
		}
	}()
	return v
}

// wait returns the evaluated epoch, once it is; a panic of the evaluation
// is raised again here, on the run's goroutine.
func (v *pendingEval) wait() results.Epoch {
	<-v.done
	if v.panicked != nil {
		panic(v.panicked)
	}
	return v.e
}

// copyState sets the weights and running statistics of dst to those of src,
// a run built alike.
func copyState(dst, src runState) {
	ps := dst.params()
	for i, p := range src.params() {
		copy(ps[i].Value.Data, p.Value.Data)
	}
	ts := stateTensors(dst.net, dst.trainer)
	for i, t := range stateTensors(src.net, src.trainer) {
		copy(ts[i].Data, t.Data)
	}
}
