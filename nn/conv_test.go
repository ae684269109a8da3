package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gradCheck compares every parameter's backpropagated gradient (and the
// input gradient) of s on x with central finite differences of the mean
// cross-entropy.
func gradCheck(t *testing.T, s *Sequential, x *Tensor, labels []int) {
	t.Helper()
	var e Engine
	grad := NewTensor(x.Rows(), s.Layers[len(s.Layers)-1].OutShape(nil)[0])
	loss := func() float64 { l, _ := SoftmaxCrossEntropy(s.Forward(&e, x), labels, nil); return l }
	SoftmaxCrossEntropy(s.Forward(&e, x), labels, grad)
	dy := grad
	var dx *Tensor
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy = s.Layers[i].Backward(&e, dy, true)
		if i == 0 {
			dx = dy.Clone()
		}
	}
	check := func(name string, v []float32, i int, got float64) {
		const h = 1e-2
		old := v[i]
		v[i] = old + h
		up := loss()
		v[i] = old - h
		down := loss()
		v[i] = old
		num := (up - down) / (2 * h)
		if math.Abs(got-num) > 3e-2*math.Max(math.Abs(num), 1e-2) {
			t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", name, i, got, num)
		}
	}
	for _, p := range s.Params() {
		for i := range p.Value.Data {
			check(p.Name, p.Value.Data, i, float64(p.Grad.Data[i]))
		}
	}
	for i := range x.Data {
		check("x", x.Data, i, float64(dx.Data[i]))
	}
}

func TestConvGradients(t *testing.T) {
	for _, tc := range []struct{ stride, pad int }{{1, 0}, {2, 1}, {1, 2}} {
		r := rand.New(rand.NewPCG(uint64(tc.stride), uint64(tc.pad)))
		conv, err := NewConv2D(2, 6, 5, 3, 3, tc.stride, tc.pad)
		if err != nil {
			t.Fatal(err)
		}
		s := &Sequential{Layers: []Layer{conv, NewAct(Tanh{}), NewDense(3*conv.OH*conv.OW, 4)}}
		Initialize(s, "torch", r)
		x := NewTensor(3, 2*6*5)
		Gaussian(x.Data, 1, r)
		gradCheck(t, s, x, []int{0, 3, 1})
	}
}

// TestPoolGradients checks max pooling where every window's maximum stands
// clear of the rest, so that finite differences do not cross a tie.
func TestPoolGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	pool, _ := NewMaxPool2D(2, 4, 6, 2)
	s := &Sequential{Layers: []Layer{pool, NewDense(2*2*3, 3)}}
	Initialize(s, "torch", r)
	x := NewTensor(2, 2*4*6)
	for i := range x.Data { // distinct values, 0.1 apart at least (37 and 96 are coprime)
		x.Data[i] = float32((i*37)%(len(x.Data))) / 10
	}
	gradCheck(t, s, x, []int{0, 2})
}

// TestConvMatchesDirectSum compares the im2col product with the
// convolution written as a plain sum.
func TestConvMatchesDirectSum(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	conv, _ := NewConv2D(2, 5, 4, 3, 3, 2, 1)
	Uniform(conv.Wt.Value.Data, 1, r)
	Uniform(conv.B.Value.Data, 1, r)
	x := NewTensor(2, 2*5*4)
	Gaussian(x.Data, 1, r)
	var e Engine
	y := conv.Forward(&e, x)
	for s := 0; s < 2; s++ {
		for f := 0; f < 3; f++ {
			for oy := 0; oy < conv.OH; oy++ {
				for ox := 0; ox < conv.OW; ox++ {
					want := float64(conv.B.Value.Data[f])
					for c := 0; c < 2; c++ {
						for i := 0; i < 3; i++ {
							for j := 0; j < 3; j++ {
								iy, ix := oy*2+i-1, ox*2+j-1
								if iy < 0 || iy >= 5 || ix < 0 || ix >= 4 {
									continue
								}
								want += float64(conv.Wt.Value.Data[f*18+c*9+i*3+j]) * float64(x.Row(s)[(c*5+iy)*4+ix])
							}
						}
					}
					if got := float64(y.Row(s)[(f*conv.OH+oy)*conv.OW+ox]); math.Abs(got-want) > 1e-4 {
						t.Fatalf("sample %d filter %d (%d,%d): %v, direct sum %v", s, f, oy, ox, got, want)
					}
				}
			}
		}
	}
	if want := int64(2) * conv.MACs(); e.MACs != want {
		t.Errorf("counted %d MACs, want %d", e.MACs, want)
	}
}

