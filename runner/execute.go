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
	// OnEpoch, when set, is called after each epoch is evaluated, in the
	// order of the epochs, from the run's goroutine or the one that
	// evaluated the epoch beside the next one's training.
	OnEpoch func(results.Epoch)
	// Log receives notes such as dataset downloads.
	Log io.Writer
	// Checkpoints, when set, is the folder where the run saves a checkpoint
	// after each epoch and from which it resumes. The caller removes the
	// checkpoint once the record is stored.
	Checkpoints string
	// Cores, when set, lends idle cores to the run's products, and one to
	// evaluate each epoch but the last beside the next one's training when
	// the run's profile is ideal; the record is the same with or without it.
	Cores *nn.Cores
}

// Execute trains the run spec and returns its record. Problems of the run
// itself (a rule that does not apply, a diverging or collapsing run, a
// panic in a rule) give a record with that status and the suite goes on;
// only a cancelled ctx or data that cannot be loaded gives an error, and
// then no record (but the checkpoint of the last whole epoch).
//
// The spec comes validated from package suites; Execute looks up what it
// names and does not check it again.
func Execute(ctx context.Context, run spec.Run, o ExecOptions) (rec *results.Record, err error) {
	rec = &results.Record{Key: run.Key(), Spec: run, Status: results.StatusOK, Env: environment()}
	m, err := methods.Lookup(run.Method)
	if err != nil {
		return nil, err
	}
	rec.Code = codeOf(m)
	task, err := taskOf(run)
	if err != nil {
		return nil, err
	}
	if c, ok := m.(methods.Caveater); ok {
		rec.Caveat = c.Caveat(task)
	}
	if why := m.Uses(task); why != nil {
		rec.Status, rec.Reason = results.StatusNotApplicable, why.Error()
		return rec, nil
	}
	defer func() {
		if p := recover(); p != nil {
			rec.Status, rec.Reason = results.StatusFailed, fmt.Sprintf("panic: %v", p)
			err = nil
		}
	}()
	r, err := setUp(ctx, run, m, task, o.Log, o.Cores)
	if err != nil {
		return nil, err
	}
	if r.failure != "" {
		rec.Status, rec.Reason = results.StatusFailed, r.failure
		return rec, nil
	}
	rec.Efficiency = r.cost()
	r.ck.Code = rec.Code
	if err := r.resume(o.Checkpoints, rec, o.Log); err != nil {
		return nil, err
	}
	if n := len(rec.Epochs); n > 0 && o.Log != nil {
		fmt.Fprintf(o.Log, "%s (%s on %s, seed %d): resumed after epoch %d of %d from its checkpoint\n",
			rec.Key, run.Method, run.Dataset, run.Seed, n, run.Epochs)
	}
	// done records epoch e, evaluated, after which the weights are net's and
	// the run's totals and state after's (nil: the run's own, now), and says
	// whether the run goes on.
	done := func(e results.Epoch, net *nn.Sequential, after *checkpoint) (bool, error) {
		r.ck.account(e)
		rec.Epochs = append(rec.Epochs, e)
		if why := r.diverged(rec.Epochs, net); why != "" {
			rec.Status, rec.Reason = results.StatusDiverged, why
			if after != nil { // the epoch trained since is left out
				r.ck.TrainMACs, r.ck.TrainSamples = after.TrainMACs, after.TrainSamples
			}
			return false, nil
		}
		if o.Checkpoints == "" || e.Epoch == run.Epochs {
			return true, nil
		}
		if after == nil {
			after = r.state.save(r.ck, rec.Epochs)
		} else {
			after.account(e)
			after.Epochs = rec.Epochs
		}
		return true, after.save(o.Checkpoints)
	}
	// Each epoch but the last is evaluated beside the next one's training
	// when a core is idle; the next epoch's end waits for it, so that an
	// interrupted run keeps the checkpoint of the last whole epoch, and a
	// diverged run ends there, the epoch trained since left out.
	var pending *pendingEval
	for ep := len(rec.Epochs) + 1; ep <= run.Epochs; ep++ {
		e, failure, err := r.train(ctx, ep)
		if pending != nil {
			goOn, werr := done(pending.wait(), pending.net, pending.after)
			if pending = nil; werr != nil {
				return nil, werr
			}
			if !goOn {
				break
			}
			if err == nil { // interrupted while the evaluation ended
				err = ctx.Err()
			}
		}
		if err != nil {
			return nil, err
		}
		if failure != "" {
			rec.Status, rec.Reason = results.StatusFailed, failure
			break
		}
		if ep < run.Epochs {
			if pending = r.beside(o.Cores, e, o.Checkpoints != "", o.OnEpoch); pending != nil {
				continue
			}
		}
		r.evaluate(&e)
		if o.OnEpoch != nil {
			o.OnEpoch(e)
		}
		if goOn, err := done(e, r.net, nil); err != nil {
			return nil, err
		} else if !goOn {
			break
		}
	}
	r.finish(rec)
	return rec, nil
}

