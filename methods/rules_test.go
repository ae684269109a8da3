package methods

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/nn"
)

// recorder is an optimizer that keeps a copy of the gradients it is given
// and applies nothing.
type recorder map[*nn.Param][]float32

func (r recorder) Step(ps []*nn.Param) {
	for _, p := range ps {
		r[p] = append([]float32(nil), p.Grad.Data...)
	}
}

// setup builds a 4-16-8-3 MLP and a trainer of rule m with parameters given
// over the defaults, recording instead of applying its updates.
func setup(t *testing.T, m Method, act string, given map[string]any) (Trainer, *nn.Sequential, recorder) {
	t.Helper()
	net, err := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}, Activation: act}, []int{toyDim}, 3, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	tr, rec := trainerOn(t, m, net, given)
	return tr, net, rec
}

// trainerOn builds a trainer of rule m for 3 classes on net with
// parameters given over the defaults, recording instead of applying its
// updates.
func trainerOn(t *testing.T, m Method, net *nn.Sequential, given map[string]any) (Trainer, recorder) {
	t.Helper()
	vals, err := Resolve(m, given)
	if err != nil {
		t.Fatal(err)
	}
	rec := recorder{}
	tr, err := m.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: rec, Params: vals, Classes: 3,
		Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(7, uint64(len(s)))) }})
	if err != nil {
		t.Fatal(err)
	}
	return tr, rec
}

// TestFTPUpdateFromForwardWeightsAndG recomputes FTP's update of every
// weight from the forward weights, biases and G alone, in float64, following
// docs/methods.md step by step; the trainer's update must match. Nothing but
// W, b and G enters the second pass.
func TestFTPUpdateFromForwardWeightsAndG(t *testing.T) {
	for _, tc := range []map[string]any{
		{},
		{"layer_input": "target"},
		{"sigma_g": "tanh", "gamma": 0.1},
		{"output": "target"},
		{"step_norm": "sample", "gamma": 0.1},
		{"max_step": 0.005, "gamma": 0.1},
		{"max_step": 0.005, "gamma": 0.1, "layer_input": "target", "step_norm": "sample"},
	} {
		tr, net, rec := setup(t, FTP{}, "tanh", tc)
		x, labels := toyProblem(5, rand.New(rand.NewPCG(1, 2)))
		tr.Step(x, nn.Classes(labels))
		G := tr.(*ftpTrainer).G
		vals, _ := Resolve(FTP{}, tc)
		want := ftpReference(net, G, x, labels, vals)
		ds := net.Denses()
		for l, d := range ds {
			for i, g := range rec[d.W] {
				if math.Abs(float64(g)-want[l][i]) > 1e-5 {
					t.Fatalf("%v: layer %d weight %d: trainer %.7g, reference %.7g", tc, l+1, i, g, want[l][i])
				}
			}
		}
	}
}

// ftpReference returns ∇W_l of FTP per layer, from W, b and G only.
func ftpReference(net *nn.Sequential, G *nn.Tensor, x *nn.Tensor, labels []int, p Values) [][]float64 {
	ds := net.Denses()
	L := len(ds)
	B := x.Rows()
	affine := func(l int, in []float64) []float64 {
		d := ds[l]
		out := make([]float64, d.Out)
		for j := range out {
			out[j] = float64(d.B.Value.Data[j])
			for i := range in {
				out[j] += in[i] * float64(d.W.Value.Data[i*d.Out+j])
			}
		}
		return out
	}
	softmax := func(a []float64) []float64 {
		m, s := a[0], 0.0
		for _, v := range a {
			m = math.Max(m, v)
		}
		out := make([]float64, len(a))
		for i, v := range a {
			out[i] = math.Exp(v - m)
			s += out[i]
		}
		for i := range out {
			out[i] /= s
		}
		return out
	}
	sigma := map[string]func(float64) float64{"identity": func(v float64) float64 { return v },
		"tanh": math.Tanh, "same": math.Tanh}[p.String("sigma_g")]
	gamma := p.Float("gamma")
	grads := make([][]float64, L)
	for l, d := range ds {
		grads[l] = make([]float64, d.In*d.Out)
	}
	for b := 0; b < B; b++ {
		in := make([]float64, x.Cols())
		for i := range in {
			in[i] = float64(x.Row(b)[i])
		}
		hs := [][]float64{in}
		for l := 0; l < L-1; l++ {
			a := affine(l, hs[l])
			for i := range a {
				a[i] = math.Tanh(a[i])
			}
			hs = append(hs, a)
		}
		yhat := softmax(affine(L-1, hs[L-1]))
		y := make([]float64, len(yhat))
		y[labels[b]] = 1
		n1 := ds[0].Out
		tau := [][]float64{in, make([]float64, n1)}
		for j := 0; j < n1; j++ {
			var gy, gyhat float64
			for k := range y {
				gy += float64(G.Data[k*n1+j]) * y[k]
				gyhat += float64(G.Data[k*n1+j]) * yhat[k]
			}
			tau[1][j] = gamma * (sigma(gy) - sigma(gyhat)) // the step, for now
		}
		if p.String("step_norm") == "sample" { // RMS γ per unit
			var ss float64
			for _, v := range tau[1] {
				ss += v * v
			}
			for j := range tau[1] {
				tau[1][j] *= gamma / math.Sqrt(ss/float64(n1))
			}
		}
		c := p.Float("max_step")
		bound := func(v, h float64) float64 {
			if c == 0 {
				return v
			}
			return math.Min(math.Max(v, h-c), h+c)
		}
		for j := range tau[1] {
			tau[1][j] = bound(hs[1][j]+bound(tau[1][j], 0), hs[1][j])
		}
		for l := 1; l < L-1; l++ {
			a := affine(l, tau[l])
			for i := range a {
				a[i] = math.Tanh(a[i])
			}
			tau = append(tau, a)
		}
		for l := 2; l < L; l++ { // bounded after pass 2, before the updates
			for j := range tau[l] {
				tau[l][j] = bound(tau[l][j], hs[l][j])
			}
		}
		input := hs
		if p.String("layer_input") == "target" {
			input = tau
		}
		for l := 0; l < L; l++ {
			var delta []float64
			if l < L-1 {
				delta = make([]float64, ds[l].Out)
				for j := range delta {
					h := hs[l+1][j]
					delta[j] = (h - tau[l+1][j]) * (1 - h*h)
				}
			} else if p.String("output") == "target" {
				target := softmax(affine(L-1, tau[L-1]))
				delta = make([]float64, len(yhat))
				for j := range delta {
					delta[j] = yhat[j] - target[j]
				}
			} else {
				delta = make([]float64, len(yhat))
				for j := range delta {
					delta[j] = yhat[j] - y[j]
				}
			}
			src := input[l]
			if l == 0 {
				src = in
			}
			for i := range src {
				for j := range delta {
					grads[l][i*ds[l].Out+j] += src[i] * delta[j] / float64(B)
				}
			}
		}
	}
	return grads
}