func TestPaperCNNShapes(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		flat int
	}{{[]int{1, 28, 28}, 4608}, {[]int{3, 32, 32}, 6272}} {
		s, err := Build(ModelSpec{Kind: "cnn", Conv: []int{32}}, tc.in, 10, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if d := s.Denses()[0]; d.In != tc.flat {
			t.Errorf("input %v: the FC layer takes %d, want %d", tc.in, d.In, tc.flat)
		}
	}
	if _, err := Build(ModelSpec{Kind: "cnn"}, []int{1, 28, 28}, 10, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a cnn without convolutions was built")
	}
}

// BenchmarkPaperCNN times a forward and backward pass of the paper's CNNs,
// Conv(1→32, 5×5)-ReLU-MaxPool2-FC(4608→10) for MNIST and Conv(3→32, 5×5)-
// ReLU-MaxPool2-FC(6272→10) for CIFAR, on a batch of 64, and reports
// GFLOP/s (two per multiply-accumulate), to be read against MatMul's.
func BenchmarkPaperCNN(b *testing.B) {
	for _, tc := range []struct {
		name string
		in   []int
	}{{"mnist", []int{1, 28, 28}}, {"cifar", []int{3, 32, 32}}} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := Build(ModelSpec{Kind: "cnn", Conv: []int{32}}, tc.in, 10, rand.New(rand.NewPCG(1, 1)))
			x := NewTensor(64, tc.in[0]*tc.in[1]*tc.in[2])
			Gaussian(x.Data, 1, rand.New(rand.NewPCG(2, 2)))
			labels := make([]int, 64)
			grad := NewTensor(64, 10)
			var e Engine
			b.ResetTimer()
			for range b.N {
				SoftmaxCrossEntropy(s.Forward(&e, x), labels, grad)
				s.Backward(&e, grad)
			}
			b.ReportMetric(2*float64(e.MACs)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestConvPassesThroughHooks checks that a precision model reaches the
// convolution's operands as it does a Dense layer's: the input hook acts on
// what the product reads, the output hook on what it writes, the error hook
// on the error of the weight gradient.
func TestConvPassesThroughHooks(t *testing.T) {
	conv, _ := NewConv2D(1, 3, 3, 2, 2, 1, 0)
	Initialize(&Sequential{Layers: []Layer{conv}}, "torch", rand.New(rand.NewPCG(8, 8)))
	x := NewTensor(1, 9)
	Gaussian(x.Data, 1, rand.New(rand.NewPCG(9, 9)))
	var calls []string
	zero := func(name string) func(*Tensor) {
		return func(t *Tensor) { calls = append(calls, name); t.Zero() }
	}
	e := &Engine{Hooks: &Hooks{Input: zero("input"), Output: func(t *Tensor) { calls = append(calls, "output") }, Error: zero("error")}}
	y := conv.Forward(e, x)
	for f := 0; f < 2; f++ {
		for _, v := range y.Row(0)[f*4 : (f+1)*4] {
			if v != conv.B.Value.Data[f] {
				t.Fatalf("with a zeroed input the output is %v, want the bias %v", v, conv.B.Value.Data[f])
			}
		}
	}
	if x.Data[0] == 0 && x.Data[1] == 0 {
		t.Fatal("the input hook changed the caller's tensor")
	}
	dy := NewTensor(1, 8)
	Gaussian(dy.Data, 1, rand.New(rand.NewPCG(10, 10)))
	conv.Backward(e, dy, false)
	for _, v := range conv.Wt.Grad.Data {
		if v != 0 {
			t.Fatalf("with a zeroed error the weight gradient is %v", v)
		}
	}
	if want := []string{"input", "output", "error"}; !slices.Equal(calls, want) {
		t.Errorf("hooks called %v, want %v", calls, want)
	}
}

// TestIm2colRunsMatchTheGather: at stride 1 the columns are copied in runs;
// they must be those the source map gathers, padding and all.
func TestIm2colRunsMatchTheGather(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, c := range []struct{ ch, h, w, k, pad int }{{1, 28, 28, 5, 0}, {3, 32, 32, 3, 1}, {2, 7, 9, 3, 2}, {1, 5, 5, 5, 4}, {2, 6, 4, 1, 0}} {
		l, err := NewConv2D(c.ch, c.h, c.w, 2, c.k, 1, c.pad)
		if err != nil {
			t.Fatal(err)
		}
		x := NewTensor(3, c.ch*c.h*c.w)
		Gaussian(x.Data, 1, r)
		n, P, R := x.Rows(), l.OH*l.OW, c.ch*c.k*c.k
		src := l.source()
		for s := range n {
			ld := l.columnStride()
			runs := make([]float32, l.columnRows()*ld)
			Gaussian(runs[:R*ld], 1, r) // every value must be written
			l.im2colRuns(x.Row(s), runs)
			for i, v := range runs {
				rr, p := i/ld, i%ld
				if p >= P {
					continue // between rows
				}
				want := float32(0) // padding, and the rows after R
				if rr < R {
					if j := src[rr*P+p]; j >= 0 {
						want = x.Row(s)[j]
					}
				}
				if v != want {
					t.Fatalf("%+v: column row %d, sample %d, position %d is %v, want %v", c, rr, s, p, v, want)
				}
			}
		}
	}
}

// TestMaxPoolMatchesTheDefinition: pooling and its backward pass agree with
// a direct scan of each window (ties to the first) on shapes whose windows
// tile the input and on shapes that leave a row and a column out, with
// rows short and long enough for the vector kernels; the backward pass
// writes every input, covered or not.
func TestMaxPoolMatchesTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct{ ch, h, w, size int }{{2, 4, 6, 2}, {3, 5, 7, 2}, {1, 28, 28, 2}, {2, 32, 34, 2}, {2, 9, 19, 2}, {1, 9, 9, 3}} {
		pool, err := NewMaxPool2D(c.ch, c.h, c.w, c.size)
		if err != nil {
			t.Fatal(err)
		}
		const n = 3
		x := NewTensor(n, c.ch*c.h*c.w)
		for i := range x.Data {
			x.Data[i] = float32(r.IntN(4) - 1) // ties in most windows
		}
		var e Engine
		y := pool.Forward(&e, x)
		dy := NewTensor(n, c.ch*pool.OH*pool.OW)
		Gaussian(dy.Data, 1, r)
		dx := pool.Backward(&e, dy, true)
		for i := range dx.Data {
			dx.Data[i] = float32(math.NaN()) // what a pass must overwrite
		}
		dx = pool.Backward(&e, dy, true)
		want := make([]float32, len(x.Data))
		for s := range n {
			img := x.Row(s)
			for ch := range c.ch {
				for oy := range pool.OH {
					for ox := range pool.OW {
						best := (ch*c.h+oy*c.size)*c.w + ox*c.size
						for i := range c.size {
							for j := range c.size {
								if k := (ch*c.h+oy*c.size+i)*c.w + ox*c.size + j; img[k] > img[best] {
									best = k
								}
							}
						}
						o := (ch*pool.OH+oy)*pool.OW + ox
						if got := y.Row(s)[o]; got != img[best] {
							t.Fatalf("%+v sample %d output %d: %v, want %v", c, s, o, got, img[best])
						}
						want[s*c.ch*c.h*c.w+best] += dy.Row(s)[o]
					}
				}
			}
		}
		for i, v := range dx.Data {
			if v != want[i] {
				t.Fatalf("%+v: input %d's gradient %v, want %v", c, i, v, want[i])
			}
		}
	}
}

// TestConvSumsInItsOrder: a convolution's outputs, weight gradient and
// input gradient are bit for bit those of loops written from their
// definitions (the order of every sum included), on one core and on two:
// unpadded, padded and strided columns, filters and positions that fill
// no whole vector, a batch whose weight gradient is cut unevenly, and
// layers too large for the weight gradient's partial sums.
func TestConvSumsInItsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct{ n, ch, hw, f, k, stride, pad int }{
		{64, 3, 32, 32, 5, 1, 0}, {9, 3, 12, 6, 3, 1, 1}, {13, 2, 13, 8, 3, 2, 1}, {3, 1, 7, 3, 2, 1, 0},
		{9, 16, 6, 64, 3, 1, 1}, {5, 16, 5, 70, 3, 2, 1}, // weight gradients by ProductAdd
	} {
		for _, e := range []*Engine{{}, {Cores: NewCores(2)}} {
			l, err := NewConv2D(c.ch, c.hw, c.hw, c.f, c.k, c.stride, c.pad)
			if err != nil {
				t.Fatal(err)
			}
			Gaussian(l.Wt.Value.Data, 1, r)
			Gaussian(l.B.Value.Data, 1, r)
			x := NewTensor(c.n, c.ch*c.hw*c.hw)
			Gaussian(x.Data, 1, r)
			dy := NewTensor(c.n, c.f*l.OH*l.OW)
			Gaussian(dy.Data, 1, r)
			y := l.Forward(e, x)
			dx := l.Backward(e, dy, true)
			wantY, wantDW, wantDB, wantDX := convByDefinition(l, x, dy)
			for _, o := range []struct {
				what      string
				got, want []float32
			}{{"output", y.Data, wantY}, {"weight gradient", l.Wt.Grad.Data, wantDW}, {"bias gradient", l.B.Grad.Data, wantDB}, {"input gradient", dx.Data, wantDX}} {
				for i, v := range o.want {
					if math.Float32bits(o.got[i]) != math.Float32bits(v) {
						t.Fatalf("%+v, cores %v: %s %d is %v, the definition gives %v", c, e.Cores != nil, o.what, i, o.got[i], v)
					}
				}
			}
		}
	}
}

