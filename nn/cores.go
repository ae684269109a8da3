package nn

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Cores lends idle cores to the products of the runs that share it. Every
// large product is cut into pieces by its shape alone (see pieces), so a
// run computes the same bits whether its pieces run one after another or
// side by side: parallelism changes the time of a run, never its record.
//
// A run's own goroutine counts as one core (see Take); a further core helps
// a run only while it is free. So runs trained side by side keep one core
// each, and the last run of a suite, or a lone one, gets the cores the
// others left.
type Cores struct {
	free chan struct{}
	// lent counts the cores helpers hold; wanted counts the runs waiting
	// to take one back from them.
	lent, wanted atomic.Int32
}

// NewCores returns a pool of n cores, at least 1; n ≤ 0 means GOMAXPROCS.
func NewCores(n int) *Cores {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	c := &Cores{free: make(chan struct{}, n)}
	for range n {
		c.free <- struct{}{}
	}
	return c
}

// Take takes a core for the caller's own work, and returns the function
// that gives it back. A core lent to another run's helpers is taken back
// (they give it up between pieces); when every core is held by a run, the
// caller goes on without one and release does nothing.
func (c *Cores) Take() (release func()) {
	if release, ok := c.Spare(); ok {
		return release
	}
	return func() {}
}

// Spare takes a core as Take does, for work beside the caller's own, but
// only a free one or one lent to helpers: when every core is held by a run,
// it takes none and ok is false.
func (c *Cores) Spare() (release func(), ok bool) {
	if c == nil {
		return nil, false
	}
	c.wanted.Add(1)
	defer c.wanted.Add(-1)
	for {
		select {
		case <-c.free:
			return func() { c.free <- struct{}{} }, true
		default:
		}
		if c.lent.Load() == 0 {
			return nil, false
		}
		runtime.Gosched()
	}
}

// lend takes a free core for a helper, unless a run wants one. It counts
// the core as lent before taking it, so that Take never sees a core gone
// and none lent.
func (c *Cores) lend() bool {
	if c == nil || c.wanted.Load() > 0 {
		return false
	}
	c.lent.Add(1)
	select {
	case <-c.free:
		return true
	default:
	}
	c.lent.Add(-1)
	return false
}

// giveBack returns a helper's core: to the free ones first, so that Take
// never sees it neither lent nor free and goes on without it.
func (c *Cores) giveBack() {
	c.free <- struct{}{}
	c.lent.Add(-1)
}

// Fixed limits of the cut of a product: a product has at most maxPieces
// pieces, each of at least minPieceMACs multiply-accumulates on average and
// at least minPieceWidth rows or columns, cut at multiples of pieceAlign
// (whole tiles of the kernels). The cut changes no bit of a product (each
// element is one sum of its own, see product.go); it only sizes the work
// lent to other cores.
const (
	minPieceMACs  = 1 << 21
	minPieceWidth = 64
	maxPieces     = 8
	pieceAlign    = 64
)

// pieces cuts an m×n product with inner size k into count pieces along its
// longer side (the columns of C when alongCols), 1 when it stays whole.
func pieces(m, n, k int) (count int, alongCols bool) {
	most := min(maxPieces, int(int64(m)*int64(n)*int64(k)/minPieceMACs))
	side := m
	if n >= m {
		side, alongCols = n, true
	}
	return max(min(most, side/minPieceWidth), 1), alongCols
}

// bound returns where piece i of count starts along a side (side for
// i = count): i·side/count rounded down to a multiple of pieceAlign, so
// that every piece is a whole number of pieceAligns wide, at least
// minPieceWidth, and the last one at least side/count.
func bound(i, count, side int) int {
	if i == count {
		return side
	}
	return i * side / count / pieceAlign * pieceAlign
}

// Elementwise work is cut into pieces of at least minSplit elements, a
// multiple of splitAlign long, so that every element goes through the same
// code of a vector kernel (its body or its tail) as when the range is whole.
const (
	minSplit   = 1 << 15
	splitAlign = 64
)

