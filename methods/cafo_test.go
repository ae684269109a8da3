package methods

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/creditbench/creditbench/nn"
)

func TestCaFoFrozenBlocksDoNotChange(t *testing.T) {
	for _, loss := range []string{"ce", "sparsemax", "mse"} {
		net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
		vals, _ := Resolve(CaFo{}, map[string]any{"predictor_loss": loss})
		tr, err := CaFo{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: &nn.SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01},
			Params: vals, Classes: 3, Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(3, 3)) }})
		if err != nil {
			t.Fatal(err)
		}
		ds := net.Denses()
		before := [][]float32{append([]float32(nil), ds[0].W.Value.Data...), append([]float32(nil), ds[0].B.Value.Data...),
			append([]float32(nil), ds[1].W.Value.Data...), append([]float32(nil), ds[1].B.Value.Data...)}
		x, labels := toyProblem(30, rand.New(rand.NewPCG(5, 5)))
		for range 20 {
			tr.Step(x, nn.Classes(labels))
		}
		tr.(EpochEnder).EndEpoch()
		after := [][]float32{ds[0].W.Value.Data, ds[0].B.Value.Data, ds[1].W.Value.Data, ds[1].B.Value.Data}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("%s: a frozen block changed:\n%s", loss, diff)
		}
		if loss != "mse" && cmp.Equal(before[3], ds[2].B.Value.Data) {
			t.Errorf("%s: the predictors did not train", loss)
		}
	}
}

// TestCaFoTrainsBlocksOneAfterAnother: in the first half of a run of two
// blocks only the first block and its predictor change, and the second
// block is not even run; in the second half the first stays as it was.
func TestCaFoTrainsBlocksOneAfterAnother(t *testing.T) {
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
	vals, _ := Resolve(CaFo{}, map[string]any{"blocks": "local"})
	if vals.String("order") != "sequential" {
		t.Fatalf("order defaults to %q, want sequential", vals.String("order"))
	}
	e := &nn.Engine{}
	tr, err := CaFo{}.New(Config{Net: net, Engine: e, Optimizer: &nn.SGD{LR: 0.1, Momentum: 0.9},
		Params: vals, Classes: 3, Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(3, 3)) }})
	if err != nil {
		t.Fatal(err)
	}
	ds := net.Denses()
	p1 := tr.(AuxParams).AuxParams()[0]
	snapshot := func() [][]float32 {
		var s [][]float32
		for _, v := range [][]float32{ds[0].W.Value.Data, p1.Value.Data, ds[1].W.Value.Data, ds[2].W.Value.Data} {
			s = append(s, append([]float32(nil), v...))
		}
		return s
	}
	x, labels := toyProblem(30, rand.New(rand.NewPCG(5, 5)))
	steps := func(epoch int) [][]float32 {
		before := snapshot()
		tr.(EpochStarter).StartEpoch(epoch, 2, 10)
		for range 10 {
			tr.Step(x, nn.Classes(labels))
		}
		return before
	}
	names := []string{"block 1", "predictor 1", "block 2", "output layer"}
	check := func(half int, before [][]float32, moves []bool) {
		after := snapshot()
		for i, name := range names {
			if moved := !cmp.Equal(before[i], after[i]); moved != moves[i] {
				t.Errorf("half %d: %s moved: %v, want %v", half, name, moved, moves[i])
			}
		}
	}
	start := e.MACs
	check(1, steps(1), []bool{true, true, false, false})
	first := e.MACs - start
	pred := make([]int, x.Rows())
	before := e.MACs
	tr.Predict(x, pred)
	if got, all := (e.MACs-before)/int64(x.Rows()), (CaFo{}).Cost(net, vals).EvalMACs; got >= all {
		t.Errorf("after the first half the prediction took %d MACs per sample, want fewer than all blocks' %d", got, all)
	}
	start = e.MACs
	check(2, steps(2), []bool{false, false, true, true})
	if second := e.MACs - start; first >= second {
		t.Errorf("the first half counted %d MACs, not fewer than the second's %d: the second block ran", first, second)
	}
}

