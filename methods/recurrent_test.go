package methods

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditbench/creditbench/nn"
)

// rnnSetup builds a recurrent net reading T steps of 3 features, with a
// target at the last `steps` steps, and a trainer of rule m on it.
func rnnSetup(t *testing.T, m Method, cell string, T, steps int, given map[string]any) (Trainer, *nn.Sequential, *nn.Engine) {
	t.Helper()
	net, err := nn.BuildIO(nn.ModelSpec{Kind: cell, Hidden: []int{6}}, nn.IO{In: []int{T, 3}, Out: 2, Steps: steps}, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := Resolve(m, given)
	if err != nil {
		t.Fatal(err)
	}
	e := &nn.Engine{}
	tr, err := m.New(Config{Net: net, Engine: e, Optimizer: recorder{}, Params: vals, Classes: 2,
		Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(5, uint64(len(s)))) }})
	if err != nil {
		t.Fatal(err)
	}
	return tr, net, e
}

// stepErrors returns, per step, the norm of the recurrent layer's gate
// errors after a training step on a random batch.
func stepErrors(t *testing.T, tr Trainer, net *nn.Sequential, T, steps int) []float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	x := nn.NewTensor(4, T*3)
	nn.Gaussian(x.Data, 1, r)
	labels := make([]int, 4*max(steps, 1))
	for i := range labels {
		labels[i] = r.IntN(2)
	}
	tr.Step(x, nn.Classes(labels))
	if steps == 0 {
		return nil
	}
	d := recurrentLayers(net)[0].GateErrors()
	norms := make([]float64, T)
	per := len(d.Data) / T
	for step := range norms {
		for _, v := range d.Data[step*per : (step+1)*per] {
			norms[step] += float64(v) * float64(v)
		}
		norms[step] = math.Sqrt(norms[step])
	}
	return norms
}

// TestNoErrorTravelsBackInTime checks what sets the through-time rules
// apart from BPTT. With a target at the last step only, BPTT's error
// reaches every step; FTP injecting at each step with a target and DFA
// without a leak leave every earlier step without error, so nothing went
// back through time; FTP injecting at the first step reaches every step by
// its second forward pass, DFA with a leak by its eligibility traces, and
// TPTT (dtp) by its learned inverse. None of them runs a product with Whᵀ: the MACs
// the engine counts equal what the rules declare, which has none.
func TestNoErrorTravelsBackInTime(t *testing.T) {
	const T = 5
	for _, cell := range nn.Cells {
		for _, tc := range []struct {
			rule    Method
			params  map[string]any
			reaches bool // the first steps receive an error
		}{
			{BP{}, nil, true},
			{FTP{}, map[string]any{"inject": "each"}, false},
			{DFA{}, nil, false},
			{FTP{}, map[string]any{"inject": "first"}, true},
			{DFA{}, map[string]any{"leak": 0.5}, true},
			{DTP{}, nil, true},    // TPTT's targets go back in time by the learned inverse
			{PEPITA{}, nil, true}, // the modulated input reaches every step
		} {
			if tc.rule.Uses(Task{Model: nn.ModelSpec{Kind: cell, Hidden: []int{6}}}) != nil {
				continue
			}
			tr, net, e := rnnSetup(t, tc.rule, cell, T, 1, tc.params)
			if tc.rule.Name() == "pepita" { // no gate errors: the passes' difference pairs with inputs directly
				stepErrors(t, tr, net, T, 0)
				checkCost(t, tc.rule, tc.params, cell, net, e)
				continue
			}
			norms := stepErrors(t, tr, net, T, 1)
			if norms[T-1] == 0 {
				t.Errorf("%s %v on %s: no error at the last step", tc.rule.Name(), tc.params, cell)
			}
			for step := 0; step < T-1; step++ {
				if got := norms[step] > 0; got != tc.reaches {
					t.Errorf("%s %v on %s: step %d has error %.3g, want an error: %v", tc.rule.Name(), tc.params, cell, step, norms[step], tc.reaches)
				}
			}
			if tc.rule.Name() == "bp" {
				continue
			}
			checkCost(t, tc.rule, tc.params, cell, net, e)
		}
	}
}

