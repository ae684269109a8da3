package vecmath

import "sync"

// The products of a convolution (Product, ProductAdd, DotLanes), with a
// summation order of their own: each output sums its terms one after
// another (DotLanes: in 16 partial sums, each so), every product rounded to
// float32 before it is added, so that the scalar loops, the AVX2 kernels and
// the AVX-512 kernels, which compute many outputs side by side, give the
// same bits. (A fused multiply-add would round once where the scalar loop
// rounds twice; on AMD Zen a multiply and an add issue on separate pipes,
// so the pair costs no more throughput than the fused one.)

// TileRows is the number of rows that the kernels of Product (of a Packed
// matrix) and ProductAdd compute together.
const TileRows = 4

// Packed is an m×k matrix and a bias of m values laid out for Product: its
// rows TileRows at a time, each column of a tile a run of TileRows values.
// When m is not a multiple of TileRows, the last tile is the last TileRows
// rows, overlapping the one before it.
type Packed struct {
	M, K int
	a, b []float32
}

// Pack sets p to the m×k matrix a (row i at a[i·lda:]; with trans, a is
// k×m and row i of the packed matrix is its column i) and the bias b (nil:
// zeros).
func (p *Packed) Pack(a []float32, lda int, trans bool, b []float32, m, k int) {
	tiles := (m + TileRows - 1) / TileRows
	p.M, p.K = m, k
	p.a = grow(p.a, tiles*k*TileRows)
	p.b = grow(p.b, tiles*TileRows)
	for t := range tiles {
		i0 := p.tileRow(t)
		for i := range TileRows {
			row := min(i0+i, m-1) // m < TileRows: rows repeat, never read back
			for r := range k {
				if trans {
					p.a[(t*k+r)*TileRows+i] = a[r*lda+row]
				} else {
					p.a[(t*k+r)*TileRows+i] = a[row*lda+r]
				}
			}
			p.b[t*TileRows+i] = 0
			if b != nil {
				p.b[t*TileRows+i] = b[row]
			}
		}
	}
}

