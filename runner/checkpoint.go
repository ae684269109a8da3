package runner

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// checkpoint is what a run keeps after each epoch so that an interrupted run
// loses at most the epoch it was in: the curves so far, every weight, the
// optimizer's state and where every random stream stands.
type checkpoint struct {
	Key string
	// Code is the code of the run's rule, its seeding and the engine's
	// arithmetic that trained the epochs so far: a run resumes only under
	// the same, so that its record names the code of all its epochs.
	Code         results.Code
	Epochs       []results.Epoch
	Params       [][]float32         // the net's, then the rule's own
	Optimizers   []nn.OptimizerState // the run's optimizer, then the rule's own
	State        [][]float32         `json:",omitempty"` // the layers' running statistics
	Streams      map[string][]byte
	TrainMACs    int64
	TrainSamples int
	WallS        float64
	TrainS       float64
	PeakHeap     uint64
}

// totals returns a checkpoint of the same run with c's totals so far, and
// no state.
func (c *checkpoint) totals() *checkpoint {
	return &checkpoint{Key: c.Key, Code: c.Code, TrainMACs: c.TrainMACs, TrainSamples: c.TrainSamples,
		WallS: c.WallS, TrainS: c.TrainS, PeakHeap: c.PeakHeap}
}

func checkpointPath(dir, key string) string { return filepath.Join(dir, key+".ckpt") }

// save writes c atomically (temporary file, sync, rename).
func (c *checkpoint) save(dir string) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(c); err != nil {
		return fmt.Errorf("runner: checkpoint %s: %v", c.Key, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("runner: %v", err)
	}
	return results.WriteFile(checkpointPath(dir, c.Key), b.Bytes())
}

// loadCheckpoint returns the checkpoint of key in dir, or nil when there is
// none.
func loadCheckpoint(dir, key string) (*checkpoint, error) {
	b, err := os.ReadFile(checkpointPath(dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("runner: %v", err)
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil || c.Key != key {
		return nil, fmt.Errorf("runner: %s is not a checkpoint of run %s (%v): delete it to start the run over", checkpointPath(dir, key), key, err)
	}
	return &c, nil
}

// runState is what a checkpoint saves and restores of a running run.
type runState struct {
	net     *nn.Sequential
	trainer methods.Trainer
	opts    *optimizers
	rng     *streams
}

// params lists the net's parameters, then those the rule trains besides.
func (r runState) params() []*nn.Param {
	ps := r.net.Params()
	if a, ok := r.trainer.(methods.AuxParams); ok {
		ps = append(ps, a.AuxParams()...)
	}
	return ps
}

// stateTensors lists what the net and the rule carry from step to step
// besides parameters: the layers' running statistics, then the rule's.
func stateTensors(net *nn.Sequential, t methods.Trainer) []*nn.Tensor {
	s := net.State()
	if k, ok := t.(methods.StateKeeper); ok {
		s = append(s, k.State()...)
	}
	return s
}

// save fills c with the state after the given epochs.
func (r runState) save(c *checkpoint, eps []results.Epoch) *checkpoint {
	ps := r.params()
	c.Epochs = eps
	c.Params = c.Params[:0]
	for _, p := range ps {
		c.Params = append(c.Params, append([]float32(nil), p.Value.Data...))
	}
	c.State = c.State[:0]
	for _, t := range stateTensors(r.net, r.trainer) {
		c.State = append(c.State, append([]float32(nil), t.Data...))
	}
	c.Optimizers = c.Optimizers[:0]
	for _, o := range r.opts.list {
		c.Optimizers = append(c.Optimizers, o.inner.State(ps))
	}
	c.Streams, _ = r.rng.state() // PCG state always marshals
	return c
}

// resume puts a run back where its checkpoint left it.
func (r runState) resume(c *checkpoint) error {
	ps := r.params()
	if len(c.Params) != len(ps) || len(c.Optimizers) != len(r.opts.list) {
		return fmt.Errorf("runner: checkpoint of %s has %d parameters and %d optimizers, the run %d and %d: delete it to start over",
			c.Key, len(c.Params), len(c.Optimizers), len(ps), len(r.opts.list))
	}
	for i, p := range ps {
		if len(c.Params[i]) != len(p.Value.Data) {
			return fmt.Errorf("runner: checkpoint of %s: parameter %d has %d values, want %d", c.Key, i, len(c.Params[i]), len(p.Value.Data))
		}
		copy(p.Value.Data, c.Params[i])
	}
	state := stateTensors(r.net, r.trainer)
	if len(c.State) != len(state) {
		return fmt.Errorf("runner: checkpoint of %s has %d state tensors, the run %d: delete it to start over", c.Key, len(c.State), len(state))
	}
	for i, t := range state {
		if len(c.State[i]) != len(t.Data) {
			return fmt.Errorf("runner: checkpoint of %s: state tensor %d has %d values, want %d", c.Key, i, len(c.State[i]), len(t.Data))
		}
		copy(t.Data, c.State[i])
	}
	for i, o := range r.opts.list {
		if err := o.inner.SetState(ps, c.Optimizers[i]); err != nil {
			return fmt.Errorf("runner: checkpoint of %s: %v", c.Key, err)
		}
	}
	if err := r.rng.restore(c.Streams); err != nil {
		return fmt.Errorf("runner: checkpoint of %s: %v", c.Key, err)
	}
	return nil
}