// taskOf is what the run asks of its rule, known before anything loads.
func taskOf(run spec.Run) (methods.Task, error) {
	info, err := datasets.Resolve(run.Dataset, run.DatasetArgs)
	if err != nil {
		return methods.Task{}, err
	}
	return methods.Task{Model: run.Model, InShape: info.Shape, Classes: info.Classes, Steps: info.Steps, Profile: profileOf(run)}, nil
}

// profileOf returns the profile a spec names: its definition when the spec
// carries one (every profile but the ideal fp32), else the built-in one.
func profileOf(run spec.Run) hardware.Profile {
	if run.ProfileDef != nil {
		return *run.ProfileDef
	}
	return hardware.Builtins[run.Profile]
}

// training is a run set up to train: its data, net, rule and the state a
// checkpoint keeps.
type training struct {
	run     spec.Run
	m       methods.Method
	params  methods.Values
	splits  datasets.Splits
	net     *nn.Sequential
	engine  *nn.Engine
	trainer methods.Trainer
	state   runState
	probe   *prober
	order   *rand.Rand
	ck      *checkpoint
	// chance is the validation accuracy of always answering the most
	// frequent class: a run that stays there has learnt nothing.
	chance float64
	// sequence is set for a sequence task, where staying at the trivial
	// baseline is a result to report (the dependency is too long for the
	// rule), not a collapse.
	sequence bool
	// baselines are the task's trivial predictors on the test split.
	baselines []results.Reference
	// failure is why the rule could not be set up, "" when it could.
	failure string
	// io and classes shape the net; ideal says the run's profile adds
	// nothing to the arithmetic (no hooks, no device).
	io      nn.IO
	classes int
	ideal   bool
	// replica evaluates epochs while the next trains; nil until the
	// first such epoch.
	replica *replica
}

// setUp loads the data, draws the split and the initial weights, and builds
// the rule's trainer under the run's profile, its products lent cores (nil: none).
func setUp(ctx context.Context, run spec.Run, m methods.Method, task methods.Task, log io.Writer, cores *nn.Cores) (*training, error) {
	key := run.Key()
	params, err := methods.Resolve(m, run.Params)
	if err != nil {
		return nil, err
	}
	info, err := datasets.Resolve(run.Dataset, run.DatasetArgs)
	if err != nil {
		return nil, err
	}
	data, err := info.WithSeed(run.Seed).Load(ctx, log)
	if err != nil {
		return nil, err
	}
	if data, err = data.Preprocessed(run.Preprocess); err != nil {
		return nil, err
	}
	// The split depends on the seed and the data only, so that every rule of
	// a suite is selected on the same held-out samples.
	splits, err := data.Split(run.Validation, run.TrainLimit, run.TestLimit,
		stream(strconv.FormatInt(run.Seed, 10), run.Dataset, strconv.Itoa(run.Validation), "split"))
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %w", key, err)
	}
	r := &training{run: run, m: m, params: params, splits: splits, ck: &checkpoint{Key: key},
		io:      nn.IO{In: data.Shape, Out: max(data.Classes, data.Outputs), Steps: data.Steps, Vocab: data.Vocab},
		classes: data.Classes, sequence: data.Steps > 0, ideal: task.Profile.IsIdeal()}
	if data.Classes > 0 && !r.sequence {
		r.chance = splits.Val.MajorityShare()
	}
	if data.Baselines != nil {
		r.baselines = data.Baselines(splits.Test)
	}
	rng := runStreams(run)
	r.engine = &nn.Engine{Hooks: task.Profile.Hooks(rng.get), Cores: cores}
	if r.state, r.failure, err = r.build(r.engine, rng); err != nil || r.failure != "" {
		return r, err
	}
	r.net, r.trainer, r.order = r.state.net, r.state.trainer, rng.get("order")
	if !r.ideal {
		r.state.opts.device = hardware.NewDevice(task.Profile, rng.get)
		r.state.opts.device.Program(r.state.params())
	}
	if r.probe, err = newProber(r.net, r.trainer, r.state.opts, splits.Train, run.BatchSize); err != nil {
		return nil, fmt.Errorf("runner: %s: %w", key, err)
	}
	return r, nil
}