// tileRow returns the first row of tile t.
func (p *Packed) tileRow(t int) int {
	return max(0, min(t*TileRows, p.M-TileRows))
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Product sets y[i·ldy+j] = b[i] + a[i,0]·x[j] + a[i,1]·x[ldx+j] + … for
// i < p.M and j < n: the bias first, then each term in order of r, each
// product rounded before it is added.
func Product(y []float32, ldy int, p *Packed, x []float32, ldx, n int) {
	m, k := p.M, p.K
	if m == 0 || n == 0 {
		return
	}
	if len(y) < (m-1)*ldy+n || (k > 0 && len(x) < (k-1)*ldx+n) || n > ldy || (k > 0 && n > ldx) {
		panic("vecmath: Product out of range")
	}
	done := 0
	if m >= TileRows && k > 0 {
		done = productVector(y, ldy, p, x, ldx, n)
	}
	if done == n {
		return
	}
	// The columns the kernels left (all, without them), in Go: each
	// element's terms in the same order as one loop over r, after the bias.
	for t := range (m + TileRows - 1) / TileRows {
		i0, rows := p.tileRow(t), min(TileRows, m)
		for i := range rows {
			yi := y[(i0+i)*ldy:][done:n]
			for j := range yi {
				yi[j] = p.b[t*TileRows+i]
			}
		}
		addTerms(y[i0*ldy:], ldy, p.a[t*k*TileRows:], 1, TileRows, rows, k, x, ldx, done, n)
	}
}

// Lanes is the number of partial sums DotLanes keeps of each dot product.
const Lanes = 16

// LaneRows is the number of rows of x that the kernels of DotLanes pair with
// each TileRows rows of a; DotLanes reads x's rows in groups of LaneRows,
// so x must hold k rounded up to a multiple of LaneRows rows.
const LaneRows = 5

// DotLanes adds the products a[i,q]·x[j,q] (row i of a at a[i·lda:], row j
// of x at x[j·ldx:]) for i < m, j < k and q < n to Lanes partial sums of
// each pair: lanes[(i·ldl+j)·Lanes+l] gets those with q ≡ l (mod Lanes), in
// order of q, each product rounded before it is added. SumLanes then adds
// up each pair's partial sums in a fixed order. The sums are those of one
// loop over q whatever the kernel, and calls with the same lanes go on
// summing: a batch's dot products are one call per sample.
func DotLanes(lanes []float32, ldl int, a []float32, lda, m int, x []float32, ldx, k, n int) {
	if m == 0 || k == 0 || n == 0 {
		return
	}
	kp := (k + LaneRows - 1) / LaneRows * LaneRows
	if ldl < kp || len(lanes) < ((m-1)*ldl+kp)*Lanes || len(a) < (m-1)*lda+n || len(x) < (kp-1)*ldx+n || n > lda || n > ldx {
		panic("vecmath: DotLanes out of range")
	}
	// The kernels take the rows they can, and the columns they can of
	// those; the scalar loops do the rest, in the same order.
	full := n / Lanes * Lanes
	rows, cols := dotLanesVector(lanes, ldl, a, lda, m, x, ldx, kp, n)
	for i := range m {
		lo := leftFrom(i, rows, cols)
		if lo == n {
			continue
		}
		for j := range k {
			acc := (*[Lanes]float32)(lanes[(i*ldl+j)*Lanes:])
			ai, xj := a[i*lda:][:n], x[j*ldx:][:n]
			if lo < full { // lo and full are multiples of Lanes
				dotLanesGo(acc[:8], ai[lo:full], xj[lo:full])
				dotLanesGo(acc[8:], ai[lo+8:full], xj[lo+8:full])
			}
			for q := max(lo, full); q < n; q++ {
				acc[q%Lanes] += float32(ai[q] * xj[q])
			}
		}
	}
}

// dotLanesGo adds to the 8 sums acc the products a[q+l]·x[q+l] of lane l,
// for q = 0, Lanes, 2·Lanes, … while a holds 8 more: half of DotLanes's
// partial sums, kept in variables while the products are added.
func dotLanesGo(acc, a, x []float32) {
	s0, s1, s2, s3, s4, s5, s6, s7 := acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]
	for q := 0; q+8 <= len(a); q += Lanes {
		av, xv := a[q:][:8], x[q:][:8]
		s0, s1, s2, s3 = s0+float32(av[0]*xv[0]), s1+float32(av[1]*xv[1]), s2+float32(av[2]*xv[2]), s3+float32(av[3]*xv[3])
		s4, s5, s6, s7 = s4+float32(av[4]*xv[4]), s5+float32(av[5]*xv[5]), s6+float32(av[6]*xv[6]), s7+float32(av[7]*xv[7])
	}
	acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7] = s0, s1, s2, s3, s4, s5, s6, s7
}

// SumLanes sets dst[i] to the sum of the Lanes partial sums
// lanes[i·Lanes:(i+1)·Lanes], halving them in a tree: the upper half added
// to the lower one, until one is left.
func SumLanes(dst, lanes []float32) {
	for i := range dst {
		l := (*[Lanes]float32)(lanes[i*Lanes:])
		a0, a1, a2, a3 := l[0]+l[8], l[1]+l[9], l[2]+l[10], l[3]+l[11]
		a4, a5, a6, a7 := l[4]+l[12], l[5]+l[13], l[6]+l[14], l[7]+l[15]
		b0, b1, b2, b3 := a0+a4, a1+a5, a2+a6, a3+a7
		dst[i] = (b0 + b2) + (b1 + b3)
	}
}