// TestCaFoSolvesOnlyTheBlockInTraining: one after another with closed-form
// predictors, an epoch's end solves the predictor whose share it was and
// leaves the next, which has seen no sample, as it was.
func TestCaFoSolvesOnlyTheBlockInTraining(t *testing.T) {
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
	vals, _ := Resolve(CaFo{}, map[string]any{"predictor_loss": "mse"})
	tr, err := CaFo{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: recorder{}, Params: vals, Classes: 3,
		Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(3, 3)) }})
	if err != nil {
		t.Fatal(err)
	}
	x, labels := toyProblem(30, rand.New(rand.NewPCG(5, 5)))
	p1, out := tr.(AuxParams).AuxParams()[0], net.Denses()[2]
	tr.(EpochStarter).StartEpoch(1, 2, 4)
	for range 4 {
		tr.Step(x, nn.Classes(labels))
	}
	if err := tr.(EpochEnder).EndEpoch(); err != nil {
		t.Fatalf("the first epoch's end: %v", err)
	}
	if cmp.Equal(p1.Value.Data, make([]float32, len(p1.Value.Data))) {
		t.Error("the first predictor was not solved after its share")
	}
	if !cmp.Equal(out.W.Value.Data, make([]float32, len(out.W.Value.Data))) {
		t.Error("the second predictor changed before its share")
	}
}

// TestCaFoRidgeMatchesIndependentSolve compares the closed-form predictor
// with the least-squares solution of the augmented system
// [H 1; √λI 0]·[W; b] = [Y; 0], solved by QR in float64.
func TestCaFoRidgeMatchesIndependentSolve(t *testing.T) {
	const lambda = 0.5
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{6, 5}}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
	vals, _ := Resolve(CaFo{}, map[string]any{"predictor_loss": "mse", "ridge": lambda})
	tr, _ := CaFo{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: recorder{}, Params: vals, Classes: 3,
		Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(3, 3)) }})
	cafo := tr.(*cafoTrainer)
	var feats [][][]float32 // per predictor, the rows of H seen
	var ys []int
	for b := range 3 {
		x, labels := toyProblem(10, rand.New(rand.NewPCG(uint64(b), 9)))
		tr.Step(x, nn.Classes(labels))
		ys = append(ys, labels...)
		for k := range cafo.preds {
			if len(feats) <= k {
				feats = append(feats, nil)
			}
			h := cafo.ss[k].output()
			for i := 0; i < h.Rows(); i++ {
				feats[k] = append(feats[k], append([]float32(nil), h.Row(i)...))
			}
		}
	}
	if err := cafo.EndEpoch(); err != nil {
		t.Fatal(err)
	}
	for k, pr := range cafo.preds {
		rows, w := len(feats[k]), len(feats[k][0])
		a := mat.NewDense(rows+w, w+1, nil)
		y := mat.NewDense(rows+w, 3, nil)
		for i, f := range feats[k] {
			for j, v := range f {
				a.Set(i, j, float64(v))
			}
			a.Set(i, w, 1)
			y.Set(i, ys[i], 1)
		}
		for j := 0; j < w; j++ {
			a.Set(rows+j, j, math.Sqrt(lambda))
		}
		var qr mat.QR
		qr.Factorize(a)
		var want mat.Dense
		if err := qr.SolveTo(&want, false, y); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < w; i++ {
			for c := 0; c < 3; c++ {
				if got := float64(pr.W.Value.Data[i*3+c]); math.Abs(got-want.At(i, c)) > 1e-3 {
					t.Fatalf("predictor %d: W[%d][%d] = %.6g, independent ridge %.6g", k+1, i, c, got, want.At(i, c))
				}
			}
		}
		for c := 0; c < 3; c++ {
			if got := float64(pr.b.Value.Data[c]); math.Abs(got-want.At(w, c)) > 1e-3 {
				t.Fatalf("predictor %d: b[%d] = %.6g, independent ridge %.6g", k+1, c, got, want.At(w, c))
			}
		}
	}
}

func TestSparsemax(t *testing.T) {
	p := make([]float32, 3)
	loss := sparsemax(p, []float32{2, 1, -1}, 0)
	// τ = (2 + 1 − 1)/2 = 1: p = (1, 0, 0); loss = −2 + ½(4 − 1) + ½ = 0.
	if diff := cmp.Diff([]float32{1, 0, 0}, p); diff != "" || math.Abs(loss) > 1e-9 {
		t.Errorf("sparsemax: p %v, loss %v\n%s", p, loss, diff)
	}
	sparsemax(p, []float32{0.5, 0.4, 0.1}, 2)
	var s float32
	for _, v := range p {
		s += v
	}
	if math.Abs(float64(s)-1) > 1e-6 || p[0] <= p[1] || p[2] < 0 {
		t.Errorf("sparsemax of a close vote: %v", p)
	}
}
