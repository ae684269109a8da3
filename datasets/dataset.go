package datasets

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/creditbench/creditbench/results"
)

// Part is one split as stored: N samples of Dim float32 values each (row
// major, normalised) and their targets: Steps labels each (Y) for a
// classification, VDim values each (V) for a task whose targets are values.
type Part struct {
	X   []float32
	Y   []int
	Dim int
	// Steps is the number of labels per sample, 0 meaning 1.
	Steps int
	V     []float32
	VDim  int
}

// Len returns the number of samples.
func (p *Part) Len() int {
	if p.V != nil {
		return len(p.V) / p.VDim
	}
	return len(p.Y) / max(p.Steps, 1)
}

// Labels returns the number of labels of a sample (0 for values).
func (p *Part) Labels() int {
	if p.V != nil {
		return 0
	}
	return max(p.Steps, 1)
}

// Dataset is a loaded dataset. It is shared, read-only, by every run that
// uses it.
type Dataset struct {
	Name    string
	Classes int   // 0 when the targets are values
	Shape   []int // of one sample, channels first: [1 28 28]; steps first: [T F], or [T] for tokens
	Train   *Part
	Test    *Part
	// Val, when set, is the task's own validation part (a forecast's
	// validation months); the run's validation count is then not drawn.
	Val *Part
	// Steps, Vocab and Outputs describe a sequence task as nn.IO does.
	Steps, Vocab, Outputs int
	// Baselines score the task's trivial predictors on a split.
	Baselines func(Split) []results.Reference
	// images, for an image dataset, are its pixels, which Preprocessed
	// rescales.
	images *imageBytes
}

// Info describes a registered dataset.
type Info struct {
	Name        string
	Description string
	Classes     int
	Shape       []int
	// TrainSize is the number of training samples, known before loading so
	// that suites can check their splits.
	TrainSize int
	// Source is where the files are, nil for a dataset generated in
	// memory.
	Source *Source
	// Args are a generated task's parameters (a sequence's length), with
	// their defaults; Values are the resolved arguments of this Info.
	Args   []Arg
	Values Args
	// Steps, Vocab and Outputs describe a sequence task as nn.IO does:
	// the number of its last steps with a target (0 when it is not a
	// sequence), the token ids of a token task, and the values per target
	// step of a task whose targets are values (Classes is 0 then).
	Steps, Vocab, Outputs int
	// generate makes a dataset that has no files (or that is derived from
	// another dataset, which it may load); a generated task draws its
	// samples from seed (WithSeed).
	generate func(ctx context.Context, log io.Writer) (*Dataset, error)
	seeded   func(seed int64) func(ctx context.Context, log io.Writer) (*Dataset, error)
	seed     int64
	// resolve returns the Info of a parameterised task for resolved args.
	resolve func(Args) (*Info, error)
	// decode turns the verified file contents, in Source.Files order, into
	// a dataset.
	decode func(contents [][]byte) (*Dataset, error)
}

var registry = map[string]*Info{}

func register(i *Info) { registry[i.Name] = i }

// RegisterGenerated registers a dataset made in memory by generate, which
// must give the same samples on every call (draw them from a fixed seed).
// It panics on a name already registered.
func RegisterGenerated(name, description string, classes int, shape []int, trainSize int, generate func() (*Dataset, error)) {
	if _, dup := registry[name]; dup {
		panic("datasets: " + name + " registered twice")
	}
	register(&Info{Name: name, Description: description, Classes: classes, Shape: shape, TrainSize: trainSize,
		generate: func(context.Context, io.Writer) (*Dataset, error) { return generate() }})
}

// Lookup returns the dataset registered under name, a task with its
// default arguments.
func Lookup(name string) (*Info, error) {
	if i, ok := registry[name]; ok {
		if i.resolve != nil {
			return Resolve(name, nil)
		}
		return i, nil
	}
	return nil, fmt.Errorf("datasets: unknown dataset %q (accepted: %v)", name, Names())
}

