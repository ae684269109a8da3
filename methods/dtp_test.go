package methods

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// dtpSetup builds a 4-8-6-5-3 tanh MLP under DTP with recorders for both the
// forward and the feedback optimizer: nothing moves, every update is kept.
func dtpSetup(t *testing.T, feedback string) (*dtpTrainer, *nn.Sequential, recorder, recorder) {
	t.Helper()
	net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{8, 6, 5}, Activation: "tanh"}, []int{toyDim}, 3, rand.New(rand.NewPCG(8, 8)))
	vals, err := Resolve(DTP{}, map[string]any{"feedback": feedback})
	if err != nil {
		t.Fatal(err)
	}
	fwd, fb := recorder{}, recorder{}
	tr, err := DTP{}.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: fwd, Params: vals, Classes: 3,
		NewOptimizer: func(nn.OptimizerSpec) (nn.Optimizer, error) { return fb, nil },
		Rand:         func(s string) *rand.Rand { return rand.New(rand.NewPCG(3, uint64(len(s)))) }})
	if err != nil {
		t.Fatal(err)
	}
	return tr.(*dtpTrainer), net, fwd, fb
}

// TestDTPForwardUpdatesAreLocal recomputes DTP's forward updates in float64
// from the activities, the output weights (for the first target) and the
// inverses alone: each hidden layer's update is the gradient of its own
// ½‖h_l − τ_l‖², so no gradient reaches it from a layer above.
func TestDTPForwardUpdatesAreLocal(t *testing.T) {
	tr, net, fwd, _ := dtpSetup(t, "lee")
	x, labels := toyProblem(5, rand.New(rand.NewPCG(2, 2)))
	tr.Step(x, nn.Classes(labels))
	ds := net.Denses()
	L := len(ds)
	n := x.Rows()
	h := make([][]float64, L) // h[0] = x, h[l] = activity of hidden layer l
	h[0] = f64(x.Data)
	for l := 1; l < L; l++ {
		h[l] = f64(tr.m.act[l-1].Output().Data)
	}
	e := f64(tr.e.Data) // (ŷ − y)/B
	W := func(l int) []float64 { return f64(ds[l].W.Value.Data) }
	// τ_{L−1} = h_{L−1} − β·n·e·W_Lᵀ
	taus := make([][]float64, L)
	taus[L-1] = append([]float64(nil), h[L-1]...)
	wL, nl := W(L-1), ds[L-1].In
	for b := 0; b < n; b++ {
		for i := 0; i < nl; i++ {
			for k := 0; k < 3; k++ {
				taus[L-1][b*nl+i] -= float64(tr.beta) * float64(n) * e[b*3+k] * wL[i*3+k]
			}
		}
	}
	g := func(inv *inverse, in []float64, rows, cols, outCols int) []float64 {
		V, c := f64(inv.V.Value.Data), f64(inv.c.Value.Data)
		out := make([]float64, rows*outCols)
		for b := 0; b < rows; b++ {
			for j := 0; j < outCols; j++ {
				a := c[j]
				for i := 0; i < cols; i++ {
					a += in[b*cols+i] * V[i*outCols+j]
				}
				out[b*outCols+j] = math.Tanh(a)
			}
		}
		return out
	}
	for l := L - 1; l >= 2; l-- {
		inv := tr.inv[l-2]
		gt := g(inv, taus[l], n, ds[l-1].Out, ds[l-1].In)
		gh := g(inv, h[l], n, ds[l-1].Out, ds[l-1].In)
		taus[l-1] = make([]float64, len(h[l-1]))
		for i := range taus[l-1] {
			taus[l-1][i] = h[l-1][i] + gt[i] - gh[i]
		}
	}
	for l := 1; l < L; l++ {
		d := ds[l-1]
		want := make([]float64, d.In*d.Out)
		for b := 0; b < n; b++ {
			for j := 0; j < d.Out; j++ {
				hv := h[l][b*d.Out+j]
				delta := (hv - taus[l][b*d.Out+j]) * (1 - hv*hv) / float64(n)
				for i := 0; i < d.In; i++ {
					want[i*d.Out+j] += h[l-1][b*d.In+i] * delta
				}
			}
		}
		for i, got := range fwd[d.W] {
			if math.Abs(float64(got)-want[i]) > 1e-5 {
				t.Fatalf("layer %d weight %d: trainer %.7g, local-loss reference %.7g", l, i, got, want[i])
			}
		}
	}
}

// TestDTPInversesTrainOnTheirOwnLoss compares each inverse's update with the
// finite-difference gradient of its feedback loss alone (the noise of the
// step held fixed), for both losses.
func TestDTPInversesTrainOnTheirOwnLoss(t *testing.T) {
	for _, feedback := range []string{"lee", "drl"} {
		tr, _, _, fb := dtpSetup(t, feedback)
		x, labels := toyProblem(4, rand.New(rand.NewPCG(4, 4)))
		tr.Step(x, nn.Classes(labels))
		for k, inv := range tr.inv {
			l := k + 1
			d := tr.m.dense[l]
			hprev, hl := tr.m.act[l-1].Output(), tr.m.act[l].Output()
			loss := func() float64 {
				r := nn.NewTensor(hprev.Rows(), d.In)
				inv.apply(&nn.Engine{}, r, tr.ft[k])
				var r0 *nn.Tensor
				if feedback == "drl" {
					r0 = nn.NewTensor(hprev.Rows(), d.In)
					inv.apply(&nn.Engine{}, r0, hl)
				}
				var s float64
				for i := range r.Data {
					diff := float64(r.Data[i]) - float64(hprev.Data[i]) - float64(tr.eps[k].Data[i])
					if r0 != nil {
						diff = float64(r.Data[i]) - float64(r0.Data[i]) - float64(tr.eps[k].Data[i])
					}
					s += diff * diff
				}
				return s / 2 / float64(hprev.Rows())
			}
			for _, p := range []*nn.Param{inv.V, inv.c} {
				for i := range p.Value.Data {
					old := p.Value.Data[i]
					p.Value.Data[i] = old + 1e-2
					up := loss()
					p.Value.Data[i] = old - 1e-2
					down := loss()
					p.Value.Data[i] = old
					num := (up - down) / 2e-2
					if got := float64(fb[p][i]); math.Abs(got-num) > 2e-2*math.Max(math.Abs(num), 1e-3) {
						t.Fatalf("%s: %s[%d]: update %.6g, feedback-loss gradient %.6g", feedback, p.Name, i, got, num)
					}
				}
			}
		}
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
