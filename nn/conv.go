package nn

import (
	"fmt"

	"github.com/creditbench/creditbench/internal/vecmath"
)

// Conv2D is a 2-D convolution over channels-first samples (C×H×W), computed
// as im2col and a product per sample:
//
//	cols = im2col(x)            (C·K·K)×(OH·OW)
//	y    = b + W·cols           W is F×(C·K·K), b is F
//
// with OH = (H + 2·Pad − K)/Stride + 1 (and OW alike). Outputs are
// channels-first, F×OH×OW per sample.
//
// Its products are vecmath's, not the BLAS's: each output sums its terms
// in one fixed order (the weight gradient over a batch in pieces of
// samples fixed by the batch size), so a convolution's bits depend neither
// on the BLAS nor on the cores a run has.
type Conv2D struct {
	C, H, W     int // input channels and size
	F, K        int // filters and kernel size (K×K)
	Stride, Pad int
	OH, OW      int
	Wt, B       *Param // Wt is F×(C·K·K); B is F

	x, y, dx     *Tensor
	whole        *Tensor // y's room, kept while forwardThrough leaves y nil
	in           *Tensor // x as Forward read it, through the input hook
	cols         []float32
	w, wt        vecmath.Packed
	lanes, parts []float32 // each piece's partial sums of dW and db, then its dW and db
	dyt          []float32 // each piece's sample error, transposed (see inLanes)
	errs         []float32 // each piece's room for a sample's errors (see errorsThrough)
	outs         []float32 // each piece's room for a sample's output (see forwardThrough)
	src          []int32   // see source

	hin, htin, herr *Tensor // copies for the engine's hooks
}

// NewConv2D returns a convolution of c×h×w inputs with f filters of k×k.
func NewConv2D(c, h, w, f, k, stride, pad int) (*Conv2D, error) {
	if stride < 1 || pad < 0 || k < 1 || h+2*pad < k || w+2*pad < k {
		return nil, fmt.Errorf("nn: convolution of %dx%dx%d by %dx%d (stride %d, padding %d) has no output", c, h, w, k, k, stride, pad)
	}
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	return &Conv2D{C: c, H: h, W: w, F: f, K: k, Stride: stride, Pad: pad, OH: oh, OW: ow,
		Wt: newParam("W", f, c*k*k), B: newParam("b", f)}, nil
}

// source returns, for each row r = (c, ki, kj) of the columns and each
// output position p = (oy, ox), the offset in a sample of the input value
// that im2col places there, or −1 for padding: the one map that im2col
// reads by and col2im writes back by. It is computed once per layer.
func (l *Conv2D) source() []int32 {
	if l.src != nil {
		return l.src
	}
	P := l.OH * l.OW
	l.src = make([]int32, l.C*l.K*l.K*P)
	for c := 0; c < l.C; c++ {
		for ki := 0; ki < l.K; ki++ {
			for kj := 0; kj < l.K; kj++ {
				row := l.src[((c*l.K+ki)*l.K+kj)*P:][:P]
				for oy := 0; oy < l.OH; oy++ {
					iy := oy*l.Stride + ki - l.Pad
					for ox := 0; ox < l.OW; ox++ {
						ix := ox*l.Stride + kj - l.Pad
						row[oy*l.OW+ox] = -1
						if iy >= 0 && iy < l.H && ix >= 0 && ix < l.W {
							row[oy*l.OW+ox] = int32((c*l.H+iy)*l.W + ix)
						}
					}
				}
			}
		}
	}
	return l.src
}

// columnRows is the number of rows of a sample's columns: C·K·K of them,
// then a row of ones (its products with the error are the error itself, to
// the bit, so the weight gradient's kernel sums the bias gradient beside
// the weights'), then zeros up to a multiple of the rows that kernel takes
// together.
func (l *Conv2D) columnRows() int {
	rows := vecmath.TileRows
	if l.inLanes() {
		rows = vecmath.LaneRows
	}
	return (l.C*l.K*l.K + 1 + rows - 1) / rows * rows
}