// checkCost compares the MACs the engine counted for a step of 4 samples
// with what the rule declares.
func checkCost(t *testing.T, m Method, params map[string]any, cell string, net *nn.Sequential, e *nn.Engine) {
	t.Helper()
	vals, _ := Resolve(m, params)
	if want := 4 * m.Cost(net, vals).TrainMACs; e.MACs != want {
		t.Errorf("%s %v on %s: the engine counted %d MACs for 4 samples, the rule declares %d (no product through Whᵀ)", m.Name(), params, cell, e.MACs, want)
	}
}

// TestFTPThroughTimeTargets recomputes FTP's second pass through time for a
// tanh RNN in float64 from the forward weights and G alone, with the target
// injected at the first step, and checks the trainer's gate errors: δ_t =
// (h_t − τ_t)/B ⊙ (1 − h_t²).
func TestFTPThroughTimeTargets(t *testing.T) {
	const T, B = 4, 4
	tr, net, _ := rnnSetup(t, FTP{}, "rnn", T, 1, map[string]any{"gamma": 0.5})
	ft := tr.(*ftpThroughTime)
	r := rand.New(rand.NewPCG(9, 9))
	x := nn.NewTensor(B, T*3)
	nn.Gaussian(x.Data, 1, r)
	labels := make([]int, B)
	for i := range labels {
		labels[i] = r.IntN(2)
	}
	l := recurrentLayers(net)[0]
	H := l.Hidden
	wx, wh, b := l.Wx.Value, l.Wh.Value, l.B.Value.Data
	step := func(xt []float32, prev []float64) []float64 {
		out := make([]float64, H)
		for j := range out {
			a := float64(b[j])
			for i := 0; i < 3; i++ {
				a += float64(xt[i]) * float64(wx.Row(i)[j])
			}
			for i := 0; i < H; i++ {
				a += prev[i] * float64(wh.Row(i)[j])
			}
			out[j] = math.Tanh(a)
		}
		return out
	}
	tr.Step(x, nn.Classes(labels))
	e := ft.e // (ŷ − y)/B, batch×2
	d := l.GateErrors()
	for s := 0; s < B; s++ {
		row := x.Row(s)
		h, tau := make([]float64, H), make([]float64, H)
		for t0 := 0; t0 < T; t0++ {
			h = step(row[3*t0:3*t0+3], h)
			tau = step(row[3*t0:3*t0+3], tau)
			if t0 == 0 {
				for j := range tau {
					var ge float64
					for k := 0; k < 2; k++ {
						ge += float64(e.Row(s)[k]) * float64(ft.G.Row(k)[j])
					}
					tau[j] -= 0.5 * B * ge
				}
			}
			for j := range h {
				want := (h[j] - tau[j]) / B * (1 - h[j]*h[j])
				got := float64(d.Data[(t0*B+s)*H+j])
				if math.Abs(got-want) > 1e-5+1e-3*math.Abs(want) {
					t.Fatalf("sample %d step %d unit %d: δ %.6g, recomputed %.6g", s, t0, j, got, want)
				}
			}
		}
	}
}

// TestBPTTCostIsCounted checks BPTT's declared MACs against the engine's
// count on token inputs (one-hot and learned embeddings), stacked layers and
// a readout at every step.
func TestBPTTCostIsCounted(t *testing.T) {
	for _, tc := range []struct {
		spec nn.ModelSpec
		io   nn.IO
	}{
		{nn.ModelSpec{Kind: "rnn", Hidden: []int{6}}, nn.IO{In: []int{7}, Out: 3, Steps: 7, Vocab: 5}},
		{nn.ModelSpec{Kind: "lstm", Hidden: []int{6}, Embed: 4}, nn.IO{In: []int{7}, Out: 3, Steps: 1, Vocab: 5}},
		{nn.ModelSpec{Kind: "lstm", Hidden: []int{6, 5}}, nn.IO{In: []int{7, 2}, Out: 2, Steps: 3}},
	} {
		net, err := nn.BuildIO(tc.spec, tc.io, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		e := &nn.Engine{}
		tr, _ := BP{}.New(Config{Net: net, Engine: e, Optimizer: recorder{}})
		x := nn.NewTensor(4, size(tc.io.In))
		for i := range x.Data {
			x.Data[i] = float32(i % max(tc.io.Vocab, 2))
		}
		labels := make([]int, 4*tc.io.Steps)
		tr.Step(x, nn.Classes(labels))
		if want := 4 * (BP{}).Cost(net, nil).TrainMACs; e.MACs != want {
			t.Errorf("%+v: the engine counted %d MACs for 4 samples, bp declares %d", tc.spec, e.MACs, want)
		}
	}
}