func TestFTPOutputUpdateEqualsBP(t *testing.T) {
	ftp, net, frec := setup(t, FTP{}, "relu", nil)
	bp, net2, brec := setup(t, BP{}, "relu", nil)
	x, labels := toyProblem(8, rand.New(rand.NewPCG(3, 1)))
	ftp.Step(x, nn.Classes(labels))
	bp.Step(x, nn.Classes(labels))
	last, last2 := net.Denses()[2], net2.Denses()[2]
	if diff := cmp.Diff(brec[last2.W], frec[last.W]); diff != "" {
		t.Errorf("output-layer update, FTP vs BP (-bp +ftp):\n%s", diff)
	}
	if cmp.Equal(brec[net2.Denses()[0].W], frec[net.Denses()[0].W]) {
		t.Error("FTP's first-layer update equals BP's: the rule is not FTP")
	}
}

// TestFixedFeedbackNeverChanges trains each rule with a fixed random matrix
// for a while and requires the matrix to be bit-identical afterwards.
func TestFixedFeedbackNeverChanges(t *testing.T) {
	for _, tc := range []struct {
		m     Method
		fixed func(Trainer) []*nn.Tensor
	}{
		{FTP{}, func(t Trainer) []*nn.Tensor { return []*nn.Tensor{t.(*ftpTrainer).G} }},
		{DFA{}, func(t Trainer) []*nn.Tensor { return t.(*dfaTrainer).B }},
		{FA{}, func(t Trainer) []*nn.Tensor { return t.(*faTrainer).B }},
		{PEPITA{}, func(t Trainer) []*nn.Tensor { return []*nn.Tensor{t.(*pepitaTrainer).F} }},
	} {
		net, _ := nn.Build(nn.ModelSpec{Kind: "mlp", Hidden: []int{16, 8}}, []int{toyDim}, 3, rand.New(rand.NewPCG(1, 1)))
		vals, _ := Resolve(tc.m, nil)
		tr, _ := tc.m.New(Config{Net: net, Engine: &nn.Engine{}, Optimizer: &nn.SGD{LR: 0.1, Momentum: 0.9},
			Params: vals, Classes: 3, Rand: func(s string) *rand.Rand { return rand.New(rand.NewPCG(2, 2)) }})
		var before [][]float32
		for _, f := range tc.fixed(tr) {
			before = append(before, append([]float32(nil), f.Data...))
		}
		x, labels := toyProblem(30, rand.New(rand.NewPCG(5, 5)))
		for range 50 {
			tr.Step(x, nn.Classes(labels))
		}
		for i, f := range tc.fixed(tr) {
			if !cmp.Equal(before[i], f.Data) {
				t.Errorf("%s: fixed matrix %d changed during training", tc.m.Name(), i)
			}
		}
	}
}