// inLanes reports whether the weight gradient is summed by DotLanes, in
// vecmath.Lanes partial sums per weight, which it keeps in cache for a
// layer of up to 8,192 weights and biases (512 KiB of sums); a larger
// layer's is summed by ProductAdd, one sum per weight.
func (l *Conv2D) inLanes() bool {
	rows := (l.C*l.K*l.K + vecmath.LaneRows) / vecmath.LaneRows * vecmath.LaneRows
	return l.F*rows <= 8192
}

// columnStride is the distance between two rows of a sample's columns:
// OH·OW rounded up to an odd number of 64-byte cache lines, so that the
// rows of a tile fall in different sets of the cache (OH·OW = 32·32 puts
// them 4 KiB apart, all in one set).
func (l *Conv2D) columnStride() int {
	lines := (l.OH*l.OW + 15) / 16
	return (lines | 1) * 16
}

// columns returns room for the columns of one sample in each of count
// pieces, size values each. The columns are formed again for each pass,
// a sample at a time, and used while in cache: a batch's would be C·K·K
// times its input, written by one pass to be read back from memory by
// the next.
func (l *Conv2D) columns(count int) (cols []float32, size int) {
	R, ld := l.C*l.K*l.K, l.columnStride()
	size = l.columnRows() * ld
	if len(l.cols) < count*size {
		l.cols = make([]float32, count*size)
		for i := range count {
			ones := l.cols[i*size+R*ld:][:l.OH*l.OW]
			for p := range ones {
				ones[p] = 1
			}
		}
	}
	return l.cols, size
}

// im2col sets cols, rows of P = OH·OW values columnStride apart, to the
// columns of sample s of x: by runs at stride 1, else by the source map,
// which bySamples makes before its pieces (they would race to make it).
func (l *Conv2D) im2col(x *Tensor, s int, cols []float32) {
	img := x.Row(s)
	if l.Stride == 1 {
		l.im2colRuns(img, cols)
		return
	}
	P, ld := l.OH*l.OW, l.columnStride()
	for r := range l.C * l.K * l.K {
		row := cols[r*ld:][:P]
		for p, i := range l.src[r*P:][:P] {
			if i < 0 {
				row[p] = 0
			} else {
				row[p] = img[i]
			}
		}
	}
}

// im2colRuns is im2col at stride 1, where each output row of a column row
// reads a contiguous run of an input row, between zeros of the padding:
// copies instead of a gather by source.
func (l *Conv2D) im2colRuns(img, cols []float32) {
	P, ld := l.OH*l.OW, l.columnStride()
	for c := range l.C {
		for ki := range l.K {
			for kj := range l.K {
				row := cols[((c*l.K+ki)*l.K+kj)*ld:][:P]
				if l.Pad == 0 { // every output row one run of an input row
					vecmath.CopyRuns(row, img[(c*l.H+ki)*l.W+kj:], l.OH, l.OW, l.W)
					continue
				}
				// Output columns left ≤ ox < right read input column ox + kj − Pad.
				left, right := max(0, l.Pad-kj), min(l.OW, l.W+l.Pad-kj)
				for oy := range l.OH {
					dst := row[oy*l.OW : (oy+1)*l.OW]
					iy := oy + ki - l.Pad
					if iy < 0 || iy >= l.H || left >= right {
						clear(dst)
						continue
					}
					clear(dst[:left])
					start := (c*l.H+iy)*l.W + left + kj - l.Pad
					copy(dst[left:right], img[start:start+right-left])
					clear(dst[right:])
				}
			}
		}
	}
}

// col2im sets img, a sample's input gradient, to its columns' gradient
// cols added back by the source map src: the adjoint of im2col.
func (l *Conv2D) col2im(src []int32, cols, img []float32) {
	P, ld := l.OH*l.OW, l.columnStride()
	clear(img)
	for r := range l.C * l.K * l.K {
		row := cols[r*ld:][:P]
		for p, i := range src[r*P:][:P] {
			if i >= 0 {
				img[i] += row[p]
			}
		}
	}
}

