package datasets

import (
	"strings"
	"testing"
)

// TestPreprocessed rescales a two-channel image's pixels: unit gives
// pixel/255, mean_std (pixel/255 − M)/S per channel, standardize the
// dataset as loaded; a dataset without pixels and a wrong channel count are
// refused.
func TestPreprocessed(t *testing.T) {
	shape := []int{2, 1, 2}
	train, test := []byte{0, 255, 51, 102}, []byte{255, 0, 0, 255}
	xtr, xte := normalise(train, test, shape)
	d := &Dataset{Name: "img", Classes: 2, Shape: shape, Train: &Part{X: xtr, Y: []int{1}, Dim: 4},
		Test: &Part{X: xte, Y: []int{0}, Dim: 4}, images: &imageBytes{train, test, shape}}
	for _, c := range []struct {
		spec       string
		train, tst []float32
	}{
		{"unit", []float32{0, 1, 0.2, 0.4}, []float32{1, 0, 0, 1}},
		{"mean_std 0.5,0 0.25,2", []float32{-2, 2, 0.1, 0.2}, []float32{2, -2, 0, 0.5}},
	} {
		p, err := d.Preprocessed(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range c.train {
			if got := p.Train.X[i]; got < want-1e-6 || got > want+1e-6 {
				t.Errorf("%s: train value %d = %v, want %v", c.spec, i, got, want)
			}
		}
		for i, want := range c.tst {
			if got := p.Test.X[i]; got < want-1e-6 || got > want+1e-6 {
				t.Errorf("%s: test value %d = %v, want %v", c.spec, i, got, want)
			}
		}
		if p.Train.Y[0] != 1 || d.Train.X[2] == p.Train.X[2] {
			t.Errorf("%s: targets lost or the loaded dataset changed", c.spec)
		}
		if again, _ := d.Preprocessed(c.spec); again != p {
			t.Errorf("%s: rescaled twice", c.spec)
		}
	}
	if p, err := d.Preprocessed("standardize"); p != d || err != nil {
		t.Errorf("standardize: %v, want the dataset as loaded", err)
	}
	for spec, want := range map[string]string{
		"mean_std 0.5 0.25":  "1 means and standard deviations for 2 channels",
		"unit 3":             "unknown (accepted:",
		"mean_std 0.5,0 1,0": "standard deviation 0 is not positive",
		"mean_std a,b 1,1":   "are numbers",
		"mean_std 0.5,0.1 1": "2 means and 1 standard deviations",
		"normalise":          `"standardize"`,
	} {
		if _, err := d.Preprocessed(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", spec, err, want)
		}
	}
	seq := &Dataset{Name: "adding"}
	if _, err := seq.Preprocessed("unit"); err == nil || !strings.Contains(err.Error(), "no pixels") {
		t.Errorf("a dataset without pixels: %v", err)
	}
	if names := strings.Join(ImageNames(), " "); !strings.Contains(names, "mnist") || strings.Contains(names, "adding") || strings.Contains(names, "mnist-rows") {
		t.Errorf("ImageNames = %s", names)
	}
}

// TestApplyLUTSharesWholeSamples: split among the CPUs, every byte of
// every sample, and only whole samples, get their channel's value.
func TestApplyLUTSharesWholeSamples(t *testing.T) {
	shape := []int{2, 1, 3}
	src := make([]byte, 5001*6+4) // whole samples and a few bytes over
	for i := range src {
		src[i] = byte(i * 7)
	}
	lut := make([][256]float32, 2)
	for b := range 256 {
		lut[0][b], lut[1][b] = float32(b), -float32(b)
	}
	dst := applyLUT(src, lut, shape)
	for i, b := range src {
		want := lut[i%6/3][b]
		if i >= 5001*6 {
			want = 0
		}
		if dst[i] != want {
			t.Fatalf("value %d is %v, want %v", i, dst[i], want)
		}
	}
}