// Names returns the registered names, sorted.
func Names() []string { return slices.Sorted(maps.Keys(registry)) }

// Seeded reports whether the task draws its samples from the run's seed.
func (i *Info) Seeded() bool { return i.seeded != nil }

// WithSeed returns the Info of the task's samples drawn from seed: the same
// seed gives the same samples on every machine.
func (i *Info) WithSeed(seed int64) *Info {
	if i.seeded == nil {
		return i
	}
	c := *i
	c.seed = seed
	return &c
}

var cache sync.Map // Info.ID() and seed → *loadOnce

type loadOnce struct {
	once sync.Once
	d    *Dataset
	err  error
}

// Load returns the dataset, finding (or downloading) and verifying its files
// on first use; later calls in the same process share the result.
func Load(ctx context.Context, name string, log io.Writer) (*Dataset, error) {
	info, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return info.Load(ctx, log)
}

// Load returns the dataset of i (with its arguments), as the function Load.
func (i *Info) Load(ctx context.Context, log io.Writer) (*Dataset, error) {
	id := i.ID()
	if i.seeded != nil {
		id += fmt.Sprintf("/seed=%d", i.seed)
	}
	v, _ := cache.LoadOrStore(id, &loadOnce{})
	lo := v.(*loadOnce)
	lo.once.Do(func() { lo.d, lo.err = i.load(ctx, log) })
	return lo.d, lo.err
}

func (i *Info) load(ctx context.Context, log io.Writer) (*Dataset, error) {
	if i.seeded != nil {
		return i.seeded(i.seed)(ctx, log)
	}
	if i.generate != nil {
		return i.generate(ctx, log)
	}
	loc, err := i.Source.Ensure(ctx, log)
	if err != nil {
		return nil, err
	}
	contents, err := i.Verify(loc)
	if err != nil {
		return nil, err
	}
	d, err := i.decode(contents)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s in %s: %v", i.Name, loc.Dir, err)
	}
	return d, nil
}

// Verify reads every file of the dataset at loc and checks its SHA-256.
func (i *Info) Verify(loc Location) ([][]byte, error) {
	contents := make([][]byte, len(i.Source.Files))
	for k, f := range i.Source.Files {
		c, err := ReadVerified(loc.Dir+"/"+f.Name, f)
		if err != nil {
			return nil, err
		}
		contents[k] = c
	}
	return contents, nil
}

// Split is a view of some samples of a Part, by index.
type Split struct {
	Part  *Part
	Index []int
}

// Len returns the number of samples in the view.
func (s Split) Len() int { return len(s.Index) }

// Gather copies samples Index[from:to] into x (row-major, (to−from)×Dim),
// their labels into y ((to−from)×Labels) and their values into v
// ((to−from)×VDim; nil when the part has none).
func (s Split) Gather(x []float32, y []int, v []float32, from, to int) {
	p := s.Part
	d, k, w := p.Dim, p.Labels(), p.VDim
	for r, i := range s.Index[from:to] {
		copy(x[r*d:(r+1)*d], p.X[i*d:(i+1)*d])
		if k > 0 {
			copy(y[r*k:(r+1)*k], p.Y[i*k:(i+1)*k])
		}
		if p.V != nil {
			copy(v[r*w:(r+1)*w], p.V[i*w:(i+1)*w])
		}
	}
}

// MajorityShare is the fraction of the view in its most frequent class (0
// for an empty view): the accuracy of always answering that class.
func (s Split) MajorityShare() float64 {
	if s.Len() == 0 {
		return 0
	}
	counts := map[int]int{}
	most := 0
	for _, i := range s.Index {
		counts[s.Part.Y[i]]++
		most = max(most, counts[s.Part.Y[i]])
	}
	return float64(most) / float64(s.Len())
}

// Splits are the three views a run uses.
type Splits struct {
	Train, Val, Test Split
}