// runStreams returns the run's random streams, each at its start.
func runStreams(run spec.Run) *streams {
	seed := strconv.FormatInt(run.Seed, 10)
	// The streams depend on the spec without its profile, so that runs that
	// differ only in hardware start from the same weights and see the same
	// data in the same order: a paired comparison.
	ideal := run
	ideal.Profile, ideal.ProfileDef = "fp32", nil
	rng := newStreams(seed, ideal.Key())
	// Runs that differ only in their rule, its parameters, the optimizer or
	// the number of epochs start from the same weights where their nets have
	// the same shapes, and see the training samples in the same order: the
	// seeds pair the runs of a suite for a paired test.
	rng.share("init", seed, encoded(run.Dataset, run.DatasetArgs, run.Model))
	rng.share("order", seed, encoded(run.Dataset, run.DatasetArgs, run.Validation, run.TrainLimit))
	return rng
}

// build draws the run's net from rng and makes the rule's trainer of it on
// engine. failure is why the rule could not be set up, "" when it could.
func (r *training) build(engine *nn.Engine, rng *streams) (s runState, failure string, err error) {
	net, err := nn.BuildIO(r.run.Model, r.io, rng.get("init"))
	if err != nil {
		return s, "", fmt.Errorf("runner: %s: %w", r.run.Key(), err)
	}
	opts := &optimizers{engine: engine}
	trainer, err := r.m.New(methods.Config{Net: net, Engine: engine, Optimizer: opts.add(r.run.Optimizer),
		NewOptimizer: func(s nn.OptimizerSpec) (nn.Optimizer, error) {
			if err := s.Validate(); err != nil {
				return nil, err
			}
			if s.Schedule == "" { // a rule's own optimizer follows the run's schedule
				s.Schedule = r.run.Optimizer.Schedule
			}
			return opts.add(s), nil
		},
		Params: r.params, Classes: r.classes, Rand: rng.get})
	if err != nil {
		return s, err.Error(), nil
	}
	return runState{net: net, trainer: trainer, opts: opts, rng: rng}, "", nil
}

// cost is the rule's declared cost on the run's net.
func (r *training) cost() results.Efficiency {
	c := r.m.Cost(r.net, r.params)
	return results.Efficiency{TrainMACsPerSample: c.TrainMACs, EvalMACsPerSample: c.EvalMACs, KeptFloatsPerSample: c.KeptFloats}
}

// resume puts the run back at the end of its last checkpointed epoch, if
// dir holds one that the rule's present code made; the run starts over
// from a checkpoint of other code, and says so to log.
func (r *training) resume(dir string, rec *results.Record, log io.Writer) error {
	if dir == "" {
		return nil
	}
	saved, err := loadCheckpoint(dir, r.ck.Key)
	if err != nil || saved == nil {
		return err
	}
	if was, now := saved.Code, r.ck.Code; was.Rule != now.Rule || was.Seeding != now.Seeding || was.Numerics != now.Numerics {
		if log != nil {
			fmt.Fprintf(log, "%s (%s on %s, seed %d): its checkpoint after epoch %d was made by other code (rule %q, seeding %q, arithmetic %q; now %q, %q, %q): starting over\n",
				rec.Key, rec.Spec.Method, rec.Spec.Dataset, rec.Spec.Seed, len(saved.Epochs), was.Rule, was.Seeding, was.Numerics, now.Rule, now.Seeding, now.Numerics)
		}
		return nil
	}
	if err := r.state.resume(saved); err != nil {
		return err
	}
	r.ck, rec.Epochs = saved, saved.Epochs
	return nil
}

// train trains epoch ep (from 1) and returns its training figures. failure
// is why the rule could not end the epoch, "" when it could.
func (r *training) train(ctx context.Context, ep int) (e results.Epoch, failure string, err error) {
	r.state.opts.schedule(ep, r.run.Epochs)
	if es, ok := r.trainer.(methods.EpochStarter); ok {
		size := r.run.BatchSize
		es.StartEpoch(ep, r.run.Epochs, (r.splits.Train.Len()+size-1)/size)
	}
	start := time.Now()
	before := r.engine.MACs
	loss, acc, err := trainEpoch(ctx, r.trainer, r.splits.Train, r.run.BatchSize, r.order)
	if err != nil {
		return e, "", err
	}
	e = results.Epoch{Epoch: ep, TrainLoss: results.Float(loss), TrainAcc: results.Float(acc), TrainS: time.Since(start).Seconds()}
	r.ck.TrainMACs += r.engine.MACs - before
	r.ck.TrainSamples += r.splits.Train.Len()
	if ee, ok := r.trainer.(methods.EpochEnder); ok {
		if err := ee.EndEpoch(); err != nil {
			return e, err.Error(), nil
		}
	}
	e.WallS = time.Since(start).Seconds()
	return e, "", nil
}

