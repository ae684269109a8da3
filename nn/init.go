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
			w, b, fanIn, fanOut = l.W, l.B, float64(l.In), float64(l.Out)
		case *Conv2D:
			w, b = l.Wt, l.B
			fanIn, fanOut = float64(l.C*l.K*l.K), float64(l.F*l.K*l.K)
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
