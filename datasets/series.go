package datasets

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/creditbench/creditbench/results"
)

// Forecasting tasks: windows of W steps of a multivariate series, and the
// next H steps as targets, split by time and standardised with the
// training part's statistics, as the forecasting literature does.

// forecastArgs are the window and horizon arguments.
func forecastArgs(w, h int) []Arg {
	return []Arg{
		{Name: "W", Default: w, Min: 1, Max: 5000, Help: "input window, in steps"},
		{Name: "H", Default: h, Min: 1, Max: 5000, Help: "horizon: the steps forecast"},
	}
}

// series is a standardised multivariate series, time-major, split by time
// into [0, trainEnd), [trainEnd, valEnd) and [valEnd, len).
type series struct {
	x                [][]float32 // time × channels
	trainEnd, valEnd int
}

// standardise scales each channel by the mean and standard deviation of
// the training part.
func (s *series) standardise() {
	C := len(s.x[0])
	for c := 0; c < C; c++ {
		var sum, sq float64
		for _, row := range s.x[:s.trainEnd] {
			v := float64(row[c])
			sum += v
			sq += v * v
		}
		n := float64(s.trainEnd)
		mean := sum / n
		std := math.Sqrt(math.Max(sq/n-mean*mean, 1e-12))
		for _, row := range s.x {
			row[c] = float32((float64(row[c]) - mean) / std)
		}
	}
}

// windows makes the part of every window whose input starts in [from, to−W−H]:
// inputs are W steps of the channels in, targets the next H steps of the
// channels out (step-major).
func (s *series) windows(from, to, W, H int, in, out []int) *Part {
	n := max(to-from-W-H+1, 0)
	p := &Part{X: make([]float32, 0, n*W*len(in)), V: make([]float32, 0, n*H*len(out)), Dim: W * len(in), VDim: H * len(out)}
	for t := from; t < from+n; t++ {
		for _, row := range s.x[t : t+W] {
			for _, c := range in {
				p.X = append(p.X, row[c])
			}
		}
		for _, row := range s.x[t+W : t+W+H] {
			for _, c := range out {
				p.V = append(p.V, row[c])
			}
		}
	}
	return p
}

// dataset makes the forecasting dataset of s: the validation windows may
// reach back W steps into the training months, the test windows into the
// validation months (Informer's borders).
func (s *series) dataset(name string, W, H int, in, out []int) (*Dataset, error) {
	d := &Dataset{Name: name, Shape: []int{W, len(in)}, Steps: 1, Outputs: H * len(out),
		Train: s.windows(0, s.trainEnd, W, H, in, out),
		Val:   s.windows(s.trainEnd-W, s.valEnd, W, H, in, out),
		Test:  s.windows(s.valEnd-W, len(s.x), W, H, in, out)}
	if d.Train.Len() == 0 || d.Val.Len() == 0 || d.Test.Len() == 0 {
		return nil, fmt.Errorf("window %d and horizon %d leave no window in a part of %d, %d and %d steps",
			W, H, s.trainEnd, s.valEnd-s.trainEnd, len(s.x)-s.valEnd)
	}
	lin, err := fitLinear(d.Train, W, H, in, out)
	if err != nil {
		return nil, err
	}
	d.Baselines = func(sp Split) []results.Reference {
		return []results.Reference{
			{Name: "persistence", Scores: valueErrors(sp, func(x, pred []float32) { persist(x, pred, W, H, in, out) })},
			{Name: "linear", Scores: valueErrors(sp, lin)},
		}
	}
	return d, nil
}

// persist forecasts each output channel's last input value at every step.
func persist(x, pred []float32, W, H int, in, out []int) {
	for k, c := range out {
		last := float32(0)
		for j, ic := range in {
			if ic == c {
				last = x[(W-1)*len(in)+j]
			}
		}
		for t := 0; t < H; t++ {
			pred[t*len(out)+k] = last
		}
	}
}

// valueErrors scores predict, which sets the values pred of the input x, on
// the split.
func valueErrors(s Split, predict func(x, pred []float32)) results.Scores {
	var e results.ValueErrors
	p := s.Part
	pred := make([]float32, p.VDim)
	for _, i := range s.Index {
		predict(p.X[i*p.Dim:(i+1)*p.Dim], pred)
		e.Add(pred, p.V[i*p.VDim:(i+1)*p.VDim])
	}
	return e.Scores()
}