// Forward computes the convolution of x (batch×C·H·W), a sample at a time:
// its columns, then its outputs, while the columns are in cache.
func (l *Conv2D) Forward(e *Engine, x *Tensor) *Tensor { return l.forwardThrough(e, x, nil) }

// forwardThrough is Forward followed by the forward passes of the layers
// after, each sample taken through them as soon as the convolution has
// written it into room of its piece, while it is in cache; it returns the
// last one's output. The convolution then keeps no whole output (y is nil:
// none of those layers needs it). The engine must have no Output hook when
// after is not empty: that acts on the whole output before the next layer
// reads it.
func (l *Conv2D) forwardThrough(e *Engine, x *Tensor, after []sampleWise) *Tensor {
	if x.Cols() != l.C*l.H*l.W {
		panic(fmt.Sprintf("nn: dimension mismatch (batch×in %d×%d vs C×H×W %d×%d×%d)", x.Rows(), x.Cols(), l.C, l.H, l.W))
	}
	n, P, R := x.Rows(), l.OH*l.OW, l.C*l.K*l.K
	l.x = x
	l.in = e.input(x, &l.hin)
	l.w.Pack(l.Wt.Value.Data, R, false, l.B.Value.Data, l.F, R)
	e.MACs += int64(l.F) * int64(n*P) * int64(R)
	if len(after) == 0 {
		l.whole = reuse(l.whole, n, l.F, l.OH, l.OW)
		l.y = l.whole
		l.bySamples(e, n, func(_, s int, cols []float32) {
			l.im2col(l.in, s, cols)
			vecmath.Product(l.y.Row(s), P, &l.w, cols, l.columnStride(), P)
		})
		e.output(l.y)
		return l.y
	}
	l.y = nil
	ins, out := startAll(after, &Tensor{Shape: []int{n, l.F, l.OH, l.OW}})
	per := l.F * P
	if len(l.outs) < samplePieces(n)*per {
		l.outs = make([]float32, samplePieces(n)*per)
	}
	l.bySamples(e, n, func(i, s int, cols []float32) {
		l.im2col(l.in, s, cols)
		y := l.outs[i*per:][:per]
		vecmath.Product(y, P, &l.w, cols, l.columnStride(), P)
		for k, a := range after {
			a.sample(y, s)
			if k+1 < len(after) {
				y = ins[k+1].Row(s)
			}
		}
	})
	return out
}

// bySamples calls f on every sample s of a batch of n, in order within
// each of samplePieces(n) pieces i, each with room for its columns and on
// a core.
func (l *Conv2D) bySamples(e *Engine, n int, f func(i, s int, cols []float32)) {
	l.source()
	count := samplePieces(n)
	cols, size := l.columns(count)
	e.helpers().share(count, func(i int) {
		for s := i * n / count; s < (i+1)*n/count; s++ {
			f(i, s, cols[i*size:][:size])
		}
	})
}

// samplePieces is the number of pieces of samples that a batch of n is cut
// into: the weight and bias gradients are summed piece by piece, so it is
// a part of the arithmetic, fixed by n alone.
func samplePieces(n int) int { return min(maxPieces, n) }

// Backward sets dW = dY·colsᵀ and db = Σ dY, and returns dX = col2im(Wᵀ·dY),
// a sample at a time.
func (l *Conv2D) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	return l.backwardThrough(e, dy, nil, needInput)
}

