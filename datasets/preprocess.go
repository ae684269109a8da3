package datasets

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// PreprocessForms describes the accepted preprocessings of an image
// dataset's pixels, for error messages and help.
const PreprocessForms = `"standardize" (each channel to mean 0 and variance 1 over the training images; the default), ` +
	`"unit" (pixels in [0, 1]) or "mean_std M S" (x = (pixel/255 − M)/S with given values, one per channel, ` +
	`comma-separated: "mean_std 0.1307 0.3081" for MNIST)`

// Preprocessing is how an image dataset's pixels become inputs.
type Preprocessing struct {
	// Kind is "standardize", "unit" or "mean_std".
	Kind string
	// Mean and Std are mean_std's values, one per channel.
	Mean, Std []float64
}

// ParsePreprocessing reads a preprocessing as a suite names it (see
// PreprocessForms); "" is the default, standardize.
func ParsePreprocessing(s string) (Preprocessing, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 0, len(f) == 1 && f[0] == "standardize":
		return Preprocessing{Kind: "standardize"}, nil
	case len(f) == 1 && f[0] == "unit":
		return Preprocessing{Kind: "unit"}, nil
	case len(f) == 3 && f[0] == "mean_std":
		mean, err1 := floats(f[1])
		std, err2 := floats(f[2])
		switch {
		case err1 != nil || err2 != nil:
			return Preprocessing{}, fmt.Errorf("preprocess %q: means and standard deviations are numbers (accepted: %s)", s, PreprocessForms)
		case len(mean) != len(std):
			return Preprocessing{}, fmt.Errorf("preprocess %q: %d means and %d standard deviations; give one of each per channel", s, len(mean), len(std))
		}
		for _, v := range std {
			if !(v > 0) || math.IsInf(v, 0) {
				return Preprocessing{}, fmt.Errorf("preprocess %q: standard deviation %v is not positive and finite", s, v)
			}
		}
		return Preprocessing{Kind: "mean_std", Mean: mean, Std: std}, nil
	}
	return Preprocessing{}, fmt.Errorf("preprocess %q: unknown (accepted: %s)", s, PreprocessForms)
}

func floats(s string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a number", p)
		}
		out = append(out, v)
	}
	return out, nil
}

// HasPixels reports whether the dataset is decoded from images, whose pixels
// a Preprocessing can rescale (not a generated or derived task).
func (i *Info) HasPixels() bool { return i.decode != nil && len(i.Shape) == 3 }

// ImageNames lists the datasets whose pixels a Preprocessing rescales.
func ImageNames() []string {
	var names []string
	for _, n := range Names() {
		if i, _ := Lookup(n); i.HasPixels() {
			names = append(names, n)
		}
	}
	return names
}

// imageBytes are an image dataset's pixels, channels first, kept so that
// it can be rescaled another way than the standardisation it was loaded
// with.
type imageBytes struct {
	train, test []byte
	shape       []int
}

// preprocessed caches each dataset's rescalings: key {*Dataset, spec}.
var preprocessed sync.Map

type rescaling struct {
	once sync.Once
	d    *Dataset
}

// Preprocessed returns d with its images' pixels scaled as spec says (see
// ParsePreprocessing): d itself for the default, else a dataset with the
// same targets and new inputs, made once per spec and shared.
func (d *Dataset) Preprocessed(spec string) (*Dataset, error) {
	p, err := ParsePreprocessing(spec)
	if err != nil || p.Kind == "standardize" {
		return d, err
	}
	if d.images == nil {
		return nil, fmt.Errorf("datasets: %s: preprocess %q: it has no pixels to rescale (only image datasets do)", d.Name, spec)
	}
	channels := d.images.shape[0]
	if p.Kind == "mean_std" && len(p.Mean) != channels {
		return nil, fmt.Errorf("datasets: %s: preprocess %q: %d means and standard deviations for %d channels", d.Name, spec, len(p.Mean), channels)
	}
	v, _ := preprocessed.LoadOrStore(struct {
		d    *Dataset
		spec string
	}{d, spec}, &rescaling{})
	r := v.(*rescaling)
	r.once.Do(func() {
		lut := make([][256]float32, channels)
		for c := range lut {
			mean, inv := float32(0), float32(1)
			if p.Kind == "mean_std" {
				mean, inv = float32(p.Mean[c]), float32(1/p.Std[c])
			}
			for b := range lut[c] {
				lut[c][b] = (float32(b)/255 - mean) * inv
			}
		}
		c := *d
		train, test := *d.Train, *d.Test
		train.X, test.X = applyLUT(d.images.train, lut, d.images.shape), applyLUT(d.images.test, lut, d.images.shape)
		c.Train, c.Test = &train, &test
		r.d = &c
	})
	return r.d, nil
}