// fitLinear fits the least-squares linear forecaster shared by every
// output channel (the "Linear" of Zeng et al. 2023): the channel's next H
// values from its own last W values and a bias, on every training window,
// by the normal equations with a tiny ridge.
func fitLinear(train *Part, W, H int, in, out []int) (func(x, pred []float32), error) {
	col := make([]int, len(out)) // the input column of each output channel
	for k, c := range out {
		col[k] = -1
		for j, ic := range in {
			if ic == c {
				col[k] = j
			}
		}
		if col[k] < 0 {
			return nil, fmt.Errorf("output channel %d is not an input", c)
		}
	}
	A := mat.NewSymDense(W+1, nil)
	B := mat.NewDense(W+1, H, nil)
	feat := make([]float64, W+1)
	targ := make([]float64, H)
	for i := 0; i < train.Len(); i++ {
		x, v := train.X[i*train.Dim:(i+1)*train.Dim], train.V[i*train.VDim:(i+1)*train.VDim]
		for k := range out {
			for t := 0; t < W; t++ {
				feat[t] = float64(x[t*len(in)+col[k]])
			}
			feat[W] = 1
			for t := 0; t < H; t++ {
				targ[t] = float64(v[t*len(out)+k])
			}
			A.SymRankOne(A, 1, mat.NewVecDense(W+1, feat))
			for a := 0; a <= W; a++ {
				for t := 0; t < H; t++ {
					B.Set(a, t, B.At(a, t)+feat[a]*targ[t])
				}
			}
		}
	}
	for a := 0; a <= W; a++ {
		A.SetSym(a, a, A.At(a, a)+1e-6*float64(train.Len()))
	}
	var ch mat.Cholesky
	if !ch.Factorize(A) {
		return nil, fmt.Errorf("the linear forecaster's normal equations are singular")
	}
	var coef mat.Dense
	if err := ch.SolveTo(&coef, B); err != nil {
		return nil, err
	}
	return func(x, pred []float32) {
		for k := range out {
			for t := 0; t < H; t++ {
				s := coef.At(W, t)
				for a := 0; a < W; a++ {
					s += coef.At(a, t) * float64(x[a*len(in)+col[k]])
				}
				pred[t*len(out)+k] = float32(s)
			}
		}
	}, nil
}

// channels returns 0, …, n−1.
func channels(n int) []int { return all(n) }

// integrated registers a series integrated numerically, split 70/10/20 by
// time.
func integrated(name, description string, C, W, H int, integrate func() [][]float32) {
	registerTask(name, forecastArgs(W, H), func(a Args) (*Info, error) {
		W, H := a.Int("W"), a.Int("H")
		return &Info{Description: description, Shape: []int{W, C}, Steps: 1, Outputs: H * C, TrainSize: 7000 - W - H + 1,
			generate: func(context.Context, io.Writer) (*Dataset, error) {
				x := integrate()
				s := &series{x: x, trainEnd: len(x) * 7 / 10, valEnd: len(x) * 8 / 10}
				s.standardise()
				return s.dataset(name, W, H, channels(C), channels(C))
			}}, nil
	})
}

