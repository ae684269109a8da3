package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/creditbench/creditbench/internal/vecmath"
)

func TestPiecesDependOnShapeAlone(t *testing.T) {
	for _, c := range []struct {
		m, n, k int
	}{
		{64, 1024, 784}, {784, 1024, 64}, {1024, 784, 64}, {64, 784, 1024}, {64, 256, 784}, {32, 256, 784},
		{50176, 32, 75}, {7, 9, 11}, {64, 10, 128}, {128, 512, 6400}, {128, 128, 6400},
	} {
		m, n, k := c.m, c.n, c.k
		count, cols := pieces(m, n, k)
		side := m
		if cols {
			side = n
		}
		if side != max(m, n) {
			t.Errorf("%+v: cut along the shorter side", c)
		}
		if count == 1 {
			if int64(m)*int64(n)*int64(k) >= 2*minPieceMACs && side >= 2*minPieceWidth {
				t.Errorf("%+v: kept whole", c)
			}
			continue
		}
		if count > maxPieces {
			t.Errorf("%+v: %d pieces", c, count)
		}
		for i := range count {
			lo, hi := bound(i, count, side), bound(i+1, count, side)
			if lo%pieceAlign != 0 || hi-lo < minPieceWidth || (i == count-1 && hi != side) {
				t.Errorf("%+v: piece %d of %d is %d:%d", c, i, count, lo, hi)
			}
		}
	}
}

// TestCutProductsKeepTheirBits: every product, cut into pieces or not, with
// or without cores to help, gives the same bits, and the right product.
func TestCutProductsKeepTheirBits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cores := NewCores(4)
	for _, s := range [][3]int{{64, 1024, 784}, {784, 1024, 64}, {1024, 784, 64}, {64, 784, 1024}, {2000, 96, 75}, {48, 300, 784}, {128, 256, 2048}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			a, b := randomFactors(m, n, k, tr, r)
			alone, helped := NewTensor(m, n), NewTensor(m, n)
			Gaussian(alone.Data, 1, r)
			copy(helped.Data, alone.Data)
			c0 := append([]float32(nil), alone.Data...)
			(&Engine{}).MatMul(alone, a, tr[0], b, tr[1], 0.5, 0.25)
			e := &Engine{Cores: cores}
			e.MatMul(helped, a, tr[0], b, tr[1], 0.5, 0.25)
			name := fmt.Sprintf("%v trans %v", s, tr)
			for i := range alone.Data {
				if math.Float32bits(alone.Data[i]) != math.Float32bits(helped.Data[i]) {
					t.Fatalf("%s: element %d is %v alone and %v with help", name, i, alone.Data[i], helped.Data[i])
				}
			}
			// One row of C in float64, against the pieces.
			i := r.IntN(m)
			for j := range n {
				sum := 0.0
				for l := range k {
					av, bv := opAt(a, tr[0], k, i, l), opAt(b, tr[1], n, l, j)
					sum += float64(av) * float64(bv)
				}
				want := 0.5*sum + 0.25*float64(c0[i*n+j])
				if got := float64(alone.Data[i*n+j]); math.Abs(got-want) > 1e-5*float64(k) {
					t.Fatalf("%s: C[%d,%d] = %v, want %v", name, i, j, got, want)
				}
			}
		}
	}
}

// TestHelpersWorkSideBySide: with cores to spare, pieces run at the same
// time on more than one core, and every piece runs exactly once.
func TestHelpersWorkSideBySide(t *testing.T) {
	e := &Engine{Cores: NewCores(3)}
	defer e.Cores.Take()()
	var running, most atomic.Int32
	seen := make([]atomic.Int32, 8)
	e.helpers().share(len(seen), func(i int) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		// Wait (a while at most) for another piece to start beside this one.
		for deadline := time.Now().Add(time.Second); most.Load() < 2 && time.Now().Before(deadline); {
		}
		seen[i].Add(1)
		running.Add(-1)
	})
	if most.Load() < 2 {
		t.Error("no two pieces ran at the same time with 2 cores to spare")
	}
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Errorf("piece %d ran %d times", i, n)
		}
	}
	// The helpers give their cores back once idle.
	for deadline := time.Now().Add(5 * time.Second); len(e.Cores.free) < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := len(e.Cores.free); n != 2 {
		t.Errorf("%d of 2 spare cores back after the helpers went idle", n)
	}
}

// TestSGDUpdateKeepsItsBits: an update cut into pieces over cores gives the
// bits of one update of the whole vector.
func TestSGDUpdateKeepsItsBits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 784*1024 + 37
	mk := func() *Param {
		p := &Param{Value: NewTensor(n), Grad: NewTensor(n)}
		Gaussian(p.Value.Data, 1, rand.New(rand.NewPCG(7, 8)))
		return p
	}
	whole, cut := mk(), mk()
	alone := &SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Nesterov: true}
	helped := &SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Nesterov: true, Engine: &Engine{Cores: NewCores(3)}}
	for range 3 {
		Gaussian(whole.Grad.Data, 1, r)
		copy(cut.Grad.Data, whole.Grad.Data)
		alone.step(whole.Value.Data, whole.Grad.Data, alone.buffer(whole))
		helped.Step([]*Param{cut})
	}
	for i := range whole.Value.Data {
		if math.Float32bits(whole.Value.Data[i]) != math.Float32bits(cut.Value.Data[i]) {
			t.Fatalf("weight %d: %v updated whole, %v in pieces", i, whole.Value.Data[i], cut.Value.Data[i])
		}
	}
}

