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