// Split holds out validation samples of the training part, chosen by a
// permutation drawn from r, and keeps the first trainLimit of the rest and
// testLimit evenly spaced samples of the test part (0 keeps all): every run
// sees the same test samples, and a test part stored class by class (an
// image folder) keeps every class. The same r gives the same split.
func (d *Dataset) Split(validation, trainLimit, testLimit int, r *rand.Rand) (Splits, error) {
	n := d.Train.Len()
	if d.Val == nil && (validation < 0 || validation >= n) {
		return Splits{}, fmt.Errorf("validation: %d is outside [0, %d) for %s", validation, n, d.Name)
	}
	if trainLimit < 0 || testLimit < 0 {
		return Splits{}, fmt.Errorf("train_limit and test_limit must not be negative")
	}
	perm := r.Perm(n)
	val, train := perm[:validation], perm[validation:]
	valPart := d.Train
	if d.Val != nil { // the task's own validation part
		val, train, valPart = all(d.Val.Len()), perm, d.Val
	}
	if trainLimit > 0 && trainLimit < len(train) {
		train = train[:trainLimit]
	}
	nt := d.Test.Len()
	if testLimit == 0 || testLimit > nt {
		testLimit = nt
	}
	test := make([]int, testLimit)
	for i := range test {
		test[i] = int(int64(i) * int64(nt) / int64(testLimit))
	}
	return Splits{Split{d.Train, train}, Split{valPart, val}, Split{d.Test, test}}, nil
}

// all returns 0, 1, …, n−1.
func all(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// normalise scales bytes to [0, 1] and then standardises each channel with
// the mean and standard deviation of the whole training part, so that every
// split is scaled alike and no test statistic leaks into training. Samples
// are channels first: shape is [C H W] or [C ...].
func normalise(train, test []byte, shape []int) (xtr, xte []float32) {
	size := 1
	for _, d := range shape {
		size *= d
	}
	channels := shape[0]
	plane := size / channels
	// Per channel, a histogram of the 256 byte values gives the moments.
	hist := make([][256]int64, channels)
	for s := 0; s+size <= len(train); s += size {
		for c := 0; c < channels; c++ {
			h := &hist[c]
			for _, b := range train[s+c*plane : s+(c+1)*plane] {
				h[b]++
			}
		}
	}
	// lut[c][b] is the standardised value of byte b in channel c, computed
	// in float32 as (b/255 − mean)·(1/std).
	lut := make([][256]float32, channels)
	for c := range lut {
		var n, sum, sq float64
		for b, k := range hist[c] {
			v := float64(b) / 255
			n += float64(k)
			sum += float64(k) * v
			sq += float64(k) * v * v
		}
		m := sum / math.Max(n, 1)
		mean := float32(m)
		inv := float32(1 / math.Sqrt(math.Max(sq/math.Max(n, 1)-m*m, 1e-12)))
		for b := range lut[c] {
			lut[c][b] = (float32(b)/255 - mean) * inv
		}
	}
	return applyLUT(train, lut, shape), applyLUT(test, lut, shape)
}

// applyLUT maps every byte of src (samples of shape, channels first) to
// its channel's value in lut, the samples shared among the CPUs: most of
// the time goes into first touching the pages of dst (737 MB for CIFAR-10),
// which they do side by side.
func applyLUT(src []byte, lut [][256]float32, shape []int) []float32 {
	size := 1
	for _, d := range shape {
		size *= d
	}
	channels := shape[0]
	plane := size / channels
	dst := make([]float32, len(src))
	samples := len(src) / size
	parts := min(runtime.GOMAXPROCS(0), max(samples/1024, 1))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for s := p * samples / parts * size; s < (p+1)*samples/parts*size; s += size {
				for c := 0; c < channels; c++ {
					l := &lut[c]
					out := dst[s+c*plane : s+(c+1)*plane]
					for i, b := range src[s+c*plane : s+(c+1)*plane] {
						out[i] = l[b]
					}
				}
			}
		})
	}
	wg.Wait()
	return dst
}
