package vecmath

// Pool2 places the rows of a 2×2 max pooling with stride 2 in its input
// and output: output row q (OW values from q·OW) pools the input rows that
// start at q·Stride and q·Stride + W, 2·OW values each. Base is the index
// of the input slice's first value in the whole input, from which the
// positions of the maxima count.
type Pool2 struct{ Rows, OW, W, Stride, Base int }

// check panics unless in, out and at hold the rows of p.
func (p *Pool2) check(in []float32, out int, at int) {
	if p.Rows < 0 || p.OW < 0 || 2*p.OW > p.W || p.Rows > 0 && len(in) < (p.Rows-1)*p.Stride+p.W+2*p.OW ||
		out < p.Rows*p.OW || at < p.Rows*p.OW || p.Base+(p.Rows+1)*p.Stride > 1<<31-1 {
		panic("vecmath: pooling rows out of range")
	}
}

// MaxPool2 pools the rows p places: each output is the largest of its
// window's r0[2i], r0[2i+1], r1[2i] and r1[2i+1] (by Go's max, whose NaN
// and signed zeros it keeps), and at holds Base + the position in the input
// slice of the first of them that equals it (the last, r1[2i+1], when none
// does, the maximum being NaN).
func MaxPool2(in, out []float32, at []int32, p Pool2) {
	p.check(in, len(out), len(at))
	if hasAVX2 && p.OW >= 8 && p.Rows > 0 {
		maxPool2AVX2(in, out, at, &p)
		return
	}
	p.eachRow(in, func(r0, r1 []float32, o int, base int32) {
		maxPool2Row(r0, r1, out[o:o+p.OW], at[o:o+p.OW], base, int32(p.W))
	})
}

// eachRow calls row with each output row's two input rows, the index of
// its first output and the position of its first input.
func (p *Pool2) eachRow(in []float32, row func(r0, r1 []float32, o int, base int32)) {
	for q := range p.Rows {
		r := in[q*p.Stride:]
		row(r[:2*p.OW], r[p.W:p.W+2*p.OW], q*p.OW, int32(p.Base+q*p.Stride))
	}
}

func maxPool2Row(r0, r1, out []float32, at []int32, base, w int32) {
	for i := range out {
		v00, v01, v10, v11 := r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]
		best := max(max(v00, v01), max(v10, v11))
		// The first position holding the maximum, without branches on the
		// data, which a pooling's comparisons would mispredict.
		off := w + 1
		off = pick(v10 == best, w, off)
		off = pick(v01 == best, 1, off)
		off = pick(v00 == best, 0, off)
		out[i], at[i] = best, base+2*int32(i)+off
	}
}

// pick returns x when c holds, else y: a conditional move.
func pick(c bool, x, y int32) int32 {
	if c {
		return x
	}
	return y
}

// MaxPool2Back is the adjoint of MaxPool2: it writes every input of the
// windows of the rows p places, each output's gradient g (as 0 + g, the sum
// into a cleared input) at the position at names and +0 at the three
// others of its window. Inputs outside every window are left as they are.
func MaxPool2Back(din, g []float32, at []int32, p Pool2) {
	p.check(din, len(g), len(at))
	if hasAVX2 && p.OW >= 8 && p.Rows > 0 {
		maxPool2BackAVX2(din, g, at, &p)
		return
	}
	p.eachRow(din, func(d0, d1 []float32, o int, base int32) {
		maxPool2BackRow(d0, d1, g[o:o+p.OW], at[o:o+p.OW], base, int32(p.W))
	})
}

func maxPool2BackRow(d0, d1, g []float32, at []int32, base, w int32) {
	for i, v := range g {
		var zero float32
		v += zero
		switch at[i] - base - 2*int32(i) {
		case 0:
			d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = v, 0, 0, 0
		case 1:
			d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = 0, v, 0, 0
		case w:
			d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = 0, 0, v, 0
		default:
			d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = 0, 0, 0, v
		}
	}
}