// backwardThrough is the backward pass of the layers after (those
// forwardThrough ran) and then Backward, dy being the last one's output
// error: each sample's error is taken back through them into room of its
// piece, paired with the sample's columns, and taken on to the input,
// while in cache. The engine must have no Error hook when after is not
// empty: that acts on the convolution's whole error.
func (l *Conv2D) backwardThrough(e *Engine, dy *Tensor, after []sampleWise, needInput bool) *Tensor {
	dy = e.errorOf(dy, &l.herr)
	n, P, R := dy.Rows(), l.OH*l.OW, l.C*l.K*l.K
	errorAt := l.errorsThrough(dy, after)
	var then func(s int, g, cols []float32)
	if needInput {
		l.dx = reuse(l.dx, l.x.Shape...)
		l.wt.Pack(l.Wt.Value.Data, R, true, nil, R, l.F)
		e.MACs += int64(l.F) * int64(n*P) * int64(R)
		src := l.source()
		then = func(s int, g, cols []float32) {
			vecmath.Product(cols, l.columnStride(), &l.wt, g, P, P)
			l.col2im(src, cols, l.dx.Row(s))
		}
	}
	l.grads(e, l.x, n, errorAt, then)
	if !needInput {
		return nil
	}
	e.output(l.dx)
	return l.dx
}

// errorsThrough returns the error of the convolution's outputs for sample
// s of piece i, given dy, the error of the last output of the layers after:
// a row of dy, or what taking it back through them gives in the piece's
// room (no layer after needs its input error whole).
func (l *Conv2D) errorsThrough(dy *Tensor, after []sampleWise) func(i, s int) []float32 {
	if len(after) == 0 {
		return func(_, s int) []float32 { return dy.Row(s) }
	}
	sizes, per := make([]int, len(after)), 0
	shape := l.OutShape(nil)
	for k, a := range after {
		sizes[k] = size(shape)
		per += sizes[k]
		shape = a.OutShape(shape)
	}
	count := samplePieces(dy.Rows())
	if len(l.errs) < count*per {
		l.errs = make([]float32, count*per)
	}
	return func(i, s int) []float32 {
		room, g := l.errs[i*per:][:per], dy.Row(s)
		for k := len(after) - 1; k >= 0; k-- {
			dx := room[:sizes[k]]
			room = room[sizes[k]:]
			after[k].sampleBack(dx, g, s)
			g = dx
		}
		return g
	}
}

// Grads sets dW = dY·colsᵀ and db = Σ dY, pairing the error dy (batch×F·OH·OW)
// with the columns of in: the last input of Forward (as the input hook gave
// it to Forward), or another input of the same shape (a rule's target).
//
// Both are summed in the pieces of bySamples, and the pieces' sums added in
// their order. Within a piece each weight's products and each bias's
// errors (its products with the columns' row of ones) are summed sample
// after sample, position after position: in vecmath.Lanes partial sums
// (position mod Lanes), halved in a tree, where inLanes; else in one sum.
func (l *Conv2D) Grads(e *Engine, in, dy *Tensor) {
	dy = e.errorOf(dy, &l.herr)
	l.grads(e, in, dy.Rows(), l.errorsThrough(dy, nil), nil)
}

// GradsThrough is Grads for dy, the error of the output of the layers
// after the convolution: those a Sequential takes a sample at a time with
// it (pooling, activations), then any Flatten. Each sample's error is
// taken back through them while in cache, as Sequential.Backward does,
// with the numbers of taking dy back layer by layer first. It reports
// false, and does nothing, when another kind of layer follows or the
// engine's Error hook acts on the convolution's whole error.
func (l *Conv2D) GradsThrough(e *Engine, in, dy *Tensor, after []Layer) bool {
	if e.hooksError() {
		return false
	}
	var through []sampleWise
	for i, a := range after {
		if w, ok := a.(sampleWise); ok && len(through) == i {
			through = append(through, w)
		} else if _, ok := a.(*Flatten); !ok {
			return false
		}
	}
	l.grads(e, in, dy.Rows(), l.errorsThrough(dy, through), nil)
	return true
}