func init() {
	integrated("mackey-glass", "Mackey–Glass series (τ = 17), 10,000 steps of Δt = 1 (Euler, dt = 0.1) after 500 of transient; W steps, the next H; MSE", 1, 96, 96, mackeyGlass)
	integrated("lorenz", "Lorenz-63 (σ 10, ρ 28, β 8/3), 10,000 steps of RK4 at dt = 0.01 after 1,000 of transient; all 3 channels, W steps, the next H; MSE", 3, 96, 96, lorenz)
	for _, n := range []struct{ name, sum string }{
		{"etth1", "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066"},
		{"etth2", "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b"},
	} {
		file := map[string]string{"etth1": "ETTh1.csv", "etth2": "ETTh2.csv"}[n.name]
		src := &Source{Name: "ett", Files: []File{{Name: file, SHA256: n.sum}},
			Mirrors: []Mirror{{"shared/datasets/ett beside the checkout", func() string {
				if d := sharedDatasets(filepath.Join("ett", file))(); d != "" {
					return filepath.Join(d, "ett")
				}
				return ""
			}}},
			URLs: []string{"https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/"}}
		args := append(forecastArgs(96, 96), Arg{Name: "features", Default: "M", Choices: []string{"M", "S", "MS"},
			Help: "M: all 7 series in and out; S: the oil temperature OT alone; MS: all in, OT out"})
		registerTask(n.name, args, func(a Args) (*Info, error) {
			W, H, f := a.Int("W"), a.Int("H"), a["features"].(string)
			in, out := channels(7), channels(7)
			switch f {
			case "S":
				in, out = []int{6}, []int{6}
			case "MS":
				out = []int{6}
			}
			info := &Info{Description: fmt.Sprintf("%s (Zhou et al. 2021), hourly electricity-transformer series: %s, W = %d, H = %d; the standard 12/4/4-month split, standardised by the training months; MSE and MAE", file, f, W, H),
				Shape: []int{W, len(in)}, Steps: 1, Outputs: H * len(out), TrainSize: 8640 - W - H + 1, Source: src}
			info.decode = func(contents [][]byte) (*Dataset, error) {
				x, err := readETT(contents[0])
				if err != nil {
					return nil, err
				}
				s := &series{x: x, trainEnd: 12 * 30 * 24, valEnd: 16 * 30 * 24}
				if len(x) < 20*30*24 {
					return nil, fmt.Errorf("%d rows, the split needs %d", len(x), 20*30*24)
				}
				s.x = x[:20*30*24]
				s.standardise()
				return s.dataset(n.name, W, H, in, out)
			}
			return info, nil
		})
	}
}

// readETT reads the CSV: a header, then a date and 7 numbers per row.
func readETT(b []byte) ([][]float32, error) {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 || len(rows[0]) != 8 {
		return nil, fmt.Errorf("want a header of date and 7 series, got %v", rows[0])
	}
	x := make([][]float32, len(rows)-1)
	for i, row := range rows[1:] {
		x[i] = make([]float32, 7)
		for c := 0; c < 7; c++ {
			v, err := strconv.ParseFloat(row[c+1], 64)
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s: %v", i+2, rows[0][c+1], err)
			}
			x[i][c] = float32(v)
		}
	}
	return x, nil
}

// mackeyGlass integrates dx/dt = 0.2·x(t−17)/(1 + x(t−17)^10) − 0.1·x(t),
// x = 1.2 up to t = 0, by Euler steps of 0.1, and samples it every 1.
func mackeyGlass() [][]float32 {
	const dt, tau, sub, transient, n = 0.1, 17, 10, 500, 10000
	lag := int(tau / dt)
	hist := make([]float64, 0, (transient+n)*sub+lag+1)
	for i := 0; i <= lag; i++ {
		hist = append(hist, 1.2)
	}
	out := make([][]float32, 0, n)
	for step := 0; step < (transient+n)*sub; step++ {
		x, xl := hist[len(hist)-1], hist[len(hist)-1-lag]
		hist = append(hist, x+dt*(0.2*xl/(1+math.Pow(xl, 10))-0.1*x))
		if (step+1)%sub == 0 && (step+1)/sub > transient {
			out = append(out, []float32{float32(hist[len(hist)-1])})
		}
	}
	return out
}