// ProductAdd adds to y[i·ldy+j] the terms a[i·lda]·x[j] + a[i·lda+1]·x[ldx+j]
// + … + a[i·lda+k−1]·x[(k−1)·ldx+j] for i < m and j < n, one after another
// onto y's value, each product rounded before it is added: a product summed
// over k in order, and over further calls.
func ProductAdd(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if len(y) < (m-1)*ldy+n || len(a) < (m-1)*lda+k || len(x) < (k-1)*ldx+n || n > ldy || n > ldx || k > lda {
		panic("vecmath: ProductAdd out of range")
	}
	productAdd(y, ldy, a, lda, m, k, x, ldx, n, false)
}

// productAdd does ProductAdd onto y's values or, fresh, onto zeros (y's
// values are not read).
func productAdd(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int, fresh bool) {
	rows, cols := productAddVector(y, ldy, a, lda, m, k, x, ldx, n, fresh)
	if rows > 0 && rows < m && cols == n {
		rows = productAddLastRows(y, ldy, a, lda, m, k, x, ldx, n, fresh)
	}
	// What the kernels left: the last columns of their rows, and the rows
	// after them.
	productAddGo(y, ldy, a, lda, 0, rows, k, x, ldx, cols, n, fresh)
	productAddGo(y, ldy, a, lda, rows, m, k, x, ldx, 0, n, fresh)
}

// productAddGo does productAdd's rows [i0, i1) and columns [j0, j1) in Go.
func productAddGo(y []float32, ldy int, a []float32, lda, i0, i1, k int, x []float32, ldx, j0, j1 int, fresh bool) {
	if j0 >= j1 || i0 >= i1 {
		return
	}
	if fresh {
		for i := i0; i < i1; i++ {
			clear(y[i*ldy:][j0:j1])
		}
	}
	addTerms(y[i0*ldy:], ldy, a[i0*lda:], lda, 1, i1-i0, k, x, ldx, j0, j1)
}

// addTerms adds to y[i·ldy+j], for i < m and j0 ≤ j < j1, its terms
// a[i·lda+r·step]·x[r·ldx+j] in order of r, each product rounded before it
// is added: the Go loops of Product (a packed tile, step TileRows) and
// ProductAdd (rows of a, step 1). It takes 2×4 outputs at a time, each sum
// in a variable of its own: 8 chains of additions side by side (as many as
// 16 registers hold beside the terms) rather than a load and a store of y
// for every term.
func addTerms(y []float32, ldy int, a []float32, lda, step, m, k int, x []float32, ldx, j0, j1 int) {
	i := 0
	for ; i+2 <= m; i += 2 {
		j := j0
		for ; j+4 <= j1; j += 4 {
			addTerms2x4(y[i*ldy+j:], ldy, a[i*lda:], lda, step, k, x[j:], ldx)
		}
		for r := i; r < i+2 && j < j1; r++ {
			addTermsRow(y[r*ldy:][j:j1], a[r*lda:], step, k, x[j:], ldx)
		}
	}
	for ; i < m; i++ {
		addTermsRow(y[i*ldy:][j0:j1], a[i*lda:], step, k, x[j0:], ldx)
	}
}

// addTermsRow adds to each yi[j] its terms a[r·step]·x[r·ldx+j], r in order.
func addTermsRow(yi, a []float32, step, k int, x []float32, ldx int) {
	for r := range k {
		v := a[r*step]
		for j, w := range x[r*ldx:][:len(yi)] {
			yi[j] += float32(v * w)
		}
	}
}

// addTerms2x4 adds to the 2×4 outputs at y their k terms each, the two
// rows' factors at a[r·step] and a[lda+r·step].
func addTerms2x4(y []float32, ldy int, a []float32, lda, step, k int, x []float32, ldx int) {
	y0, y1 := y[:4], y[ldy:][:4]
	s00, s01, s02, s03 := y0[0], y0[1], y0[2], y0[3]
	s10, s11, s12, s13 := y1[0], y1[1], y1[2], y1[3]
	a1 := a[lda:]
	for r := range k {
		xr := x[r*ldx:][:4]
		x0, x1, x2, x3 := xr[0], xr[1], xr[2], xr[3]
		v, w := a[r*step], a1[r*step]
		s00, s01, s02, s03 = s00+float32(v*x0), s01+float32(v*x1), s02+float32(v*x2), s03+float32(v*x3)
		s10, s11, s12, s13 = s10+float32(w*x0), s11+float32(w*x1), s12+float32(w*x2), s13+float32(w*x3)
	}
	y0[0], y0[1], y0[2], y0[3] = s00, s01, s02, s03
	y1[0], y1[1], y1[2], y1[3] = s10, s11, s12, s13
}

