package vecmath

// MaxPool2 pools one output row of a 2×2 max pooling: out[i] is the
// largest of r0[2i], r0[2i+1], r1[2i] and r1[2i+1] (by Go's max, whose
// NaN and signed zeros it keeps), and at[i] is base + 2i plus the offset of
// the first of them that equals it: 0, 1, w or w+1 (w+1 when none does, the
// maximum being NaN). r0 and r1 are two rows w apart of the input, from
// index base; they hold at least 2·len(out) values, and at is as long as
// out.
func MaxPool2(r0, r1, out []float32, at []int32, base, w int32) {
	n := len(out)
	if len(at) != n || len(r0) < 2*n || len(r1) < 2*n {
		panic("vecmath: MaxPool2 slices of unequal lengths")
	}
	if !hasAVX2 || n < 8 {
		maxPool2Scalar(r0, r1, out, at, base, w)
		return
	}
	maxPool2AVX2(r0, r1, out, at, base, w)
	if n%8 != 0 { // the last eight again, which overlap the rest
		k := n - 8
		maxPool2AVX2(r0[2*k:], r1[2*k:], out[k:], at[k:], base+2*int32(k), w)
	}
}

func maxPool2Scalar(r0, r1, out []float32, at []int32, base, w int32) {
	r0, r1 = r0[:2*len(out)], r1[:2*len(out)]
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

// MaxPool2Back is the adjoint of MaxPool2 on one output row: it writes
// the two input rows' 2·len(g) values d0 and d1 (w apart, from index base),
// each g[i] (as 0 + g[i], the sum into a cleared input) to the position
// at[i] names and +0 to the three others of its window.
func MaxPool2Back(d0, d1, g []float32, at []int32, base, w int32) {
	n := len(g)
	if len(at) != n || len(d0) < 2*n || len(d1) < 2*n {
		panic("vecmath: MaxPool2Back slices of unequal lengths")
	}
	if !hasAVX2 || n < 8 {
		maxPool2BackScalar(d0, d1, g, at, base, w)
		return
	}
	maxPool2BackAVX2(d0, d1, g, at, base, w)
	if n%8 != 0 { // the last eight again, which overlap the rest
		k := n - 8
		maxPool2BackAVX2(d0[2*k:], d1[2*k:], g[k:], at[k:], base+2*int32(k), w)
	}
}

func maxPool2BackScalar(d0, d1, g []float32, at []int32, base, w int32) {
	d0, d1 = d0[:2*len(g)], d1[:2*len(g)]
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