// TestConvTakesSamplesThroughLayersAfter: a Sequential that takes each
// sample of a convolution through the sample-wise layers after it (and
// their errors back) gives the bits of the layers run one after another,
// every kept output and every gradient, on one core and on two: both
// weight-gradient paths, pooling rows outside every window, two kinds of
// activation, an input gradient taken back through the layers.
func TestConvTakesSamplesThroughLayersAfter(t *testing.T) {
	for _, e := range []*Engine{{}, {Cores: NewCores(2)}} {
		build := func() *Sequential {
			c1, _ := NewConv2D(2, 10, 10, 16, 3, 1, 1)
			p1, _ := NewMaxPool2D(16, 10, 10, 2)
			c2, _ := NewConv2D(16, 5, 5, 64, 3, 1, 1) // weight gradient by ProductAdd
			p2, _ := NewMaxPool2D(64, 5, 5, 2)
			s := &Sequential{InShape: []int{2, 10, 10}, Layers: []Layer{c1, NewAct(ReLU{}), p1, c2, NewAct(Tanh{}), p2,
				NewFlatten([]int{64, 2, 2}), NewDense(256, 10)}}
			Initialize(s, "torch", rand.New(rand.NewPCG(3, 4)))
			return s
		}
		fused, apart := build(), build()
		if fused.Layers[0].(*Conv2D).inLanes() == fused.Layers[3].(*Conv2D).inLanes() {
			t.Fatal("the two convolutions take the same weight-gradient path")
		}
		x := NewTensor(11, 200)
		Gaussian(x.Data, 1, rand.New(rand.NewPCG(5, 6)))
		dy := NewTensor(11, 10)
		Gaussian(dy.Data, 1, rand.New(rand.NewPCG(7, 8)))

		fused.Forward(e, x)
		fused.Backward(e, dy)
		h, g := x, dy
		for _, l := range apart.Layers {
			h = l.Forward(e, h)
		}
		for i := len(apart.Layers) - 1; i >= 0; i-- {
			g = apart.Layers[i].Backward(e, g, i > 0)
		}
		for i, l := range apart.Layers {
			got, want := fused.Layers[i].(interface{ Output() *Tensor }).Output(), l.(interface{ Output() *Tensor }).Output()
			if _, conv := l.(*Conv2D); conv {
				if got != nil {
					t.Errorf("cores %v: layer %d, a convolution with layers after, keeps its whole output", e.Cores != nil, i)
				}
				continue
			}
			if !slices.Equal(bitsOf(got.Data), bitsOf(want.Data)) {
				t.Errorf("cores %v: layer %d's (%T) output differs from the layers run apart", e.Cores != nil, i, l)
			}
		}
		for i, p := range apart.Params() {
			if !slices.Equal(bitsOf(fused.Params()[i].Grad.Data), bitsOf(p.Grad.Data)) {
				t.Errorf("cores %v: gradient of parameter %d (%s) differs from the layers run apart", e.Cores != nil, i, p.Name)
			}
		}
	}
}