// evaluate scores the net on the validation and test splits after epoch e,
// adding the time it took to e's, then probes the rule's updates.
func (r *training) evaluate(e *results.Epoch) {
	start := time.Now()
	r.net.SetTraining(false)
	scoreEpoch(e, r.trainer, r.net, r.engine, r.splits)
	r.net.SetTraining(true)
	e.WallS += time.Since(start).Seconds() // not the probes
	e.AngleToBP = r.probe.angles()
}

// scoreEpoch fills in e's validation and test figures.
func scoreEpoch(e *results.Epoch, t methods.Trainer, net *nn.Sequential, engine *nn.Engine, s datasets.Splits) {
	val := evaluate(t, net, engine, s.Val)
	test := evaluate(t, net, engine, s.Test)
	e.ValAcc, e.TestAcc, e.Val, e.Test = val.acc, test.acc, val.scores, test.scores
}

// account adds epoch e's times and the heap's peak to c's totals.
func (c *checkpoint) account(e results.Epoch) {
	c.WallS += e.WallS
	c.TrainS += e.TrainS
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c.PeakHeap = max(c.PeakHeap, ms.HeapInuse)
}

// A run diverges when its loss or weights stop being finite, when its loss
// grows past explodeFactor times its first epoch's, or when its validation
// accuracy stays within chanceMargin of always answering the most frequent
// class for chanceEpochs epochs in a row: a collapsed run has learnt as
// little as one that overflowed.
const (
	explodeFactor = 10
	chanceEpochs  = 3
	chanceMargin  = 0.01
)

// diverged returns why the run has diverged after eps, the net's weights
// after the last being net's, or "".
func (r *training) diverged(eps []results.Epoch, net *nn.Sequential) string {
	last := eps[len(eps)-1]
	loss := float64(last.TrainLoss)
	if math.IsNaN(loss) || math.IsInf(loss, 0) || paramsDiverged(net) {
		return fmt.Sprintf("training loss %v at epoch %d", loss, last.Epoch)
	}
	if first := float64(eps[0].TrainLoss); first > 0 && loss > explodeFactor*first {
		return fmt.Sprintf("training loss exploded: %.4g at epoch %d, %.4g at epoch %d (over %d×)",
			loss, last.Epoch, first, eps[0].Epoch, explodeFactor)
	}
	if r.sequence || r.chance == 0 || r.splits.Val.Len() == 0 || len(eps) < chanceEpochs {
		return ""
	}
	for _, e := range eps[len(eps)-chanceEpochs:] {
		if e.ValAcc > r.chance+chanceMargin {
			return ""
		}
	}
	return fmt.Sprintf("collapsed: validation accuracy %.2f %% after epoch %d, at chance (the most frequent class is %.2f %%) for %d epochs",
		100*last.ValAcc, last.Epoch, 100*r.chance, chanceEpochs)
}

// finish fills in the record's final figures and measured efficiency.
func (r *training) finish(rec *results.Record) {
	rec.Final = final(rec.Epochs, r.splits.Val.Len() > 0)
	rec.Baselines = r.baselines
	if n := len(rec.Epochs); n > 0 {
		rec.Efficiency.WallSPerEpoch = r.ck.WallS / float64(n)
		rec.Efficiency.TrainSPerEpoch = r.ck.TrainS / float64(n)
	}
	if r.ck.TrainSamples > 0 {
		rec.Efficiency.MeasuredTrainMACsPerSample = float64(r.ck.TrainMACs) / float64(r.ck.TrainSamples)
	}
	rec.Efficiency.PeakHeapBytes, rec.Efficiency.PeakRSSBytes = r.ck.PeakHeap, peakRSS()
}

// batch is one batch of a split: its inputs and its targets.
type batch struct {
	x      *nn.Tensor
	labels []int
	values *nn.Tensor
}