// grads is Grads for a batch of n, the error of sample s of piece i given
// by errorAt(i, s) just before it is used; then, when set, is called with
// that error and the sample's columns after their products.
func (l *Conv2D) grads(e *Engine, in *Tensor, n int, errorAt func(i, s int) []float32, then func(s int, g, cols []float32)) {
	P, R, Rp := l.OH*l.OW, l.C*l.K*l.K, l.columnRows()
	x := l.in
	if in != l.x {
		x = e.input(in, &l.htin)
	}
	count, size := samplePieces(n), l.F*Rp // row R of each filter's: its bias
	if cap(l.parts) < count*size {
		l.parts = make([]float32, count*size)
	}
	l.parts = l.parts[:count*size]
	e.MACs += int64(l.F) * int64(n*P) * int64(R)
	if !l.inLanes() {
		// Each piece's sums as an Rp×F product, dWᵀ, the columns
		// times the sample's error transposed.
		clear(l.parts)
		if cap(l.dyt) < count*P*l.F {
			l.dyt = make([]float32, count*P*l.F)
		}
		l.bySamples(e, n, func(i, s int, cols []float32) {
			g := errorAt(i, s)
			l.im2col(x, s, cols)
			dyt := l.dyt[i*P*l.F:][:P*l.F]
			for f := range l.F {
				for p, v := range g[f*P:][:P] {
					dyt[p*l.F+f] = v
				}
			}
			vecmath.ProductAdd(l.parts[i*size:], l.F, cols, l.columnStride(), Rp, P, dyt, l.F, l.F)
			if then != nil {
				then(s, g, cols)
			}
		})
		l.sumPieces(count, size, 1, l.F)
		return
	}
	if cap(l.lanes) < count*size*vecmath.Lanes {
		l.lanes = make([]float32, count*size*vecmath.Lanes)
	}
	l.lanes = l.lanes[:count*size*vecmath.Lanes]
	clear(l.lanes)
	l.bySamples(e, n, func(i, s int, cols []float32) {
		g := errorAt(i, s)
		l.im2col(x, s, cols)
		vecmath.DotLanes(l.lanes[i*size*vecmath.Lanes:][:size*vecmath.Lanes], Rp, g, P, l.F, cols, l.columnStride(), R+1, P)
		if then != nil {
			then(s, g, cols)
		}
	})
	e.helpers().share(count, func(i int) {
		vecmath.SumLanes(l.parts[i*size:][:size], l.lanes[i*size*vecmath.Lanes:][:size*vecmath.Lanes])
	})
	l.sumPieces(count, size, Rp, 1)
}

// sumPieces sets dW and db to the sums, in the order of the pieces, of the
// count pieces' sums in parts, size apart: weight (f, r), and for r = C·K·K
// filter f's bias, at f·fs + r·rs of a piece.
func (l *Conv2D) sumPieces(count, size, fs, rs int) {
	R := l.C * l.K * l.K
	for f := range l.F {
		for r := range R + 1 {
			at := f*fs + r*rs
			sum := l.parts[at]
			for i := 1; i < count; i++ {
				sum += l.parts[i*size+at]
			}
			if r < R {
				l.Wt.Grad.Data[f*R+r] = sum
			} else {
				l.B.Grad.Data[f] = sum
			}
		}
	}
}

// Input returns the input of the last Forward.
func (l *Conv2D) Input() *Tensor { return l.x }

// Params returns the filters and biases.
func (l *Conv2D) Params() []*Param { return []*Param{l.Wt, l.B} }

// OutShape returns [F OH OW].
func (l *Conv2D) OutShape([]int) []int { return []int{l.F, l.OH, l.OW} }

// MACs returns F·C·K·K·OH·OW.
func (l *Conv2D) MACs() int64 { return int64(l.F) * int64(l.C*l.K*l.K) * int64(l.OH*l.OW) }

// MaxPool2D takes the maximum of each Size×Size window (stride Size) of every
// channel.
type MaxPool2D struct {
	C, H, W, Size int
	OH, OW        int

	arg   []int32 // per output, the input index of its maximum
	y, dx *Tensor
	in    []int
}

// NewMaxPool2D returns a pooling of c×h×w inputs by windows of size×size.
func NewMaxPool2D(c, h, w, size int) (*MaxPool2D, error) {
	if size < 1 || h < size || w < size {
		return nil, fmt.Errorf("nn: pooling %dx%d by %dx%d has no output", h, w, size, size)
	}
	return &MaxPool2D{C: c, H: h, W: w, Size: size, OH: h / size, OW: w / size}, nil
}

