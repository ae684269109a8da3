package nn

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// numericsPins are the hashes numericsWorkload gives, by Numerics and
// architecture.
var numericsPins = map[string]map[string]string{
	// 2: recurrent weight gradients cut by rows (OpenBLAS summed them in
	// another order; the pure-Go BLAS did not). The hash is the workload's
	// since it took in the padded CNN with batch normalisation; the code of
	// Numerics 2 before that gave it too.
	"2": {"amd64": "9f496de0c26d1748"},
	// 3: convolutions by vecmath's products, summed in their own order.
	"3": {"amd64": "839ecbb5d29a4ec4"},
	// 4: matrix products by vecmath's kernels, each element one sum in
	// order (the pure-Go BLAS summed A·Bᵀ as dot products).
	"4": {"amd64": "14a39126cc315308"},
}

// TestNumericsArePinned trains small nets of every kind a few steps and
// compares a hash of their weights with the one pinned for Numerics: an
// arithmetic change that alters bits must come with a new Numerics, so that
// stores see their records as changed. It holds whichever kernels the CPU
// runs (AVX-512, AVX2, or the scalar loops with -tags purego) and whichever
// BLAS the build links.
func TestNumericsArePinned(t *testing.T) {
	checkPin(t, "the arithmetic", numericsPins, numericsWorkload)
}

// checkPin compares the hash workload gives with the one pins hold for
// Numerics on this architecture.
func checkPin(t *testing.T, what string, pins map[string]map[string]string, workload func(*testing.T) string) {
	want, ok := pins[Numerics][runtime.GOARCH]
	if !ok {
		t.Skipf("no pin for %s", runtime.GOARCH)
	}
	if got := workload(t); got != want {
		t.Errorf("%s of Numerics %q gives %s, pinned %s: if the change is meant, give Numerics a new name and pin this hash for it", what, Numerics, got, want)
	}
}

// numericsWorkload returns the hash of the weights of an MLP, a CNN with
// pooling, a padded CNN with batch normalisation (whose convolutions are
// computed by samples), an Elman RNN and an LSTM after three steps each of
// SGD with momentum, Adam and RMSprop (clipped), on products large enough
// to be cut into pieces.
func numericsWorkload(t *testing.T) string {
	h := sha256.New()
	cores := NewCores(2)
	defer cores.Take()()
	for i, c := range []struct {
		spec ModelSpec
		io   IO
		opt  OptimizerSpec
	}{
		{ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}, Activation: "relu"}, IO{In: []int{784}, Out: 10}, OptimizerSpec{Name: "sgd", LR: 0.02, Momentum: 0.9}},
		{ModelSpec{Kind: "cnn", Conv: []int{8}, Kernel: 5}, IO{In: []int{3, 16, 16}, Out: 10}, OptimizerSpec{Name: "adam", LR: 0.001}},
		{ModelSpec{Kind: "cnn", Conv: []int{16, 32}, Kernel: 3, Padding: 1, BatchNorm: true}, IO{In: []int{3, 32, 32}, Out: 10}, OptimizerSpec{Name: "sgd", LR: 0.01, Momentum: 0.9}},
		{ModelSpec{Kind: "rnn", Hidden: []int{128}}, IO{In: []int{20, 4}, Out: 10, Steps: 1}, OptimizerSpec{Name: "rmsprop", LR: 0.001, Clip: 1}},
		{ModelSpec{Kind: "lstm", Hidden: []int{128}}, IO{In: []int{20, 4}, Out: 10, Steps: 1}, OptimizerSpec{Name: "adam", LR: 0.001, Clip: 1}},
	} {
		r := rand.New(rand.NewPCG(uint64(i), 1))
		net, err := BuildIO(c.spec.Resolved(), c.io, r)
		if err != nil {
			t.Fatal(err)
		}
		e := &Engine{Cores: cores}
		opt := c.opt.NewFor(e)
		in := 1
		for _, d := range c.io.In {
			in *= d
		}
		x, grad := NewTensor(64, in), NewTensor(64, 10)
		labels := make([]int, 64)
		for step := 0; step < 3; step++ {
			Gaussian(x.Data, 1, r)
			for j := range labels {
				labels[j] = r.IntN(10)
			}
			SoftmaxCrossEntropy(net.Forward(e, x), labels, grad)
			net.Backward(e, grad)
			opt.Step(net.Params())
		}
		for _, p := range net.Params() {
			for _, v := range p.Value.Data {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// secondPassPins are the hashes secondPassWorkload gives, by Numerics and
// architecture.
var secondPassPins = map[string]map[string]string{
	"2": {"amd64": "f1bc2c3657a3fed4"},
	"3": {"amd64": "f1bc2c3657a3fed4"},
	"4": {"amd64": "f1bc2c3657a3fed4"},
}

// TestSecondPassIsPinned does for the passes that rules other than BP run
// through time (SecondPass, with a shift and a step's state changed, and
// LocalBackward) what TestNumericsArePinned does for training by BP.
func TestSecondPassIsPinned(t *testing.T) {
	checkPin(t, "the second pass's arithmetic", secondPassPins, secondPassWorkload)
}

// secondPassWorkload returns the hash of an RNN's and an LSTM's second-pass
// states and local weight gradients (T = 20, batch 64, 128 units).
func secondPassWorkload(t *testing.T) string {
	h := sha256.New()
	cores := NewCores(2)
	defer cores.Take()()
	for i, cell := range Cells {
		r := rand.New(rand.NewPCG(uint64(i), 2))
		net, err := BuildIO(ModelSpec{Kind: cell, Hidden: []int{128}}.Resolved(), IO{In: []int{20, 4}, Out: 10, Steps: 1}, r)
		if err != nil {
			t.Fatal(err)
		}
		rec := net.Layers[0].(*Recurrent)
		e := &Engine{Cores: cores}
		x := NewTensor(64, 80)
		Gaussian(x.Data, 1, r)
		rec.Forward(e, x)
		shift := NewTensor(64, rec.Wx.Value.Cols())
		Gaussian(shift.Data, 0.1, r)
		if cell == "lstm" {
			shift = nil
		}
		h2 := rec.SecondPass(e, shift, func(step int, s *Tensor) {
			if step == 0 {
				for j := range s.Data {
					s.Data[j] += 0.5
				}
			}
		})
		hs, _ := rec.States()
		n := x.Rows()
		dh := NewTensor(rec.T*n, rec.Hidden)
		for j := range dh.Data {
			dh.Data[j] = hs.Data[n*rec.Hidden+j] - h2.Data[n*rec.Hidden+j]
		}
		rec.LocalBackward(e, dh)
		for _, vs := range [][]float32{h2.Data, rec.Wx.Grad.Data, rec.Wh.Grad.Data, rec.B.Grad.Data} {
			for _, v := range vs {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