// TestGradsThroughLayersAfter: a convolution's gradients from the error of
// the pooling, activation and Flatten after it equal those of taking the
// error back through them layer by layer, bit for bit, on one core and
// two, for an input of its own too; another layer after it, or an Error
// hook, leaves it to the caller.
func TestGradsThroughLayersAfter(t *testing.T) {
	for _, e := range []*Engine{{}, {Cores: NewCores(2)}} {
		for _, filters := range []int{16, 64} { // lanes, and ProductAdd
			build := func() *Sequential {
				c, _ := NewConv2D(16, 10, 10, filters, 3, 1, 1)
				p, _ := NewMaxPool2D(filters, 10, 10, 2)
				s := &Sequential{InShape: []int{16, 10, 10}, Layers: []Layer{c, p, NewAct(ReLU{}), NewFlatten([]int{filters, 5, 5})}}
				Initialize(s, "torch", rand.New(rand.NewPCG(3, 4)))
				return s
			}
			through, apart := build(), build()
			if lanes := through.Layers[0].(*Conv2D).inLanes(); lanes != (filters == 16) {
				t.Fatalf("%d filters: weight gradient in lanes %v", filters, lanes)
			}
			x, other := NewTensor(9, 1600), NewTensor(9, 1600)
			Gaussian(x.Data, 1, rand.New(rand.NewPCG(5, 6)))
			Gaussian(other.Data, 1, rand.New(rand.NewPCG(9, 9)))
			dy := NewTensor(9, filters*25)
			Gaussian(dy.Data, 1, rand.New(rand.NewPCG(7, 8)))
			for _, in := range []*Tensor{x, other} {
				through.Forward(e, x)
				if !through.Layers[0].(*Conv2D).GradsThrough(e, in, dy, through.Layers[1:]) {
					t.Fatal("GradsThrough refused pooling, ReLU and Flatten")
				}
				apart.Forward(e, x)
				g := dy
				for i := len(apart.Layers) - 1; i > 0; i-- {
					g = apart.Layers[i].Backward(e, g, true)
				}
				apart.Layers[0].(*Conv2D).Grads(e, in, g)
				for i, p := range apart.Layers[0].Params() {
					if !slices.Equal(bitsOf(through.Layers[0].Params()[i].Grad.Data), bitsOf(p.Grad.Data)) {
						t.Errorf("cores %v, %d filters, own input %v: gradient %s differs from the layers run apart", e.Cores != nil, filters, in == x, p.Name)
					}
				}
			}
			c := through.Layers[0].(*Conv2D)
			if c.GradsThrough(e, x, dy, []Layer{NewFlatten([]int{filters, 10, 10}), NewAct(ReLU{})}) {
				t.Error("GradsThrough took an activation after a Flatten")
			}
			if c.GradsThrough(&Engine{Hooks: &Hooks{Error: func(*Tensor) {}}}, x, dy, through.Layers[1:]) {
				t.Error("GradsThrough went past an Error hook")
			}
		}
	}
}

