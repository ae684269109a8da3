package vecmath

// CopyRuns copies runs of width values, stride apart in src, one after
// another into dst: dst[r·width+i] = src[r·stride+i]. A convolution's
// columns are such runs, each too short for copy's call to pay.
func CopyRuns(dst, src []float32, runs, width, stride int) {
	if runs == 0 || width == 0 {
		return
	}
	if width > stride || len(dst) < runs*width || len(src) < (runs-1)*stride+width {
		panic("vecmath: CopyRuns out of range")
	}
	if !hasAVX2 || width < 8 {
		for r := range runs {
			copy(dst[r*width:(r+1)*width], src[r*stride:r*stride+width])
		}
		return
	}
	copyRunsAVX2(dst, src, runs, width, stride)
}

// Transpose sets the rows×cols matrix dst (rows ldd apart) to α·srcᵀ, src
// being cols×rows (rows lds apart): dst[i·ldd+j] = α·src[j·lds+i], each
// product rounded as one multiply (α = 1 copies).
func Transpose(dst []float32, ldd int, src []float32, lds, rows, cols int, alpha float32) {
	if rows == 0 || cols == 0 {
		return
	}
	if cols > ldd || rows > lds || len(dst) < (rows-1)*ldd+cols || len(src) < (cols-1)*lds+rows {
		panic("vecmath: Transpose out of range")
	}
	// In blocks of 8×8, so that the rows read and written stay in cache:
	// by the kernel, the last rows and columns by the loop.
	const block = 8
	full := 0
	if hasAVX2 {
		full = block
	}
	for i0 := 0; i0 < rows; i0 += block {
		for j0 := 0; j0 < cols; j0 += block {
			if i0+full <= rows && j0+full <= cols && full > 0 {
				transpose8AVX2(&dst[i0*ldd+j0], ldd, &src[j0*lds+i0], lds, alpha)
				continue
			}
			for j := j0; j < min(j0+block, cols); j++ {
				s := src[j*lds:]
				for i := i0; i < min(i0+block, rows); i++ {
					dst[i*ldd+j] = alpha * s[i]
				}
			}
		}
	}
}