// productAddLastRows does ProductAdd's last m mod TileRows rows by the
// kernels too, in a tile of their own padded with zero rows, and returns m:
// each output's sum is its own, whatever rows are beside it.
func productAddLastRows(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int, fresh bool) int {
	first := m / TileRows * TileRows
	var room [TileRows * (panelCols + panelTerms)]float32 // a panel's, on the stack
	tile := room[:]
	if n+k > panelCols+panelTerms {
		tile = make([]float32, TileRows*(n+k))
	}
	yt, at := tile[:TileRows*n], tile[TileRows*n:]
	for i := first; i < m; i++ {
		if !fresh {
			copy(yt[(i-first)*n:][:n], y[i*ldy:][:n])
		}
		copy(at[(i-first)*k:][:k], a[i*lda:][:k])
	}
	productAddVector(yt, n, at, k, TileRows, k, x, ldx, n, fresh)
	for i := first; i < m; i++ {
		copy(y[i*ldy:][:n], yt[(i-first)*n:][:n])
	}
	return m
}

// leftFrom returns the first column of row i that the kernels left to the
// scalar loops, when they did the first cols columns of the first rows rows.
func leftFrom(i, rows, cols int) int {
	if i < rows {
		return cols
	}
	return 0
}

// Panel sizes of ProductAddPanels: a block of x of panelTerms rows and
// panelCols columns (32 KiB) stays in a core's L1 cache while every row
// tile of a takes its terms from it.
const (
	panelCols  = 32
	panelTerms = 256
)

// ProductAddPanels does what ProductAdd does, with the same bits, a block
// of x at a time, copied first into a contiguous panel when a has enough
// rows to read it again and again: rows of x whose stride is a multiple of
// 4 KiB (a layer of 1,024 units) would otherwise share a handful of cache
// sets and come from memory again for every tile of four rows of a.
func ProductAddPanels(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int) {
	productPanels(y, ldy, a, lda, m, k, x, ldx, n, false)
}

// ProductPanels sets y to a·x as ProductAddPanels would add it to zeros,
// with the same bits, without reading y.
func ProductPanels(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int) {
	productPanels(y, ldy, a, lda, m, k, x, ldx, n, true)
}

func productPanels(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int, set bool) {
	if m == 0 || n == 0 {
		return
	}
	if len(y) < (m-1)*ldy+n || n > ldy || (k > 0 && (len(a) < (m-1)*lda+k || len(x) < (k-1)*ldx+n || n > ldx || k > lda)) {
		panic("vecmath: ProductAddPanels out of range")
	}
	if k == 0 && set { // no terms: zeros
		for i := range m {
			clear(y[i*ldy:][:n])
		}
	}
	copyX := m > 4*TileRows
	panel := panels.Get().(*[panelTerms * panelCols]float32)
	defer panels.Put(panel)
	for j := 0; j < n; j += panelCols {
		w := min(panelCols, n-j)
		for r := 0; r < k; r += panelTerms {
			terms := min(panelTerms, k-r)
			xs, ldxs := x[r*ldx+j:], ldx
			if copyX {
				CopyRuns(panel[:], xs, terms, w, ldx)
				xs, ldxs = panel[:], w
			}
			productAdd(y[j:], ldy, a[r:], lda, m, terms, xs, ldxs, w, set && r == 0)
		}
	}
}

var panels = sync.Pool{New: func() any { return new([panelTerms * panelCols]float32) }}