// gather fills b with samples [from, to) of s, reusing its buffers.
func (b *batch) gather(s datasets.Split, from, to int) nn.Targets {
	n, p := to-from, s.Part
	if b.x == nil || b.x.Rows() != n {
		b.x = nn.NewTensor(n, p.Dim)
		b.labels = make([]int, n*p.Labels())
		if p.V != nil {
			b.values = nn.NewTensor(n, p.VDim)
		}
	}
	var v []float32
	if p.V != nil {
		v = b.values.Data
	}
	s.Gather(b.x.Data, b.labels, v, from, to)
	if p.V != nil {
		return nn.Targets{Values: b.values}
	}
	return nn.Classes(b.labels)
}

// trainEpoch runs one pass over the training split in an order drawn from
// r and returns the mean loss and the accuracy of the training passes.
func trainEpoch(ctx context.Context, t methods.Trainer, s datasets.Split, size int, r *rand.Rand) (loss, acc float64, err error) {
	idx := append([]int(nil), s.Index...)
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	shuffled := datasets.Split{Part: s.Part, Index: idx}
	var b batch
	var sumLoss float64
	var correct, rows int
	measured := true
	for from := 0; from < len(idx); from += size {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		to := min(from+size, len(idx))
		y := b.gather(shuffled, from, to)
		l, c := t.Step(b.x, y)
		sumLoss += l * float64(to-from)
		correct += c
		rows += len(y.Labels)
		measured = measured && c >= 0
	}
	n := float64(len(idx))
	if !measured {
		return sumLoss / n, math.NaN(), nil
	}
	return sumLoss / n, float64(correct) / float64(rows), nil
}

// evaluation is how a split is scored: the accuracy of a classification,
// and Scores for a task whose targets are values or classes at more than
// one step.
type evaluation struct {
	acc    float64
	scores *results.Scores
}

// evaluate scores t on s. A classification at one step counts the
// rule's predictions; any other task is scored from the net's outputs,
// which every rule that trains such tasks predicts with.
func evaluate(t methods.Trainer, net *nn.Sequential, e *nn.Engine, s datasets.Split) evaluation {
	if s.Len() == 0 {
		return evaluation{}
	}
	p := s.Part
	var b batch
	if p.V == nil && p.Labels() == 1 {
		pred := make([]int, evalBatch)
		correct := 0
		for from := 0; from < s.Len(); from += evalBatch {
			to := min(from+evalBatch, s.Len())
			y := b.gather(s, from, to)
			t.Predict(b.x, pred[:to-from])
			for i, c := range pred[:to-from] {
				if c == y.Labels[i] {
					correct++
				}
			}
		}
		return evaluation{acc: float64(correct) / float64(s.Len())}
	}
	var errs results.ValueErrors
	var sumLoss float64
	correct, rows := 0, 0
	for from := 0; from < s.Len(); from += evalBatch {
		to := min(from+evalBatch, s.Len())
		y := b.gather(s, from, to)
		out := net.Forward(e, b.x)
		l, c := y.Loss(out, nil)
		if y.Values != nil {
			errs.Add(out.Data, y.Values.Data)
			continue
		}
		sumLoss += l * float64(len(y.Labels))
		correct, rows = correct+c, rows+len(y.Labels)
	}
	if p.V != nil {
		sc := errs.Scores()
		return evaluation{scores: &sc}
	}
	return evaluation{acc: float64(correct) / float64(rows), scores: &results.Scores{Loss: results.Float(sumLoss / float64(rows))}}
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
// highest validation accuracy, or with the lowest validation loss for a task
// scored by a loss (the last epoch when there is no validation split),
// gives the reported test figures.
func final(eps []results.Epoch, haveVal bool) results.Final {
	if len(eps) == 0 {
		return results.Final{}
	}
	best := len(eps) - 1
	if haveVal {
		best = 0
		for i, e := range eps {
			if better(e, eps[best]) {
				best = i
			}
		}
	}
	return results.Final{TestAcc: eps[len(eps)-1].TestAcc, BestValAcc: eps[best].ValAcc,
		BestEpoch: eps[best].Epoch, TestAccAtBestVal: eps[best].TestAcc, TestAtBestVal: eps[best].Test}
}

// better reports whether epoch a validates better than b. A loss that is
// not a number is never better.
func better(a, b results.Epoch) bool {
	if a.Val == nil {
		return a.ValAcc > b.ValAcc
	}
	la, lb := float64(a.Val.Loss), float64(b.Val.Loss)
	return la < lb || (math.IsNaN(lb) && !math.IsNaN(la))
}