// TestHooksSeeTheWholeConvolution: with a precision model's Output or
// Error hook, a Sequential runs a convolution layer by layer, so that the
// hook acts on the convolution's whole output or error, as for any product.
func TestHooksSeeTheWholeConvolution(t *testing.T) {
	conv, _ := NewConv2D(1, 6, 6, 2, 3, 1, 0)
	pool, _ := NewMaxPool2D(2, 4, 4, 2)
	s := &Sequential{InShape: []int{1, 6, 6}, Layers: []Layer{conv, pool, NewAct(ReLU{}), NewFlatten([]int{2, 2, 2}), NewDense(8, 3)}}
	Initialize(s, "torch", rand.New(rand.NewPCG(1, 1)))
	x := NewTensor(2, 36)
	Gaussian(x.Data, 1, rand.New(rand.NewPCG(2, 2)))
	var seen []int
	see := func(t *Tensor) { seen = append(seen, t.Cols()) }
	for _, h := range []struct {
		name  string
		hooks *Hooks
	}{{"Output", &Hooks{Output: see}}, {"Error", &Hooks{Error: see}}} {
		seen = nil
		e := &Engine{Hooks: h.hooks}
		s.Backward(e, s.Forward(e, x).Clone())
		if !slices.Contains(seen, 2*4*4) {
			t.Errorf("the %s hook saw tensors of %v values per sample, none the convolution's 32", h.name, seen)
		}
	}
}

// bitsOf returns the bits of v, which tell apart what == does not (signed
// zeros, NaNs).
func bitsOf(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, f := range v {
		b[i] = math.Float32bits(f)
	}
	return b
}

