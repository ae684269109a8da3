// Package runner turns run specs into records: it schedules runs over
// workers, seeds every random stream from the spec, trains, reports
// progress, and writes each record to the store as soon as its run ends.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// Options control a suite run.
type Options struct {
	// Jobs is the number of runs trained side by side (at least 1).
	Jobs int
	// Cores is the number of cores the runs share (0: GOMAXPROCS). Each run
	// takes one while there are; the pieces of large products take those
	// left idle, so a lone run, or the last of a suite, uses them all. The
	// records do not depend on it.
	Cores int
	// Progress receives progress events; nil shows nothing.
	Progress Progress
	// Log receives notes such as dataset downloads; nil discards them.
	Log io.Writer
	// Changed is what to do with runs whose records another implementation
	// of their rule made (see StateOf); the zero value refuses them.
	Changed Policy
}

// Summary counts what a suite run did.
type Summary struct {
	Ran, Skipped int
	// Elsewhere counts the runs another runner was training.
	Elsewhere int
	ByStatus  map[string]int
}

// Run trains every spec whose record is not yet in the store and writes each
// record as its run ends. Runs recorded by other code are refused, trained
// again or kept, as opt.Changed says. A run that cannot start (its data out of reach,
// say) leaves no record and the suite goes on; Run then returns an error
// that counts those runs and gives the first one's cause. A cancelled ctx
// stops every run at its next batch.
func Run(ctx context.Context, specs []spec.Run, store *results.Store, opt Options) (Summary, error) {
	sum := Summary{ByStatus: map[string]int{}}
	if err := store.Check(); err != nil {
		return sum, err
	}
	var todo []spec.Run
	var changed []string
	for _, s := range specs {
		state, why := StateOf(store, s)
		switch {
		case state == Done, state == Changed && opt.Changed == Accept:
			sum.Skipped++
		case state == Changed && opt.Changed == Refuse:
			changed = append(changed, why)
		default:
			todo = append(todo, s)
		}
	}
	if len(changed) > 0 {
		return sum, &ChangedError{Runs: changed}
	}
	jobs := max(1, min(opt.Jobs, len(todo)))
	prog := opt.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	prog.Start(len(todo), sum.Skipped)
	defer prog.Finish()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan spec.Run)
	cores := nn.NewCores(opt.Cores)
	var (
		mu       sync.Mutex
		firstErr error
		failed   int
		wg       sync.WaitGroup
	)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				key := s.Key()
				prog.RunStart(key, s)
				release := cores.Take()
				rec, err := runOne(ctx, s, store, prog, opt.Log, cores)
				release()
				mu.Lock()
				if errors.Is(err, errClaimed) {
					sum.Elsewhere++
				} else if err != nil && ctx.Err() == nil {
					failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("run %s (%s on %s, seed %d): %w", key, s.Method, s.Dataset, s.Seed, err)
					}
				} else if err == nil {
					sum.Ran++
					sum.ByStatus[rec.Status]++
				}
				mu.Unlock()
				prog.RunDone(key, rec, err)
			}
		}()
	}
feed:
	for _, s := range todo {
		select {
		case work <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if failed > 1 {
		firstErr = fmt.Errorf("%d runs could not start; the first: %w", failed, firstErr)
	}
	return sum, firstErr
}

// runOne claims, trains and stores one run. A run another runner claimed,
// or recorded meanwhile, gives errClaimed.
func runOne(ctx context.Context, s spec.Run, store *results.Store, prog Progress, log io.Writer, cores *nn.Cores) (*results.Record, error) {
	key := s.Key()
	release, err := claim(store.Claims(), key)
	if err != nil {
		return nil, err
	}
	defer release()
	if state, _ := StateOf(store, s); state == Done { // recorded meanwhile
		return nil, errClaimed
	}
	rec, err := Execute(ctx, s, ExecOptions{Log: log, Checkpoints: store.Checkpoints(), Cores: cores,
		OnEpoch: func(e results.Epoch) { prog.Epoch(key, s.Epochs, e) }})
	if err == nil {
		err = store.Write(rec)
	}
	if err == nil { // the record holds everything now
		os.Remove(checkpointPath(store.Checkpoints(), key))
		// Temporary files of this run left by a killed process: the claim
		// makes them ours to remove.
		for _, dir := range []string{store.Checkpoints(), filepath.Dir(store.Path(key))} {
			debris, _ := filepath.Glob(filepath.Join(dir, "."+key+".*.tmp"))
			for _, f := range debris {
				os.Remove(f)
			}
		}
	}
	return rec, err
}
