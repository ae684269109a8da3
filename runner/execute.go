package runner

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// evalBatch is the number of samples predicted at once: small enough that a
// convolution's columns stay a few tens of MiB (CaFo's CIFAR blocks took
// several GiB at 1000), large enough for efficient products.
const evalBatch = 256

// ExecOptions are the optional parts of Execute.
type ExecOptions struct {
	// OnEpoch, when set, is called after each epoch.
	OnEpoch func(results.Epoch)
	// Log receives notes such as dataset downloads.
	Log io.Writer
	// Checkpoints, when set, is the folder where the run saves a checkpoint
	// after each epoch and from which it resumes. The caller removes the
	// checkpoint once the record is stored.
	Checkpoints string
}

// Execute trains the run spec and returns its record. Problems of the run
// itself (a rule that does not apply, a diverging loss, a panic in a rule)
// give a record with that status and the suite goes on; only a cancelled ctx
// or data that cannot be loaded gives an error, and then no record (but the
// checkpoint of the last whole epoch).
func Execute(ctx context.Context, spec spec.Run, o ExecOptions) (rec *results.Record, err error) {
	key := spec.Key()
	rec = &results.Record{Key: key, Spec: spec, Status: results.StatusOK, Env: environment()}
	m, err := methods.Lookup(spec.Method)
	if err != nil {
		return nil, err
	}
	if why := m.Uses(spec.Model); why != nil {
		rec.Status, rec.Reason = results.StatusNotApplicable, why.Error()
		return rec, nil
	}
	params, err := methods.Resolve(m, spec.Params)
	if err != nil {
		return nil, err
	}
	data, err := datasets.Load(ctx, spec.Dataset, o.Log)
	if err != nil {
		return nil, err
	}
	seed := strconv.FormatInt(spec.Seed, 10)
	// The split depends on the seed and the data only, so that every rule of
	// a suite is selected on the same held-out samples.
	splits, err := data.Split(spec.Validation, spec.TrainLimit, spec.TestLimit,
		stream(seed, spec.Dataset, strconv.Itoa(spec.Validation), "split"))
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %v", key, err)
	}
	// The streams depend on the spec without its profile, so that runs that
	// differ only in hardware start from the same weights and see the same
	// data in the same order: a paired comparison.
	ideal := spec
	ideal.Profile, ideal.ProfileDef = "fp32", nil
	rng := newStreams(seed, ideal.Key())
	net, err := nn.Build(spec.Model, data.Shape, data.Classes, rng.get("init"))
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %v", key, err)
	}
	if err := spec.Optimizer.Validate(); err != nil {
		return nil, fmt.Errorf("runner: %s: %v", key, err)
	}
	prof, err := profileOf(spec)
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %v", key, err)
	}
	engine := &nn.Engine{Hooks: prof.Hooks(rng.get)}
	defer func() {
		if p := recover(); p != nil {
			rec.Status, rec.Reason = results.StatusFailed, fmt.Sprintf("panic: %v", p)
			err = nil
		}
	}()
	opts := &optimizers{}
	trainer, err := m.New(methods.Config{Net: net, Engine: engine, Optimizer: opts.add(spec.Optimizer),
		NewOptimizer: func(s nn.OptimizerSpec) (nn.Optimizer, error) {
			if err := s.Validate(); err != nil {
				return nil, err
			}
			if s.Schedule == "" { // a rule's own optimizer follows the run's schedule
				s.Schedule = spec.Optimizer.Schedule
			}
			return opts.add(s), nil
		},
		Params: params, Classes: data.Classes, Rand: rng.get})
	if err != nil {
		rec.Status, rec.Reason = results.StatusFailed, err.Error()
		return rec, nil
	}
	state := runState{net: net, trainer: trainer, opts: opts, rng: rng}
	if !prof.IsIdeal() {
		opts.device = hardware.NewDevice(prof, rng.get)
		opts.device.Program(state.params())
	}
	probe, err := newProber(net, trainer, opts, splits.Train, spec.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %v", key, err)
	}
	cost := m.Cost(net, params)
	rec.Efficiency = results.Efficiency{TrainMACsPerSample: cost.TrainMACs,
		EvalMACsPerSample: cost.EvalMACs, KeptFloatsPerSample: cost.KeptFloats}

	order := rng.get("order")
	ck := &checkpoint{Key: key}
	if o.Checkpoints != "" {
		saved, err := loadCheckpoint(o.Checkpoints, key)
		if err != nil {
			return nil, err
		}
		if saved != nil {
			if err := state.resume(saved); err != nil {
				return nil, err
			}
			ck = saved
			rec.Epochs = saved.Epochs
		}
	}
	for ep := len(rec.Epochs) + 1; ep <= spec.Epochs; ep++ {
		opts.schedule(ep, spec.Epochs)
		start := time.Now()
		before := engine.MACs
		loss, acc, err := trainEpoch(ctx, trainer, splits.Train, spec.BatchSize, order)
		if err != nil {
			return nil, err
		}
		ck.TrainMACs += engine.MACs - before
		ck.TrainSamples += splits.Train.Len()
		if ee, ok := trainer.(methods.EpochEnder); ok {
			if err := ee.EndEpoch(); err != nil {
				rec.Status, rec.Reason = results.StatusFailed, err.Error()
				break
			}
		}
		net.SetTraining(false)
		e := results.Epoch{Epoch: ep, TrainLoss: results.Float(loss), TrainAcc: results.Float(acc),
			ValAcc:  accuracy(trainer, splits.Val),
			TestAcc: accuracy(trainer, splits.Test)}
		net.SetTraining(true)
		e.WallS = time.Since(start).Seconds() // training and evaluation; not the probes
		e.AngleToBP = probe.angles()
		ck.WallS += e.WallS
		rec.Epochs = append(rec.Epochs, e)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		ck.PeakHeap = max(ck.PeakHeap, ms.HeapInuse)
		if o.OnEpoch != nil {
			o.OnEpoch(e)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) || paramsDiverged(net) {
			rec.Status = results.StatusDiverged
			rec.Reason = fmt.Sprintf("training loss %v at epoch %d", loss, ep)
			break
		}
		if o.Checkpoints != "" && ep < spec.Epochs {
			if err := state.save(ck, rec.Epochs).save(o.Checkpoints); err != nil {
				return nil, err
			}
		}
	}
	rec.Final = final(rec.Epochs, splits.Val.Len() > 0)
	if n := len(rec.Epochs); n > 0 {
		rec.Efficiency.WallSPerEpoch = ck.WallS / float64(n)
	}
	if ck.TrainSamples > 0 {
		rec.Efficiency.MeasuredTrainMACsPerSample = float64(ck.TrainMACs) / float64(ck.TrainSamples)
	}
	rec.Efficiency.PeakHeapBytes, rec.Efficiency.PeakRSSBytes = ck.PeakHeap, peakRSS()
	return rec, nil
}

