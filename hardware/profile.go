package hardware

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/nn"
)

// Profile is a precision and device model. The zero value is fp32 on ideal
// hardware. Formats name how numbers are stored: weights after every write,
// activations entering every product, errors (and targets) entering every
// product, updates before they are applied.
type Profile struct {
	Description string `toml:"description" json:"description,omitempty"`
	Weights     string `toml:"weights" json:"weights,omitempty"`
	Activations string `toml:"activations" json:"activations,omitempty"`
	Errors      string `toml:"errors" json:"errors,omitempty"`
	Updates     string `toml:"updates" json:"updates,omitempty"`
	// Rounding is "nearest" (default) or "stochastic".
	Rounding string `toml:"rounding" json:"rounding,omitempty"`
	// Scaling of integer formats: "tensor" (default) or "channel" (one
	// scale per output unit).
	Scaling string `toml:"scaling" json:"scaling,omitempty"`

	// Analog devices, one per weight, whose conductance spans
	// ±Range·max|W| of the weights as first programmed (Range 2 when 0).
	Levels     int     `toml:"levels" json:"levels,omitempty"`           // conductance levels (0: continuous)
	Range      float64 `toml:"range" json:"range,omitempty"`             // conductance range, × initial max|W|
	WriteNoise float64 `toml:"write_noise" json:"write_noise,omitempty"` // relative Gaussian std of every update
	ReadNoise  float64 `toml:"read_noise" json:"read_noise,omitempty"`   // Gaussian std of every product output, × its RMS
	// WeightNoise κ adds N(0, (κ·max|W|)²) to every update of a matrix,
	// max|W| its weights' before the update: the memristor model of
	// As-Saquib et al.'s earlier code, noise on the write, not relative to it.
	WeightNoise float64 `toml:"weight_noise" json:"weight_noise,omitempty"`
	D2D         float64 `toml:"d2d" json:"d2d,omitempty"`             // std of each device's update gain, fixed at programming
	Stuck       float64 `toml:"stuck" json:"stuck,omitempty"`         // fraction of devices stuck at ±g_max
	Asymmetry   float64 `toml:"asymmetry" json:"asymmetry,omitempty"` // up steps × (1+a), down steps × (1−a), with soft bounds
	DACBits     int     `toml:"dac_bits" json:"dac_bits,omitempty"`   // product inputs, per tensor (0: ideal)
	ADCBits     int     `toml:"adc_bits" json:"adc_bits,omitempty"`   // product outputs, per tensor (0: ideal)
}

// Builtins are the profiles every suite can name.
var Builtins = map[string]Profile{
	"fp32":    {Description: "IEEE float32 everywhere, ideal devices: no quantization, no noise"},
	"bf16":    {Description: "bfloat16 weights, activations, errors and updates", Weights: "bf16", Activations: "bf16", Errors: "bf16", Updates: "bf16"},
	"fp16":    {Description: "IEEE half precision weights, activations, errors and updates", Weights: "fp16", Activations: "fp16", Errors: "fp16", Updates: "fp16"},
	"fp8":     {Description: "fp8: e4m3 weights and activations, e5m2 errors and updates", Weights: "fp8e4m3", Activations: "fp8e4m3", Errors: "fp8e5m2", Updates: "fp8e5m2"},
	"int8":    intProfile(8),
	"int6":    intProfile(6),
	"int4":    intProfile(4),
	"int3":    intProfile(3),
	"int2":    intProfile(2),
	"rram":    {Description: "a memristive crossbar: 32 levels, 5 % write and 2 % read noise, 10 % device variation, 1 % stuck, 10 % asymmetry, 8-bit DAC and ADC", Levels: 32, WriteNoise: 0.05, ReadNoise: 0.02, D2D: 0.1, Stuck: 0.01, Asymmetry: 0.1, DACBits: 8, ADCBits: 8},
	"rram-sr": {Description: "rram with int8 updates by stochastic rounding", Levels: 32, WriteNoise: 0.05, ReadNoise: 0.02, D2D: 0.1, Stuck: 0.01, Asymmetry: 0.1, DACBits: 8, ADCBits: 8, Updates: "int8", Rounding: "stochastic"},
}

func intProfile(bits int) Profile {
	f := fmt.Sprintf("int%d", bits)
	return Profile{Description: fmt.Sprintf("%d-bit integer weights, activations, errors and updates, per-tensor scale, round to nearest", bits),
		Weights: f, Activations: f, Errors: f, Updates: f}
}

// BuiltinNames lists the built-in profiles, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(Builtins))
	for n := range Builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate reports the first field out of range, by its key.