// lorenz integrates Lorenz-63 from (1, 1, 1) by RK4 steps of 0.01.
func lorenz() [][]float32 {
	const dt, transient, n = 0.01, 1000, 10000
	f := func(s [3]float64) [3]float64 {
		return [3]float64{10 * (s[1] - s[0]), s[0]*(28-s[2]) - s[1], s[0]*s[1] - 8.0/3*s[2]}
	}
	add := func(a, b [3]float64, h float64) [3]float64 {
		return [3]float64{a[0] + h*b[0], a[1] + h*b[1], a[2] + h*b[2]}
	}
	s := [3]float64{1, 1, 1}
	out := make([][]float32, 0, n)
	for step := 0; step < transient+n; step++ {
		k1 := f(s)
		k2 := f(add(s, k1, dt/2))
		k3 := f(add(s, k2, dt/2))
		k4 := f(add(s, k3, dt))
		for i := range s {
			s[i] += dt / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
		if step >= transient {
			out = append(out, []float32{float32(s[0]), float32(s[1]), float32(s[2])})
		}
	}
	return out
}

// Sequential images: MNIST by rows or pixels (optionally permuted), and the
// CIFAR-10 stand-in in grey levels, pixel by pixel (LRA's Image task).
func init() {
	registerTask("seq-mnist", []Arg{{Name: "mode", Default: "rows", Choices: []string{"rows", "pixels", "permuted"},
		Help: "rows: T = 28 rows of 28; pixels: T = 784 pixels; permuted: the pixels in a fixed random order"}},
		func(a Args) (*Info, error) {
			mode := a["mode"].(string)
			shape := []int{784, 1}
			if mode == "rows" {
				shape = []int{28, 28}
			}
			return &Info{Description: "sequential MNIST (Le et al. 2015), " + mode + "; the class at the last step",
				Shape: shape, Classes: 10, Steps: 1, TrainSize: 60000,
				generate: func(ctx context.Context, log io.Writer) (*Dataset, error) {
					m, err := Load(ctx, "mnist", log)
					if err != nil {
						return nil, err
					}
					d := &Dataset{Name: "seq-mnist", Classes: 10, Shape: shape, Steps: 1, Train: m.Train, Test: m.Test,
						Baselines: majorityBaseline}
					if mode == "permuted" { // one fixed permutation, as the literature's
						perm := rand.New(rand.NewPCG(92916, 0)).Perm(784)
						d.Train, d.Test = permute(m.Train, perm), permute(m.Test, perm)
					}
					return d, nil
				}}, nil
		})
	registerTask("seq-cifar10-jpeg", nil, func(Args) (*Info, error) {
		return &Info{Description: "the CIFAR-10 stand-in (cifar10-jpeg) in grey levels, T = 1024 pixels (LRA's Image task); the class at the last step",
			Shape: []int{1024, 1}, Classes: 10, Steps: 1, TrainSize: 50000,
			generate: func(ctx context.Context, log io.Writer) (*Dataset, error) {
				c, err := Load(ctx, "cifar10-jpeg", log)
				if err != nil {
					return nil, err
				}
				tr, te := grey(c.Train), grey(c.Test)
				standardiseColumnsLike(tr, te)
				return &Dataset{Name: "seq-cifar10-jpeg", Classes: 10, Shape: []int{1024, 1}, Steps: 1, Train: tr, Test: te,
					Baselines: majorityBaseline}, nil
			}}, nil
	})
}

func permute(p *Part, perm []int) *Part {
	q := &Part{X: make([]float32, len(p.X)), Y: p.Y, Dim: p.Dim}
	for i := 0; i < p.Len(); i++ {
		src, dst := p.X[i*p.Dim:(i+1)*p.Dim], q.X[i*p.Dim:(i+1)*p.Dim]
		for k, j := range perm {
			dst[k] = src[j]
		}
	}
	return q
}

// grey turns standardised 3×32×32 samples into 1024 luminance values
// (ITU-R 601 weights).
func grey(p *Part) *Part {
	q := &Part{X: make([]float32, p.Len()*1024), Y: p.Y, Dim: 1024}
	for i := 0; i < p.Len(); i++ {
		src := p.X[i*3072 : (i+1)*3072]
		dst := q.X[i*1024 : (i+1)*1024]
		for k := range dst {
			dst[k] = 0.299*src[k] + 0.587*src[1024+k] + 0.114*src[2048+k]
		}
	}
	return q
}

// standardiseColumnsLike scales every value of both parts by the mean and
// standard deviation of all of the training part's values.
func standardiseColumnsLike(train, test *Part) {
	var sum, sq float64
	for _, v := range train.X {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(train.X))
	mean := sum / n
	inv := 1 / math.Sqrt(math.Max(sq/n-mean*mean, 1e-12))
	for _, p := range []*Part{train, test} {
		for i, v := range p.X {
			p.X[i] = float32((float64(v) - mean) * inv)
		}
	}
}
