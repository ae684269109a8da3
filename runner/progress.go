package runner

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// Progress receives the events of a suite run. Implementations must be safe
// for concurrent use: workers report side by side.
type Progress interface {
	Start(runs, skipped int)
	RunStart(key string, s spec.Run)
	Epoch(key string, epochs int, e results.Epoch)
	RunDone(key string, r *results.Record, err error)
	Finish()
}

type nopProgress struct{}

func (nopProgress) Start(int, int)                         {}
func (nopProgress) RunStart(string, spec.Run)              {}
func (nopProgress) Epoch(string, int, results.Epoch)       {}
func (nopProgress) RunDone(string, *results.Record, error) {}
func (nopProgress) Finish()                                {}

// Lines reports progress as one line per epoch and per finished run, for
// logs and terminals that are not interactive.
type Lines struct {
	W io.Writer

	mu     sync.Mutex
	runs   int
	done   int
	start  time.Time
	labels map[string]string
}

// NewLines returns a line reporter writing to w.
func NewLines(w io.Writer) *Lines { return &Lines{W: w, labels: map[string]string{}} }

func (p *Lines) Start(runs, skipped int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs, p.start = runs, time.Now()
	fmt.Fprintf(p.W, "%d runs to train, %d already recorded\n", runs, skipped)
}

func (p *Lines) RunStart(key string, s spec.Run) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.labels[key] = label(s)
}

func (p *Lines) Epoch(key string, epochs int, e results.Epoch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	eta := time.Duration(float64(epochs-e.Epoch)*e.WallS) * time.Second
	fmt.Fprintf(p.W, "  %s epoch %d/%d  loss %.4f  train %.2f%%  val %.2f%%  test %.2f%%  %.1fs  (run ETA %s)\n",
		p.labels[key], e.Epoch, epochs, float64(e.TrainLoss), 100*float64(e.TrainAcc), 100*e.ValAcc, 100*e.TestAcc, e.WallS,
		eta.Round(time.Second))
}

func (p *Lines) RunDone(key string, r *results.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	elapsed := time.Since(p.start)
	eta := time.Duration(float64(elapsed) / float64(p.done) * float64(p.runs-p.done)).Round(time.Second)
	switch {
	case errors.Is(err, errClaimed):
		fmt.Fprintf(p.W, "[%d/%d] %s: skipped, %v\n", p.done, p.runs, p.labels[key], err)
	case err != nil:
		fmt.Fprintf(p.W, "[%d/%d] %s: error: %v\n", p.done, p.runs, p.labels[key], err)
	case r.Status == results.StatusOK:
		fmt.Fprintf(p.W, "[%d/%d] %s: test %.2f%% at best validation (epoch %d)  suite ETA %s\n",
			p.done, p.runs, p.labels[key], 100*r.Final.TestAccAtBestVal, r.Final.BestEpoch, eta)
	default:
		fmt.Fprintf(p.W, "[%d/%d] %s: %s: %s  suite ETA %s\n", p.done, p.runs, p.labels[key], r.Status, r.Reason, eta)
	}
}

func (p *Lines) Finish() {}

func label(s spec.Run) string {
	l := fmt.Sprintf("%s/%s %s seed %d", s.Suite, s.Experiment, s.Method, s.Seed)
	if len(s.Point) > 0 {
		l += " " + s.Point.String()
	}
	return l
}