// profileOf returns the profile a spec names: its definition when the spec
// carries one, else the built-in profile.
func profileOf(spec spec.Run) (hardware.Profile, error) {
	if spec.ProfileDef != nil {
		return *spec.ProfileDef, spec.ProfileDef.Validate()
	}
	p, ok := hardware.Builtins[spec.Profile]
	if !ok {
		return p, fmt.Errorf("unknown profile %q (accepted: %v)", spec.Profile, hardware.BuiltinNames())
	}
	return p, nil
}

// trainEpoch runs one pass over the training split in an order drawn from
// r and returns the mean loss and the accuracy of the training passes.
func trainEpoch(ctx context.Context, t methods.Trainer, s datasets.Split, batch int, r *rand.Rand) (loss, acc float64, err error) {
	idx := append([]int(nil), s.Index...)
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	shuffled := datasets.Split{Part: s.Part, Index: idx}
	var x *nn.Tensor
	labels := make([]int, batch)
	var sumLoss float64
	var correct int
	measured := true
	for from := 0; from < len(idx); from += batch {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		to := min(from+batch, len(idx))
		if x == nil || x.Rows() != to-from {
			x = nn.NewTensor(to-from, s.Part.Dim)
		}
		shuffled.Gather(x.Data, labels[:to-from], from, to)
		l, c := t.Step(x, labels[:to-from])
		sumLoss += l * float64(to-from)
		correct += c
		measured = measured && c >= 0
	}
	n := float64(len(idx))
	if !measured {
		return sumLoss / n, math.NaN(), nil
	}
	return sumLoss / n, float64(correct) / n, nil
}

// accuracy returns the fraction of s that t classifies correctly (0 for an
// empty split).
func accuracy(t methods.Trainer, s datasets.Split) float64 {
	if s.Len() == 0 {
		return 0
	}
	x := nn.NewTensor(min(evalBatch, s.Len()), s.Part.Dim)
	labels := make([]int, x.Rows())
	pred := make([]int, x.Rows())
	correct := 0
	for from := 0; from < s.Len(); from += evalBatch {
		to := min(from+evalBatch, s.Len())
		if to-from != x.Rows() {
			x = nn.NewTensor(to-from, s.Part.Dim)
		}
		s.Gather(x.Data, labels[:to-from], from, to)
		t.Predict(x, pred[:to-from])
		for i, p := range pred[:to-from] {
			if p == labels[i] {
				correct++
			}
		}
	}
	return float64(correct) / float64(s.Len())
}

func paramsDiverged(net *nn.Sequential) bool {
	for _, p := range net.Params() {
		if p.Value.HasNaNOrInf() {
			return true
		}
	}
	return false
}

// final applies the best-validation protocol: the first epoch with the
// highest validation accuracy (the last epoch when there is no validation
// split) gives the reported test accuracy.
func final(eps []results.Epoch, haveVal bool) results.Final {
	if len(eps) == 0 {
		return results.Final{}
	}
	best := len(eps) - 1
	if haveVal {
		best = 0
		for i, e := range eps {
			if e.ValAcc > eps[best].ValAcc {
				best = i
			}
		}
	}
	return results.Final{TestAcc: eps[len(eps)-1].TestAcc, BestValAcc: eps[best].ValAcc,
		BestEpoch: eps[best].Epoch, TestAccAtBestVal: eps[best].TestAcc}
}
