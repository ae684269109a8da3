package runner

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// checkpoint is what a run keeps after each epoch so that an interrupted run
// loses at most the epoch it was in: the curves so far, every weight, the
// optimizer's state and where every random stream stands.
type checkpoint struct {
	Key          string
	Epochs       []results.Epoch
	Params       [][]float32
	Optimizer    nn.OptimizerState
	Streams      map[string][]byte
	TrainMACs    int64
	TrainSamples int
	WallS        float64
	PeakHeap     uint64
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

// restore puts the saved weights back into net.
func (c *checkpoint) restore(net *nn.Sequential) error {
	ps := net.Params()
	if len(c.Params) != len(ps) {
		return fmt.Errorf("runner: checkpoint of %s has %d parameters, the network %d", c.Key, len(c.Params), len(ps))
	}
	for i, p := range ps {
		if len(c.Params[i]) != len(p.Value.Data) {
			return fmt.Errorf("runner: checkpoint of %s: parameter %d has %d values, want %d", c.Key, i, len(c.Params[i]), len(p.Value.Data))
		}
		copy(p.Value.Data, c.Params[i])
	}
	return nil
}

func weights(net *nn.Sequential) [][]float32 {
	var out [][]float32
	for _, p := range net.Params() {
		out = append(out, append([]float32(nil), p.Value.Data...))
	}
	return out
}

// update fills c with the state after the given epochs.
func (c *checkpoint) update(eps []results.Epoch, net *nn.Sequential, opt nn.StatefulOptimizer, rng *streams) *checkpoint {
	c.Epochs = eps
	c.Params = weights(net)
	c.Optimizer = opt.State(net.Params())
	c.Streams, _ = rng.state() // PCG state always marshals
	return c
}

// resume puts a run back where its checkpoint left it.
func resume(c *checkpoint, net *nn.Sequential, opt nn.StatefulOptimizer, rng *streams) error {
	if err := c.restore(net); err != nil {
		return err
	}
	if err := opt.SetState(net.Params(), c.Optimizer); err != nil {
		return fmt.Errorf("runner: checkpoint of %s: %v", c.Key, err)
	}
	if err := rng.restore(c.Streams); err != nil {
		return fmt.Errorf("runner: checkpoint of %s: %v", c.Key, err)
	}
	return nil
}