// convByDefinition computes a convolution's output, weight and bias
// gradients and input gradient by plain loops, summing as Conv2D defines:
// an output from its bias, term after term; a weight's or a bias's
// gradient over each piece of samples, sample after sample, in 16 partial
// sums (position mod 16) halved in a tree or (for a large layer) in one,
// the pieces added in order; an input's gradient over the filters, then
// over the places it was copied to.
func convByDefinition(l *Conv2D, x, dy *Tensor) (y, dw, db, dx []float32) {
	n, P, R := x.Rows(), l.OH*l.OW, l.C*l.K*l.K
	src := l.source()
	in := func(s, r, p int) float32 {
		if i := src[r*P+p]; i >= 0 {
			return x.Row(s)[i]
		}
		return 0
	}
	y = make([]float32, n*l.F*P)
	for s := range n {
		for f := range l.F {
			for p := range P {
				acc := l.B.Value.Data[f]
				for r := range R {
					acc += float32(l.Wt.Value.Data[f*R+r] * in(s, r, p))
				}
				y[(s*l.F+f)*P+p] = acc
			}
		}
	}
	pieces := samplePieces(n)
	sum := func(term func(s, p int) float32) float32 {
		var total float32
		for i := range pieces {
			if !l.inLanes() { // one sum
				var part float32
				for s := i * n / pieces; s < (i+1)*n/pieces; s++ {
					for p := range P {
						part += term(s, p)
					}
				}
				if i == 0 {
					total = part
				} else {
					total += part
				}
				continue
			}
			var lanes [16]float32
			for s := i * n / pieces; s < (i+1)*n/pieces; s++ {
				for p := range P {
					lanes[p%16] += term(s, p)
				}
			}
			for h := 8; h > 0; h /= 2 {
				for j := range h {
					lanes[j] += lanes[j+h]
				}
			}
			if i == 0 {
				total = lanes[0]
			} else {
				total += lanes[0]
			}
		}
		return total
	}
	dw, db = make([]float32, l.F*R), make([]float32, l.F)
	for f := range l.F {
		for r := range R {
			dw[f*R+r] = sum(func(s, p int) float32 { return float32(dy.Row(s)[f*P+p] * in(s, r, p)) })
		}
		db[f] = sum(func(s, p int) float32 { return dy.Row(s)[f*P+p] })
	}
	dx = make([]float32, len(x.Data))
	for s := range n {
		for r := range R {
			for p := range P {
				var acc float32
				for f := range l.F {
					acc += float32(l.Wt.Value.Data[f*R+r] * dy.Row(s)[f*P+p])
				}
				if i := src[r*P+p]; i >= 0 {
					dx[s*l.C*l.H*l.W+int(i)] += acc
				}
			}
		}
	}
	return y, dw, db, dx
}

// BenchmarkIm2col times the columns of a batch of 64 for the paper's CIFAR
// convolution (3×32×32 by 5×5, unpadded: 75 rows of 784 values a sample).
func BenchmarkIm2col(b *testing.B) {
	l, _ := NewConv2D(3, 32, 32, 32, 5, 1, 0)
	x := NewTensor(64, 3*32*32)
	Gaussian(x.Data, 1, rand.New(rand.NewPCG(1, 1)))
	cols, _ := l.columns(1)
	for range b.N {
		for s := range 64 {
			l.im2colRuns(x.Row(s), cols)
		}
	}
}

// BenchmarkConvLayers times a forward and backward pass (input gradient
// included) of CaFo's three convolutions on CIFAR (3→32 on 32×32, 32→128 on
// 16×16, 128→512 on 8×8; 3×3, padded), batch 64: small, middle and large
// weight gradients.
func BenchmarkConvLayers(b *testing.B) {
	for _, c := range []struct{ ch, hw, f int }{{3, 32, 32}, {32, 16, 128}, {128, 8, 512}} {
		l, _ := NewConv2D(c.ch, c.hw, c.hw, c.f, 3, 1, 1)
		Gaussian(l.Wt.Value.Data, 0.1, rand.New(rand.NewPCG(1, 1)))
		x := NewTensor(64, c.ch*c.hw*c.hw)
		Gaussian(x.Data, 1, rand.New(rand.NewPCG(2, 2)))
		dy := NewTensor(64, c.f*l.OH*l.OW)
		Gaussian(dy.Data, 1, rand.New(rand.NewPCG(3, 3)))
		b.Run(fmt.Sprintf("%dto%d", c.ch, c.f), func(b *testing.B) {
			var e Engine
			for range b.N {
				l.Forward(&e, x)
				l.Backward(&e, dy, true)
			}
			b.ReportMetric(2*float64(e.MACs)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
