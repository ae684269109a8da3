//go:build !purego

package vecmath

// hasAVX512 says whether the AVX-512 kernels of Product and DotLanes take
// their work; a variable, so that a test can run the AVX2 ones and the
// scalar loops on the same CPU.
var hasAVX512 = detectAVX512()

// detectAVX512 reports whether the CPU has AVX-512 F and the system saves
// the opmask and ZMM registers.
func detectAVX512() bool {
	if !detectAVX2() {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&0xe6 != 0xe6 { // XMM, YMM, opmask, ZMM
		return false
	}
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<16) != 0
}

// productVector computes the columns of Product by its kernels, the last
// n mod 16 by a mask, and returns how many: all where the CPU has AVX2.
func productVector(y []float32, ldy int, p *Packed, x []float32, ldx, n int) int {
	if !hasAVX2 {
		return 0
	}
	done := n / 16 * 16
	tiles := p.M / TileRows
	// rows calls kernel for count tiles of rows from tile t on, the
	// columns from j on.
	rows := func(t, count, j int, kernel func(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int), cols int) {
		ya := y[p.tileRow(t)*ldy+j:]
		kernel(&ya[0], ldy, &p.a[t*p.K*TileRows], &p.b[t*TileRows], count, p.K, &x[j], ldx, cols)
	}
	every := func(j int, kernel func(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int), cols int) {
		rows(0, tiles, j, kernel, cols)
		if p.M%TileRows != 0 {
			rows(tiles, 1, j, kernel, cols) // the last rows, overlapping: the same values again
		}
	}
	if !hasAVX512 {
		if done > 0 {
			every(0, productAVX2, done)
		}
		if done < n { // the last n mod 16, by a mask
			mask := firstLanes(n - done)
			every(done, func(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, _ int) {
				productTailAVX2(y, ldy, a, b, tiles, k, x, ldx, &mask)
			}, 0)
		}
		return n
	}
	full := done / 32 * 32
	if full > 0 {
		every(0, productAVX512, full)
	}
	if full < done { // sixteen columns more: the same sums
		every(full, productAVX2, 16)
	}
	if done < n { // the last n mod 16, by a mask
		mask := uint64(1)<<(n-done) - 1
		every(done, func(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, _ int) {
			productTailAVX512(y, ldy, a, b, tiles, k, x, ldx, mask)
		}, 0)
	}
	return n
}

// dotLanesVector adds the products of DotLanes's first n columns for the
// first rows of a, a tile of the kernel's rows at a time, and returns how
// many rows it did and how many columns: n/16·16, or n with AVX-512,
// whose kernel takes the last n mod 16 by a mask.
func dotLanesVector(lanes []float32, ldl int, a []float32, lda, m int, x []float32, ldx, kp, n int) (rows, cols int) {
	full := n / Lanes * Lanes
	switch {
	case hasAVX512:
		for i := 0; i+4 <= m; i += 4 {
			if full > 0 {
				dotLanesAVX512(&lanes[i*ldl*Lanes], ldl, &a[i*lda], lda, &x[0], ldx, kp/LaneRows, n/Lanes)
			}
			if full < n {
				dotLanesTailAVX512(&lanes[i*ldl*Lanes], ldl, &a[i*lda+full], lda, &x[full], ldx, kp/LaneRows, uint64(1)<<(n-full)-1)
			}
		}
		return m / 4 * 4, n
	case hasAVX2 && full > 0:
		// Eight lanes of sixteen at a time: each lane is a sum of its own.
		for i := 0; i+2 <= m; i += 2 {
			for h := 0; h < Lanes; h += 8 {
				dotLanesAVX2(&lanes[i*ldl*Lanes+h], ldl, &a[i*lda+h], lda, &x[h], ldx, kp/LaneRows, n/Lanes)
			}
		}
		return m / 2 * 2, full
	}
	return 0, 0
}

// firstLanes returns the AVX2 kernels' mask of the first t of 16 columns.
func firstLanes(t int) (mask [16]int32) {
	for l := range t {
		mask[l] = -1
	}
	return mask
}

// productAVX512 and productAVX2 compute Product for tiles consecutive tiles
// of packed rows (a and b at the first) and cols columns of y and x, a
// multiple of 32 and 16.
//
//go:noescape
func productAVX512(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int)

//go:noescape
func productAVX2(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int)

// productTailAVX512 computes Product for tiles consecutive tiles of packed
// rows and the columns of y and x in mask, at most the first sixteen.
//
//go:noescape
func productTailAVX512(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx int, mask uint64)

// productTailAVX2 does the same for the columns whose mask is −1.
//
//go:noescape
func productTailAVX2(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx int, mask *[16]int32)

// dotLanesAVX512 adds to the lanes of four rows of a paired with groups·5
// rows of x the products of steps·16 columns; dotLanesTailAVX512 those of
// the columns in mask, at most sixteen; dotLanesAVX2 does the same as the
// first for two rows of a and eight lanes of each sixteen.
//
//go:noescape
func dotLanesAVX512(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups, steps int)

//go:noescape
func dotLanesTailAVX512(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups int, mask uint64)

//go:noescape
func dotLanesAVX2(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups, steps int)

// productAddVector does ProductAdd's first m/4·4 rows, all their columns
// (the last n mod 16 by a mask), onto y's values or, fresh, onto zeros,
// and returns how many of each.
func productAddVector(y []float32, ldy int, a []float32, lda, m, k int, x []float32, ldx, n int, fresh bool) (rows, cols int) {
	rows, cols = m/TileRows*TileRows, n/16*16
	if !hasAVX2 || rows == 0 {
		return 0, 0
	}
	tiles, done := rows/TileRows, 0
	if hasAVX512 {
		done = cols / 32 * 32
		if done > 0 {
			productAddAVX512(&y[0], ldy, &a[0], lda, tiles, k, &x[0], ldx, done, fresh)
		}
	}
	if done < cols { // sixteen columns each: the same sums
		productAddAVX2(&y[done], ldy, &a[0], lda, tiles, k, &x[done], ldx, cols-done, fresh)
	}
	if cols < n { // the last n mod 16, by a mask
		if hasAVX512 {
			productAddTailAVX512(&y[cols], ldy, &a[0], lda, tiles, k, &x[cols], ldx, uint64(1)<<(n-cols)-1, fresh)
		} else {
			mask := firstLanes(n - cols)
			productAddTailAVX2(&y[cols], ldy, &a[0], lda, tiles, k, &x[cols], ldx, &mask, fresh)
		}
	}
	return rows, n
}

// productAddAVX512 and productAddAVX2 do ProductAdd for tiles tiles of four
// rows of a (row-major, lda apart) and cols columns of y and x, a multiple
// of 32 and 16, onto y's values or, fresh, onto zeros.
//
//go:noescape
func productAddAVX512(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx, cols int, fresh bool)

//go:noescape
func productAddAVX2(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx, cols int, fresh bool)

// productAddTailAVX512 and productAddTailAVX2 do ProductAdd for tiles tiles
// of four rows and the columns in mask, at most the first sixteen.
//
//go:noescape
func productAddTailAVX512(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx int, mask uint64, fresh bool)

//go:noescape
func productAddTailAVX2(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx int, mask *[16]int32, fresh bool)