// TestUpdatesAreThePureGoBLAS: SGD's v ← μ·v + g in one pass gives the
// bits of the pure-Go BLAS's scal by μ then axpy of g by 1, which it
// replaces, and vecmath's Axpy those of its axpy, on lengths that end in
// every tail, whatever BLAS this build uses.
func TestUpdatesAreThePureGoBLAS(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	impl := gonum.Implementation{}
	for _, n := range []int{1, 7, 8, 9, 31, 64, 1000, 100003} {
		v, g := make([]float32, n), make([]float32, n)
		Gaussian(v, 1, r)
		Gaussian(g, 1e-3, r)
		v[0], g[n-1] = 1e-40, -3e-39 // denormals
		want := append([]float32(nil), v...)
		impl.Sscal(n, 0.9, want, 1)
		impl.Saxpy(n, 1, g, 1, want, 1)
		got := append([]float32(nil), v...)
		vecmath.ScaleAdd(got, g, 0.9)
		sameBits(t, fmt.Sprintf("length %d, μ·v + g", n), got, want)
		for _, alpha := range []float32{-0.02, 1e-4, 0} {
			impl.Saxpy(n, alpha, g, 1, want, 1)
			vecmath.Axpy(got, g, alpha)
			sameBits(t, fmt.Sprintf("length %d, axpy by %v", n, alpha), got, want)
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s, value %d: %v by vecmath, %v by the pure-Go BLAS", what, i, got[i], want[i])
		}
	}
}

// TestPanicInAPieceReachesTheRun: a piece that panics on a helper's core
// panics on the caller's goroutine, after every other piece is done.
func TestPanicInAPieceReachesTheRun(t *testing.T) {
	e := &Engine{Cores: NewCores(3)}
	defer e.Cores.Take()()
	var done atomic.Int32
	defer func() {
		if p := recover(); p != "piece 5" {
			t.Errorf("recovered %v, want the panic of piece 5", p)
		}
		if n := done.Load(); n != 7 {
			t.Errorf("%d other pieces done, want 7", n)
		}
	}()
	e.helpers().share(8, func(i int) {
		if i == 5 {
			panic("piece 5")
		}
		done.Add(1)
	})
}

// TestStridedConvInPieces: a strided convolution's first forward pass, cut
// into pieces on several cores, gives the columns of a pass on one (run
// with -race, it also shows the index map is made before the pieces).
func TestStridedConvInPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	x := NewTensor(64, 3*32*32)
	Gaussian(x.Data, 1, r)
	var outs [][]float32
	for _, e := range []*Engine{{}, {Cores: NewCores(4)}} {
		l, err := NewConv2D(3, 32, 32, 8, 3, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		Gaussian(l.Wt.Value.Data, 1, rand.New(rand.NewPCG(1, 2)))
		outs = append(outs, append([]float32(nil), l.Forward(e, x).Data...))
	}
	for i := range outs[0] {
		if math.Float32bits(outs[0][i]) != math.Float32bits(outs[1][i]) {
			t.Fatalf("output %d: %v on one core, %v in pieces", i, outs[0][i], outs[1][i])
		}
	}
}

// TestTakeReclaimsLentCores: a run that starts while another run's helpers
// hold the free core gets that core back, and the helpers give it up.
func TestTakeReclaimsLentCores(t *testing.T) {
	c := NewCores(2)
	defer c.Take()()
	e := &Engine{Cores: c}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a run whose products keep coming
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			e.helpers().share(8, func(int) { time.Sleep(50 * time.Microsecond) })
		}
	}()
	for deadline := time.Now().Add(5 * time.Second); c.lent.Load() == 0; {
		if time.Now().After(deadline) {
			close(stop)
			t.Fatal("no helper borrowed the free core")
		}
		time.Sleep(time.Millisecond)
	}
	got := make(chan func(), 1)
	go func() { got <- c.Take() }()
	select {
	case release := <-got:
		// A helper counts a core as lent for an instant while it tries to
		// take one (see lend): what must hold is that none stays lent.
		for deadline := time.Now().Add(time.Second); c.lent.Load() != 0 && time.Now().Before(deadline); {
			runtime.Gosched()
		}
		if n := c.lent.Load(); n != 0 || len(c.free) != 0 {
			t.Errorf("after Take: %d cores lent, %d free; want 0 and 0", n, len(c.free))
		}
		release()
	case <-time.After(5 * time.Second):
		t.Error("Take did not get the lent core back")
	}
	close(stop)
	<-done
}
