package runner

import (
	"fmt"
	"io"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// Bars shows progress as terminal bars: one for the suite (runs done, ETA)
// and one per run in progress (epoch, last loss and validation accuracy,
// ETA).
type Bars struct {
	p     *mpb.Progress
	mu    sync.Mutex
	suite *mpb.Bar
	runs  map[string]*runBar
}

type runBar struct {
	bar    *mpb.Bar
	status string
}

// NewBars returns a bar display writing to w, which should be a terminal.
func NewBars(w io.Writer) *Bars {
	return &Bars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40)), runs: map[string]*runBar{}}
}

func (b *Bars) Start(runs, skipped int) {
	b.suite = b.p.AddBar(int64(runs),
		mpb.PrependDecorators(decor.Name(fmt.Sprintf("suite (%d already recorded)", skipped), decor.WCSyncSpaceR),
			decor.CountersNoUnit("%d/%d runs", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done")))
}

func (b *Bars) RunStart(key string, s spec.Run) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rb := &runBar{}
	rb.bar = b.p.AddBar(int64(s.Epochs),
		mpb.PrependDecorators(decor.Name(label(s), decor.WCSyncSpaceR),
			decor.CountersNoUnit("epoch %d/%d", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			b.mu.Lock()
			defer b.mu.Unlock()
			return rb.status
		}), decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)),
		mpb.BarRemoveOnComplete())
	b.runs[key] = rb
}

func (b *Bars) Epoch(key string, epochs int, e results.Epoch) {
	b.mu.Lock()
	rb := b.runs[key]
	rb.status = fmt.Sprintf("loss %.4f val %.2f%%", float64(e.TrainLoss), 100*e.ValAcc)
	if e.Val != nil {
		rb.status = fmt.Sprintf("loss %.4f val %s", float64(e.TrainLoss), scoreText(e.Val))
	}
	b.mu.Unlock()
	rb.bar.Increment()
}

func (b *Bars) RunDone(key string, r *results.Record, err error) {
	b.mu.Lock()
	rb := b.runs[key]
	delete(b.runs, key)
	b.mu.Unlock()
	rb.bar.Abort(true) // done early (diverged, not applicable) or complete: remove it
	b.suite.Increment()
}

func (b *Bars) Finish() {
	if b.suite != nil && !b.suite.Completed() {
		b.suite.Abort(false)
	}
	b.p.Wait()
}