// TestPEPITASharesDropoutMask checks that a unit dropped in the first pass is
// dropped in the second, that the passes differ, and that x' = x + F e.
func TestPEPITASharesDropoutMask(t *testing.T) {
	tr, net, _ := setup(t, PEPITA{}, "relu", map[string]any{"keep_prob": 0.5})
	x, labels := toyProblem(10, rand.New(rand.NewPCG(6, 6)))
	tr.Step(x, nn.Classes(labels))
	p := tr.(*pepitaTrainer)
	dropped := 0
	for l, m := range p.masks {
		for i, v := range m.Data {
			if v == 0 {
				dropped++
				if p.pass1[l].Data[i] != 0 || p.pass2[l].Data[i] != 0 {
					t.Fatalf("layer %d unit %d: dropped, yet pass 1 gives %v and pass 2 %v", l+1, i, p.pass1[l].Data[i], p.pass2[l].Data[i])
				}
			}
		}
	}
	if dropped == 0 || cmp.Equal(p.pass1[0].Data, p.pass2[0].Data) {
		t.Fatalf("%d units dropped; passes equal: %v", dropped, cmp.Equal(p.pass1[0].Data, p.pass2[0].Data))
	}
	n := x.Rows()
	for b := 0; b < n; b++ {
		for i := 0; i < x.Cols(); i++ {
			want := float64(x.Row(b)[i])
			for k := 0; k < 3; k++ {
				want += float64(p.F.Data[k*x.Cols()+i]) * float64(p.e.Row(b)[k]) * float64(n)
			}
			if math.Abs(want-float64(p.xp.Row(b)[i])) > 1e-5 {
				t.Fatalf("x'[%d][%d] = %v, want x + F e = %v", b, i, p.xp.Row(b)[i], want)
			}
		}
	}
	for _, d := range net.Denses() {
		for _, v := range d.B.Value.Data {
			if v != 0 {
				t.Fatal("PEPITA without bias has a nonzero bias")
			}
		}
	}
}

// TestFTPConvUpdateIsTheLocalLoss checks FTP on the paper's CNN shape
// (Conv, ReLU, MaxPool, output layer): the filters' update must be the
// finite-difference gradient of the local loss ½‖h_1 − τ_1‖²/B with τ_1 =
// h_1 − γ·G e held constant, where h_1 is the whole pooled feature map. No
// gradient of the output layer reaches the filters.
func TestFTPConvUpdateIsTheLocalLoss(t *testing.T) {
	spec := nn.ModelSpec{Kind: "cnn", Conv: []int{3}, Kernel: 3, Padding: 1, Activation: "tanh"}
	net, err := nn.Build(spec, []int{2, 2, 2}, 3, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := Resolve(FTP{}, map[string]any{"gamma": 0.5})
	rec := recorder{}
	e := &nn.Engine{}
	tr, err := FTP{}.New(Config{Net: net, Engine: e, Optimizer: rec, Params: vals, Classes: 3,
		Rand: func(string) *rand.Rand { return rand.New(rand.NewPCG(5, 5)) }})
	if err != nil {
		t.Fatal(err)
	}
	x, labels := toyProblem(6, rand.New(rand.NewPCG(6, 6)))
	tr.Step(x, nn.Classes(labels))
	ftp := tr.(*ftpTrainer)
	tau := ftp.taus[0].Clone()
	conv := net.Layers[0].(*nn.Conv2D)
	feature := &nn.Sequential{Layers: net.Layers[:4]} // Conv, MaxPool, Act, Flatten
	local := func() float64 {
		h := feature.Forward(e, x)
		var s float64
		for i, v := range h.Data {
			d := float64(v - tau.Data[i])
			s += d * d
		}
		return s / 2 / float64(x.Rows())
	}
	const h = 1e-3
	got := rec[conv.Wt]
	for i := range conv.Wt.Value.Data {
		old := conv.Wt.Value.Data[i]
		conv.Wt.Value.Data[i] = old + h
		up := local()
		conv.Wt.Value.Data[i] = old - h
		down := local()
		conv.Wt.Value.Data[i] = old
		want := (up - down) / (2 * h)
		if math.Abs(float64(got[i])-want) > 2e-2*math.Max(math.Abs(want), 1e-3) {
			t.Errorf("filter weight %d: FTP's update %.6g, the local loss's gradient %.6g", i, got[i], want)
		}
	}
}

// TestOmitDefaultKeepsOldSpecs checks that FTP's stabilisers, added after
// its runs were recorded, stay out of a spec at their defaults (so the
// spec's key is what it was) and in it otherwise.
func TestOmitDefaultKeepsOldSpecs(t *testing.T) {
	model := nn.ModelSpec{Kind: "mlp", Hidden: []int{8}}
	vals, _ := Resolve(FTP{}, nil)
	got := ForTask(FTP{}, vals, model, nil)
	for _, name := range []string{"step_norm", "max_step", "inject"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s at its default is in the spec: %v", name, got)
		}
	}
	if _, ok := got["gamma"]; !ok {
		t.Errorf("gamma is missing from the spec: %v", got)
	}
	given := map[string]any{"max_step": 0.1}
	vals, _ = Resolve(FTP{}, given)
	if got := ForTask(FTP{}, vals, model, given); got["max_step"] != 0.1 {
		t.Errorf("max_step 0.1 given, spec %v", got)
	}
}
