package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Initialize sets the weights of every Dense and Conv2D layer of s (fan-in
// C·K·K for a convolution) and zeroes or draws its biases, by scheme:
//   - "he": W ~ U[−√(6/fan_in), √(6/fan_in)], b = 0 (for ReLU);
//   - "glorot": W ~ U[−√(6/(fan_in+fan_out)), +], b = 0 (for tanh, sigmoid);
//   - "torch": W, b ~ U[−1/√fan_in, 1/√fan_in], PyTorch's nn.Linear default.
//
// Layers are drawn in order from r, so the same r gives the same weights.
func Initialize(s *Sequential, scheme string, r *rand.Rand) error {
	for _, l := range s.Layers {
		var w, b *Param
		var fanIn, fanOut float64
		switch l := l.(type) {
		case *Dense:
			w, b, fanIn, fanOut = l.W, l.B, float64(l.fanIn()), float64(l.Out)
		case *Conv2D:
			w, b = l.Wt, l.B
			fanIn, fanOut = float64(l.C*l.K*l.K), float64(l.F*l.K*l.K)
		case *Recurrent:
			if err := initRecurrent(l, scheme, r); err != nil {
				return err
			}
			continue
		case *Embedding:
			if l.E != nil { // PyTorch's nn.Embedding: N(0, 1)
				Gaussian(l.E.Value.Data, 1, r)
			}
			continue
		default:
			continue
		}
		var limit, blimit float64
		switch scheme {
		case "he":
			limit = math.Sqrt(6 / fanIn)
		case "glorot":
			limit = math.Sqrt(6 / (fanIn + fanOut))
		case "torch":
			limit = 1 / math.Sqrt(fanIn)
			blimit = limit
		default:
			return fmt.Errorf("nn: unknown initialiser %q (accepted: he, glorot, torch)", scheme)
		}
		Uniform(w.Value.Data, limit, r)
		Uniform(b.Value.Data, blimit, r)
		if d, ok := l.(*Dense); ok {
			d.masked(w.Value.Data)
		}
	}
	return nil
}

// Uniform fills v with draws from U[−limit, limit]; limit 0 gives zeros.
func Uniform(v []float32, limit float64, r *rand.Rand) {
	for i := range v {
		if limit == 0 {
			v[i] = 0
			continue
		}
		v[i] = float32((2*r.Float64() - 1) * limit)
	}
}

// Gaussian fills v with draws from N(0, std²).
func Gaussian(v []float32, std float64, r *rand.Rand) {
	for i := range v {
		v[i] = float32(r.NormFloat64() * std)
	}
}

// initRecurrent draws a recurrent layer's weights. "torch" is PyTorch's
// nn.RNN and nn.LSTM default, every weight and bias ~ U[±1/√Hidden]. Any
// other scheme gives what the recurrent literature uses: Glorot input
// weights per gate, an orthogonal Wh per gate (tanh RNN as TPTT, LSTM) or
// the identity (ReLU RNN, Le et al. 2015's IRNN), zero biases but the LSTM
// forget gate's, which is 1.
func initRecurrent(l *Recurrent, scheme string, r *rand.Rand) error {
	H, G := l.Hidden, l.gates()
	switch scheme {
	case "torch":
		limit := 1 / math.Sqrt(float64(H))
		for _, p := range l.Params() {
			Uniform(p.Value.Data, limit, r)
		}
		return nil
	case "he", "glorot":
	default:
		return fmt.Errorf("nn: unknown initialiser %q (accepted: he, glorot, torch)", scheme)
	}
	block := make([]float32, max(l.In, H)*H)
	for g := 0; g < G; g++ { // each gate's block as a layer of its own
		Uniform(block[:l.In*H], math.Sqrt(6/float64(l.In+H)), r)
		setColumns(l.Wx.Value, block[:l.In*H], g*H, H)
	}
	for g := 0; g < G; g++ {
		if _, relu := l.Act.(ReLU); relu {
			clear(block[:H*H])
			for i := 0; i < H; i++ {
				block[i*H+i] = 1
			}
		} else {
			orthogonal(block[:H*H], H, r)
		}
		setColumns(l.Wh.Value, block[:H*H], g*H, H)
	}
	clear(l.B.Value.Data)
	if G == 4 {
		for j := H; j < 2*H; j++ {
			l.B.Value.Data[j] = 1
		}
	}
	return nil
}

// setColumns copies the rows×width matrix src into columns [from,
// from+width) of m.
func setColumns(m *Tensor, src []float32, from, width int) {
	for i := 0; i < m.Rows(); i++ {
		copy(m.Row(i)[from:from+width], src[i*width:(i+1)*width])
	}
}

// orthogonal fills the n×n matrix v with a random orthogonal matrix: the
// rows of a Gaussian matrix drawn from r, orthonormalised by modified
// Gram–Schmidt in float64.
func orthogonal(v []float32, n int, r *rand.Rand) {
	q := make([]float64, n*n)
	for i := range q {
		q[i] = r.NormFloat64()
	}
	for i := 0; i < n; i++ {
		row := q[i*n : (i+1)*n]
		for j := 0; j < i; j++ {
			prev := q[j*n : (j+1)*n]
			var dot float64
			for k := range row {
				dot += row[k] * prev[k]
			}
			for k := range row {
				row[k] -= dot * prev[k]
			}
		}
		var norm float64
		for _, x := range row {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for k := range row {
			row[k] /= norm
		}
	}
	for i, x := range q {
		v[i] = float32(x)
	}
}
