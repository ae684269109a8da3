package runner

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
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
	fmt.Fprintf(p.W, "  %s epoch %d/%d  loss %.4f  %s  %.1fs  (run ETA %s)\n",
		p.labels[key], e.Epoch, epochs, float64(e.TrainLoss), figures(e), e.WallS, eta.Round(time.Second))
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
		fmt.Fprintf(p.W, "[%d/%d] %s: test %s at best validation (epoch %d)%s  suite ETA %s\n",
			p.done, p.runs, p.labels[key], finalFigure(r.Final), r.Final.BestEpoch, baselineText(r.Baselines), eta)
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

// figures writes an epoch's figures: accuracies, or errors for a task
// scored by a loss.
func figures(e results.Epoch) string {
	if e.Val == nil && e.Test == nil {
		train := fmt.Sprintf("%.2f%%", 100*float64(e.TrainAcc))
		if math.IsNaN(float64(e.TrainAcc)) { // a rule whose training passes do not classify
			train = "–"
		}
		return fmt.Sprintf("train %s  val %.2f%%  test %.2f%%", train, 100*e.ValAcc, 100*e.TestAcc)
	}
	return fmt.Sprintf("val %s  test %s", scoreText(e.Val), scoreText(e.Test))
}

// finalFigure writes the test figure at best validation.
func finalFigure(f results.Final) string {
	if f.TestAtBestVal == nil {
		return fmt.Sprintf("%.2f%%", 100*f.TestAccAtBestVal)
	}
	return scoreText(f.TestAtBestVal)
}

// scoreText writes MSE and MAE of values, or the loss of classes per step.
func scoreText(s *results.Scores) string {
	switch {
	case s == nil:
		return "-"
	case s.MSE != 0 || s.MAE != 0:
		return fmt.Sprintf("MSE %.4f MAE %.4f", float64(s.MSE), float64(s.MAE))
	}
	return fmt.Sprintf("loss %.4f", float64(s.Loss))
}

// baselineText writes the task's baselines, " (persistence MSE …, …)".
func baselineText(refs []results.Reference) string {
	if len(refs) == 0 {
		return ""
	}
	parts := make([]string, len(refs))
	for i, r := range refs {
		if r.Acc != 0 && r.Scores.Loss == 0 {
			parts[i] = fmt.Sprintf("%s %.2f%%", r.Name, 100*r.Acc)
		} else {
			parts[i] = r.Name + " " + scoreText(&r.Scores)
		}
	}
	return "  (" + strings.Join(parts, ", ") + ")"
}
