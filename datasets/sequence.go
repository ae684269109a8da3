package datasets

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/creditbench/creditbench/results"
)

// The synthetic long-range tasks (docs: sequences.md). Each draws its
// samples, training part first, from a stream of the run's seed named after
// the task, so the same seed gives the same data on every machine.

type generator = func(ctx context.Context, log io.Writer) (*Dataset, error)

func sizeArgs(train, test int) []Arg {
	return []Arg{
		{Name: "train", Default: train, Min: 1, Max: 200_000, Help: "training samples"},
		{Name: "test", Default: test, Min: 1, Max: 100_000, Help: "test samples"},
	}
}

// taskStream is the stream of task name under seed.
func taskStream(name string, seed int64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte("datasets/" + name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// draw makes a part of n samples, each drawn by sample into its input x,
// its labels y and its values v.
func draw(n, dim, labels, values int, r *rand.Rand, sample func(r *rand.Rand, x []float32, y []int, v []float32)) *Part {
	p := &Part{X: make([]float32, n*dim), Dim: dim}
	if values > 0 {
		p.V, p.VDim = make([]float32, n*values), values
	} else {
		p.Y, p.Steps = make([]int, n*labels), labels
	}
	for i := 0; i < n; i++ {
		var v []float32
		var y []int
		if values > 0 {
			v = p.V[i*values : (i+1)*values]
		} else {
			y = p.Y[i*labels : (i+1)*labels]
		}
		sample(r, p.X[i*dim:(i+1)*dim], y, v)
	}
	return p
}

// task is a generated task for its arguments: what it is, how a sample
// is drawn, and its trivial predictors.
type task struct {
	info      *Info
	sample    func(r *rand.Rand, x []float32, y []int, v []float32)
	baselines func(Split) []results.Reference
}

// synthetic registers a generated task whose parts come from sample.
func synthetic(name string, args []Arg, describe func(a Args) (task, error)) {
	registerTask(name, args, func(a Args) (*Info, error) {
		tk, err := describe(a)
		if err != nil {
			return nil, err
		}
		info, sample, baselines := tk.info, tk.sample, tk.baselines
		ntr, nte := a.Int("train"), a.Int("test")
		info.TrainSize = ntr
		dim := 1
		for _, d := range info.Shape {
			dim *= d
		}
		labels, values := info.Steps, info.Outputs*info.Steps
		info.seeded = func(seed int64) generator {
			return func(context.Context, io.Writer) (*Dataset, error) {
				r := taskStream(name, seed)
				d := &Dataset{Name: name, Classes: info.Classes, Shape: info.Shape, Steps: info.Steps, Vocab: info.Vocab,
					Outputs: info.Outputs, Baselines: baselines}
				if info.Classes > 0 {
					values = 0
				}
				d.Train = draw(ntr, dim, labels, values, r, sample)
				d.Test = draw(nte, dim, labels, values, r, sample)
				return d, nil
			}
		}
		return info, nil
	})
}

func init() {
	synthetic("adding", append([]Arg{{Name: "T", Default: 100, Min: 2, Max: 10_000, Help: "sequence length"}}, sizeArgs(10000, 1000)...),
		func(a Args) (task, error) {
			T := a.Int("T")
			info := &Info{Description: fmt.Sprintf("adding problem (Arjovsky et al. 2016): T = %d steps of (U[0,1] value, marker); the sum of the two marked values, MSE", T),
				Shape: []int{T, 2}, Steps: 1, Outputs: 1}
			sample := func(r *rand.Rand, x []float32, _ []int, v []float32) {
				for t := 0; t < T; t++ {
					x[2*t] = r.Float32()
				}
				i, j := r.IntN(T/2), T/2+r.IntN(T-T/2)
				x[2*i+1], x[2*j+1] = 1, 1
				v[0] = x[2*i] + x[2*j]
			}
			return task{info, sample, constantBaseline("predict 1", 1)}, nil
		})
	synthetic("copy", append([]Arg{{Name: "T", Default: 100, Min: 1, Max: 10_000, Help: "blanks between the symbols and the delimiter, plus one"}}, sizeArgs(10000, 1000)...),
		func(a Args) (task, error) {
			T := a.Int("T")
			n := T + 20
			info := &Info{Description: fmt.Sprintf("copy memory (Arjovsky et al. 2016): 10 symbols of 1–8, %d blanks, the delimiter 9, 10 blanks; recall the symbols at the last 10 steps; cross-entropy per step", T-1),
				Shape: []int{n}, Classes: 10, Steps: n, Vocab: 10}
			sample := func(r *rand.Rand, x []float32, y []int, _ []float32) {
				clear(x)
				clear(y)
				for k := 0; k < 10; k++ {
					s := 1 + r.IntN(8)
					x[k] = float32(s)
					y[n-10+k] = s
				}
				x[T+9] = 9
			}
			return task{info, sample, func(s Split) []results.Reference {
				// Blanks until the last 10 steps, then any of the 8 symbols.
				ce := 10 * math.Log(8) / float64(n)
				return []results.Reference{{Name: "memoryless", Acc: (float64(n-10) + 10.0/8) / float64(n), Scores: results.Scores{Loss: results.Float(ce)}}}
			}}, nil
		})
	synthetic("temporal-order", append([]Arg{
		{Name: "T", Default: 100, Min: 10, Max: 10_000, Help: "sequence length"},
		{Name: "bits", Default: 2, Min: 2, Help: "relevant symbols: 2 (4 classes) or 3 (8 classes)"},
	}, sizeArgs(10000, 1000)...),
		func(a Args) (task, error) {
			T, bits := a.Int("T"), a.Int("bits")
			if bits > 3 {
				return task{}, fmt.Errorf("bits: %d (accepted: 2, 3)", bits)
			}
			// Slots as Hochreiter & Schmidhuber 1997 §5.6: [0.1T, 0.2T) and
			// [0.5T, 0.6T); three bits: [0.1T, 0.2T), [0.33T, 0.43T), [0.66T, 0.76T).
			slots := [][2]float64{{0.1, 0.2}, {0.5, 0.6}}
			if bits == 3 {
				slots = [][2]float64{{0.1, 0.2}, {0.33, 0.43}, {0.66, 0.76}}
			}
			info := &Info{Description: fmt.Sprintf("temporal order (Hochreiter & Schmidhuber 1997): T = %d one-hot steps of A, B and 4 distractors; the order of the %d A/B symbols, %d classes", T, bits, 1<<bits),
				Shape: []int{T, 6}, Classes: 1 << bits, Steps: 1}
			sample := func(r *rand.Rand, x []float32, y []int, _ []float32) {
				clear(x)
				for t := 0; t < T; t++ {
					x[6*t+2+r.IntN(4)] = 1
				}
				class := 0
				for _, s := range slots {
					lo := int(s[0] * float64(T))
					t := lo + r.IntN(max(int(s[1]*float64(T))-lo, 1))
					b := r.IntN(2)
					clear(x[6*t : 6*t+6])
					x[6*t+b] = 1
					class = 2*class + b
				}
				y[0] = class
			}
			return task{info, sample, majorityBaseline}, nil
		})
	synthetic("listops", append([]Arg{
		{Name: "min_len", Default: 500, Min: 1, Max: 10_000, Help: "shortest expression, in tokens"},
		{Name: "max_len", Default: 2000, Min: 1, Max: 10_000, Help: "longest expression, in tokens: the sequence length"},
	}, sizeArgs(10000, 1000)...),
		func(a Args) (task, error) {
			lo, hi := a.Int("min_len"), a.Int("max_len")
			if lo > hi {
				return task{}, fmt.Errorf("min_len %d is above max_len %d", lo, hi)
			}
			info := &Info{Description: fmt.Sprintf("ListOps (Long Range Arena's rules): MAX, MIN, MED, SM over digits, %d–%d tokens, left-padded; its value, 10 classes", lo, hi),
				Shape: []int{hi}, Classes: 10, Steps: 1, Vocab: listopsVocab}
			sample := func(r *rand.Rand, x []float32, y []int, _ []float32) {
				var toks []int
				for {
					toks = toks[:0]
					var value int
					toks, value = listopsTree(r, 1, toks)
					if len(toks) >= lo && len(toks) <= hi {
						y[0] = value
						break
					}
				}
				clear(x)
				for k, t := range toks {
					x[hi-len(toks)+k] = float32(t)
				}
			}
			return task{info, sample, majorityBaseline}, nil
		})
}

// ListOps tokens: 0 pads, 1–10 are the digits 0–9, then the four
// operators and the closing bracket.
const (
	listopsMax = 11 + iota
	listopsMin
	listopsMed
	listopsSum
	listopsEnd
	listopsVocab
)

// listopsTree appends a random expression to toks and returns its value, by
// LRA's generator: below the depth limit of 10 an operator with probability
// 0.25 (else a digit), with 2 to 10 arguments.
func listopsTree(r *rand.Rand, depth int, toks []int) ([]int, int) {
	if depth >= 10 || r.Float64() > 0.25 {
		d := r.IntN(10)
		return append(toks, 1+d), d
	}
	op := listopsMax + r.IntN(4)
	toks = append(toks, op)
	n := 2 + r.IntN(9)
	vals := make([]int, n)
	for k := range vals {
		toks, vals[k] = listopsTree(r, depth+1, toks)
	}
	toks = append(toks, listopsEnd)
	switch op {
	case listopsMax:
		return toks, slices.Max(vals)
	case listopsMin:
		return toks, slices.Min(vals)
	case listopsMed: // numpy's median, truncated as LRA's int()
		slices.Sort(vals)
		if n%2 == 1 {
			return toks, vals[n/2]
		}
		return toks, (vals[n/2-1] + vals[n/2]) / 2
	}
	s := 0
	for _, v := range vals {
		s += v
	}
	return toks, s % 10
}

// constantBaseline scores predicting c for every value.
func constantBaseline(name string, c float32) func(Split) []results.Reference {
	return func(s Split) []results.Reference {
		return []results.Reference{{Name: name, Scores: valueErrors(s, func(_, pred []float32) {
			for k := range pred {
				pred[k] = c
			}
		})}}
	}
}

// majorityBaseline scores answering the most frequent class of the split
// (chance, for balanced classes).
func majorityBaseline(s Split) []results.Reference {
	return []results.Reference{{Name: "majority class", Acc: s.MajorityShare()}}
}