// Split calls f on pieces [lo, hi) that cover 0 ≤ i < n, cut by n alone,
// with the help of the engine's cores: f must treat every element on its
// own, so that the pieces give the same bits as one call f(0, n).
func (e *Engine) Split(n int, f func(lo, hi int)) {
	e.cut(n, min(maxPieces, n/minSplit), splitAlign, f)
}

// Rows calls f on pieces [lo, hi) that cover the n rows of a batch, each
// row costing about work element operations, cut by n and work alone, with
// the help of the engine's cores: f must treat every row on its own.
func (e *Engine) Rows(n, work int, f func(lo, hi int)) {
	e.cut(n, min(maxPieces, n, int(int64(n)*int64(work)/minSplit)), 1, f)
}

// cut calls f on about count pieces of 0 ≤ i < n, each a multiple of align
// long but the last, with the help of the engine's cores; fewer than two
// pieces are one call f(0, n).
func (e *Engine) cut(n, count, align int, f func(lo, hi int)) {
	if count < 2 {
		f(0, n)
		return
	}
	width := ((n+count-1)/count + align - 1) / align * align
	e.helpers().share((n+width-1)/width, func(i int) { f(i*width, min(n, (i+1)*width)) })
}

// helpers returns the crew of the engine's cores.
func (e *Engine) helpers() *crew {
	if e == nil {
		return nil
	}
	if e.crew == nil || e.crew.cores != e.Cores {
		e.crew = &crew{cores: e.Cores}
	}
	return e.crew
}

// A crew is the helpers of one run: goroutines on cores borrowed from a
// Cores, which take pieces of the run's products as they come. A helper
// waits for the next product by spinning, because a goroutine woken from
// sleep starts only after tens to hundreds of microseconds while its
// waker is in a C call, longer than a piece takes; after idle without
// work it gives its core back and ends.
type crew struct {
	cores   *Cores
	posted  atomic.Pointer[job]
	helpers atomic.Int32
}

// idle is how long a helper spins without work before it gives its core
// back: longer than the elementwise work between two products.
const idle = 2 * time.Millisecond

// job is one product's pieces, taken in turn by whoever is free: which
// core computes a piece does not change its bits.
type job struct {
	piece      func(i int)
	count      int32
	next, done atomic.Int32
	// panicked holds the first panic of a piece, raised again on the run's
	// own goroutine, where the runner turns it into a failed record.
	panicked atomic.Pointer[any]
}

// work computes pieces of j until none is left.
func (j *job) work() {
	for i := j.next.Add(1) - 1; i < j.count; i = j.next.Add(1) - 1 {
		j.run(int(i))
		j.done.Add(1)
	}
}

func (j *job) run(i int) {
	defer func() {
		if p := recover(); p != nil {
			j.panicked.CompareAndSwap(nil, &p)
		}
	}()
	j.piece(i)
}

// share computes piece(0), …, piece(count-1), with the crew's help when it
// has any, and returns when all are done.
func (w *crew) share(count int, piece func(i int)) {
	if w == nil || w.cores == nil {
		for i := range count {
			piece(i)
		}
		return
	}
	j := &job{piece: piece, count: int32(count)}
	w.posted.Store(j)
	for int(w.helpers.Load()) < count-1 && w.cores.lend() {
		w.helpers.Add(1)
		go w.help(j)
	}
	j.work()
	for spins := 1; j.done.Load() < j.count; spins++ {
		yield(spins)
	}
	w.posted.CompareAndSwap(j, nil)
	if p := j.panicked.Load(); p != nil {
		panic(*p)
	}
}

// help takes pieces of j and of every job posted after it, and gives its
// core back when it has spun idle without one or a run wants the core.
func (w *crew) help(j *job) {
	defer w.cores.giveBack()
	defer w.helpers.Add(-1)
	j.work()
	since := time.Now()
	for spins := 1; w.cores.wanted.Load() == 0; spins++ {
		if j = w.posted.Load(); j != nil && j.next.Load() < j.count {
			j.work()
			since = time.Now()
			continue
		}
		if spins%1024 == 0 && time.Since(since) > idle {
			return
		}
		yield(spins)
	}
}

// yield lets another goroutine have this core now and then while spinning,
// in case there are more spinners than cores.
func yield(spins int) {
	if spins%64 == 0 {
		runtime.Gosched()
	}
}
