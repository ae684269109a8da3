package hardware

import (
	"math"
	"math/rand/v2"

	"github.com/creditbench/creditbench/nn"
)

// Device applies a profile to weight writes: every update the optimizer
// makes passes through the update format and, for weight matrices, through
// the analog device model, and the written weights through the weight
// format.
//
// The analog model, per device (one per weight of a matrix):
//
//	conductance range ±g_max, g_max = Range·max|W| as first programmed
//	Δ ← Δ·gain, gain = 1 + D2D·ξ drawn once (device-to-device variation)
//	Δ ← Δ·(1 + WriteNoise·ξ) on every write
//	Δ ← Δ + WeightNoise·max|W|·ξ on every write (max over the matrix)
//	Δ > 0: Δ·(1+Asymmetry)·(1 − w/g_max); Δ < 0: Δ·(1−Asymmetry)·(1 + w/g_max)
//	       (asymmetric, state-dependent steps; off when Asymmetry is 0)
//	w clipped to ±g_max and, with Levels, snapped to Levels equal steps
//	a Stuck fraction of devices holds ±g_max whatever is written
//
// Biases (vectors) stay digital: formats only.
type Device struct {
	p       Profile
	wf, uf  Format
	round   Rounding
	noise   *rand.Rand
	program *rand.Rand
	analog  bool
	devs    map[*nn.Param]*devices
	before  map[*nn.Param][]float32
}

type devices struct {
	gmax  float32
	gain  []float32
	stuck []int8 // −1 or +1: stuck at −g_max or +g_max; 0: working
}

// NewDevice returns the device model of p, drawing from streams of rng.
func NewDevice(p Profile, rng func(string) *rand.Rand) *Device {
	return &Device{p: p, wf: mustFormat(p.Weights), uf: mustFormat(p.Updates),
		round: p.rounding(rng("hardware.rounding.update")), noise: rng("hardware.write"),
		program: rng("hardware.program"),
		analog:  p.Levels > 0 || p.WriteNoise > 0 || p.WeightNoise > 0 || p.D2D > 0 || p.Stuck > 0 || p.Asymmetry > 0,
		devs:    map[*nn.Param]*devices{}, before: map[*nn.Param][]float32{}}
}

// Program writes the initial weights into the devices: it fixes each
// matrix's range, variation and stuck devices, and stores the weights as
// the devices and formats can hold them.
func (d *Device) Program(params []*nn.Param) {
	for _, p := range params {
		if d.analog && len(p.Value.Shape) == 2 {
			dv := &devices{gmax: 1}
			var m float32
			for _, w := range p.Value.Data {
				m = max(m, float32(math.Abs(float64(w))))
			}
			rangeX := d.p.Range
			if rangeX == 0 {
				rangeX = 2
			}
			if m > 0 {
				dv.gmax = m * float32(rangeX)
			}
			dv.gain = make([]float32, len(p.Value.Data))
			dv.stuck = make([]int8, len(p.Value.Data))
			for i := range dv.gain {
				dv.gain[i] = float32(1 + d.p.D2D*d.program.NormFloat64())
				if d.p.Stuck > 0 && d.program.Float64() < d.p.Stuck {
					dv.stuck[i] = 1
					if d.program.IntN(2) == 0 {
						dv.stuck[i] = -1
					}
				}
			}
			d.devs[p] = dv
		}
		d.write(p)
	}
}

// Step runs step, the optimizer's update of params, as the devices would
// take it.
func (d *Device) Step(params []*nn.Param, step func()) {
	for _, p := range params {
		d.before[p] = append(d.before[p][:0], p.Value.Data...)
	}
	step()
	for _, p := range params {
		w, old := p.Value.Data, d.before[p]
		for i := range w {
			w[i] -= old[i] // w holds Δ now
		}
		d.uf.Quantize(w, d.p.channels(p.Value), d.round)
		if dv := d.devs[p]; dv != nil {
			d.analogStep(dv, w, old)
		}
		for i := range w {
			w[i] += old[i]
		}
		d.write(p)
	}
}

// analogStep transforms the updates delta of one matrix whose weights were
// old.
func (d *Device) analogStep(dv *devices, delta, old []float32) {
	a := float32(d.p.Asymmetry)
	var spread float64 // κ·max|W|
	if d.p.WeightNoise > 0 {
		var m float32
		for _, w := range old {
			m = max(m, float32(math.Abs(float64(w))))
		}
		spread = d.p.WeightNoise * float64(m)
	}
	for i, x := range delta {
		x *= dv.gain[i]
		if d.p.WriteNoise > 0 {
			x *= float32(1 + d.p.WriteNoise*d.noise.NormFloat64())
		}
		if spread > 0 {
			x += float32(spread * d.noise.NormFloat64())
		}
		if a > 0 {
			if x > 0 {
				x *= (1 + a) * (1 - old[i]/dv.gmax)
			} else {
				x *= (1 - a) * (1 + old[i]/dv.gmax)
			}
		}
		delta[i] = x
	}
}

// write stores p's values as the devices and the weight format hold them.
func (d *Device) write(p *nn.Param) {
	if dv := d.devs[p]; dv != nil {
		step := float32(0)
		if d.p.Levels > 1 {
			step = 2 * dv.gmax / float32(d.p.Levels-1)
		}
		for i, w := range p.Value.Data {
			w = max(-dv.gmax, min(dv.gmax, w))
			if step > 0 {
				w = float32(math.Round(float64((w+dv.gmax)/step)))*step - dv.gmax
			}
			if dv.stuck[i] != 0 {
				w = float32(dv.stuck[i]) * dv.gmax
			}
			p.Value.Data[i] = w
		}
	}
	d.wf.Quantize(p.Value.Data, d.p.channels(p.Value), d.round)
}