// Forward pools x (batch×C·H·W).
func (l *MaxPool2D) Forward(e *Engine, x *Tensor) *Tensor {
	l.start(x)
	e.Rows(x.Rows(), l.C*l.H*l.W, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			l.sample(x.Row(s), s)
		}
	})
	return l.y
}

func (l *MaxPool2D) start(x *Tensor) *Tensor {
	l.in = x.Shape
	l.y = reuse(l.y, x.Rows(), l.C, l.OH, l.OW)
	if len(l.arg) != len(l.y.Data) {
		l.arg = make([]int32, len(l.y.Data))
	}
	return l.y
}

// sample pools img, sample s of the input.
func (l *MaxPool2D) sample(img []float32, s int) {
	per := l.C * l.OH * l.OW
	out, arg := l.y.Row(s), l.arg[s*per:(s+1)*per]
	for c := 0; c < l.C; c++ {
		if l.Size == 2 { // the common window, a channel at a time by a vector kernel
			o, in := c*l.OH*l.OW, c*l.H*l.W
			vecmath.MaxPool2(img[in:], out[o:], arg[o:], l.rows2(c))
			continue
		}
		for oy := 0; oy < l.OH; oy++ {
			o := (c*l.OH + oy) * l.OW
			top := (c*l.H + oy*l.Size) * l.W
			for ox := 0; ox < l.OW; ox++ {
				best := top + ox*l.Size
				for i := 0; i < l.Size; i++ {
					for j := 0; j < l.Size; j++ {
						if k := top + i*l.W + ox*l.Size + j; img[k] > img[best] {
							best = k
						}
					}
				}
				out[o+ox], arg[o+ox] = img[best], int32(best)
			}
		}
	}
}

// Backward routes each output's gradient to the input that was its maximum.
func (l *MaxPool2D) Backward(e *Engine, dy *Tensor, needInput bool) *Tensor {
	if !needInput {
		return nil
	}
	l.dx = reuse(l.dx, l.in...)
	e.Rows(dy.Rows(), l.C*l.H*l.W, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			l.sampleBack(l.dx.Row(s), dy.Row(s), s)
		}
	})
	return l.dx
}

// sampleBack routes g, the error of sample s's outputs, into d.
func (l *MaxPool2D) sampleBack(d, g []float32, s int) {
	per := l.C * l.OH * l.OW
	arg := l.arg[s*per : (s+1)*per]
	if l.Size != 2 {
		clear(d)
		for o, v := range g {
			d[arg[o]] += v
		}
		return
	}
	// Each window written whole, as clearing it and adding gives; a
	// sample with a row or column outside every window is cleared first.
	if l.H%2 != 0 || l.W%2 != 0 {
		clear(d)
	}
	for c := range l.C {
		o, in := c*l.OH*l.OW, c*l.H*l.W
		vecmath.MaxPool2Back(d[in:], g[o:], arg[o:], l.rows2(c))
	}
}

// rows2 places the rows of channel c of a 2×2 pooling for vecmath.
func (l *MaxPool2D) rows2(c int) vecmath.Pool2 {
	return vecmath.Pool2{Rows: l.OH, OW: l.OW, W: l.W, Stride: 2 * l.W, Base: c * l.H * l.W}
}

func (l *MaxPool2D) Params() []*Param     { return nil }
func (l *MaxPool2D) OutShape([]int) []int { return []int{l.C, l.OH, l.OW} }
func (l *MaxPool2D) MACs() int64          { return 0 }

// Output returns the last output: nil after a pass that took each sample
// on through the sample-wise layers after the convolution (Sequential's),
// which keeps no whole output of it.
func (l *Conv2D) Output() *Tensor { return l.y }

// Output returns the last output.
func (l *MaxPool2D) Output() *Tensor { return l.y }