func (p Profile) Validate() error {
	for _, f := range []struct{ key, val string }{{"weights", p.Weights}, {"activations", p.Activations},
		{"errors", p.Errors}, {"updates", p.Updates}} {
		if _, err := ParseFormat(f.val); err != nil {
			return fmt.Errorf("%s: %v", f.key, err)
		}
	}
	switch {
	case p.Rounding != "" && p.Rounding != "nearest" && p.Rounding != "stochastic":
		return fmt.Errorf("rounding: %q (accepted: nearest, stochastic)", p.Rounding)
	case p.Scaling != "" && p.Scaling != "tensor" && p.Scaling != "channel":
		return fmt.Errorf("scaling: %q (accepted: tensor, channel)", p.Scaling)
	case p.Levels < 0 || p.Levels == 1:
		return fmt.Errorf("levels: %d (accepted: 0 for continuous, or at least 2)", p.Levels)
	case p.Range < 0:
		return fmt.Errorf("range: %v is negative", p.Range)
	case p.WriteNoise < 0 || p.ReadNoise < 0 || p.WeightNoise < 0 || p.D2D < 0:
		return fmt.Errorf("write_noise, read_noise, weight_noise and d2d must not be negative")
	case p.Stuck < 0 || p.Stuck > 1:
		return fmt.Errorf("stuck: %v is outside [0, 1]", p.Stuck)
	case p.Asymmetry < 0 || p.Asymmetry >= 1:
		return fmt.Errorf("asymmetry: %v is outside [0, 1)", p.Asymmetry)
	case p.DACBits < 0 || p.DACBits == 1 || p.DACBits > 16 || p.ADCBits < 0 || p.ADCBits == 1 || p.ADCBits > 16:
		return fmt.Errorf("dac_bits and adc_bits: 0 (ideal) or 2 to 16")
	}
	return nil
}

// Bits is the fewest bits of the profile's formats (32 for fp32): where it
// stands on a precision axis. The profile must be valid.
func (p Profile) Bits() int {
	bits := 32
	for _, name := range []string{p.Weights, p.Activations, p.Errors, p.Updates} {
		f, _ := ParseFormat(name)
		bits = min(bits, f.Bits())
	}
	return bits
}

// Noise is the profile's largest noise level, read, write or weight: where
// it stands on a noise axis.
func (p Profile) Noise() float64 { return max(p.WriteNoise, p.ReadNoise, p.WeightNoise) }

// IsIdeal reports whether the profile changes nothing: fp32 and ideal
// devices. A run under it is bit-identical to a run without a profile.
func (p Profile) IsIdeal() bool {
	for _, f := range []string{p.Weights, p.Activations, p.Errors, p.Updates} {
		if f != "" && f != "fp32" {
			return false
		}
	}
	return p.Levels == 0 && p.WriteNoise == 0 && p.ReadNoise == 0 && p.WeightNoise == 0 && p.D2D == 0 && p.Stuck == 0 &&
		p.Asymmetry == 0 && p.DACBits == 0 && p.ADCBits == 0
}

// Summary says in one line what the profile does.
func (p Profile) Summary() string {
	if p.Description != "" {
		return p.Description
	}
	var parts []string
	for _, f := range []struct{ k, v string }{{"weights", p.Weights}, {"activations", p.Activations}, {"errors", p.Errors}, {"updates", p.Updates}} {
		if f.v != "" && f.v != "fp32" {
			parts = append(parts, f.k+" "+f.v)
		}
	}
	if p.Levels > 0 {
		parts = append(parts, fmt.Sprintf("%d levels", p.Levels))
	}
	for _, f := range []struct {
		k string
		v float64
	}{{"write noise", p.WriteNoise}, {"read noise", p.ReadNoise}, {"weight noise", p.WeightNoise}, {"d2d", p.D2D}, {"stuck", p.Stuck}, {"asymmetry", p.Asymmetry}} {
		if f.v > 0 {
			parts = append(parts, fmt.Sprintf("%s %g", f.k, f.v))
		}
	}
	if len(parts) == 0 {
		return "fp32, ideal devices"
	}
	return strings.Join(parts, ", ")
}

func (p Profile) rounding(r *rand.Rand) Rounding {
	return Rounding{Stochastic: p.Rounding == "stochastic", R: r}
}

func mustFormat(s string) Format {
	f, _ := ParseFormat(s) // Validate has checked it
	return f
}

// Hooks returns the engine hooks of the profile, drawing its randomness
// from streams of rng; nil for an ideal profile.
func (p Profile) Hooks(rng func(string) *rand.Rand) *nn.Hooks {
	if p.IsIdeal() {
		return nil
	}
	act, errf := mustFormat(p.Activations), mustFormat(p.Errors)
	round := p.rounding(rng("hardware.rounding"))
	read := rng("hardware.read")
	h := &nn.Hooks{}
	if !act.IsIdentity() || p.DACBits > 0 {
		dac := Format{Name: "dac", bits: p.DACBits}
		h.Input = func(t *nn.Tensor) {
			act.Quantize(t.Data, p.channels(t), round)
			if p.DACBits > 0 {
				dac.Quantize(t.Data, 1, Rounding{})
			}
		}
	}
	if !errf.IsIdentity() {
		h.Error = func(t *nn.Tensor) { errf.Quantize(t.Data, p.channels(t), round) }
	}
	if p.ReadNoise > 0 || p.ADCBits > 0 {
		adc := Format{Name: "adc", bits: p.ADCBits}
		h.Output = func(t *nn.Tensor) {
			if p.ReadNoise > 0 {
				rms := rmsOf(t.Data)
				for i := range t.Data {
					t.Data[i] += float32(read.NormFloat64() * p.ReadNoise * rms)
				}
			}
			if p.ADCBits > 0 {
				adc.Quantize(t.Data, 1, Rounding{})
			}
		}
	}
	return h
}

// channels is the number of scales of an integer format on t: one per
// column with per-channel scaling.
func (p Profile) channels(t *nn.Tensor) int {
	if p.Scaling == "channel" {
		return t.Cols()
	}
	return 1
}

func rmsOf(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s / float64(max(len(v), 1)))
}
