//go:build !purego

package vecmath

// vectorised says whether the SSE2 kernels of vecmath_amd64.s do the
// bulk of Exp, Sigmoid and Tanh.
const vectorised = true

// The kernels take the first len(v)/4·4 values; the callers do the rest.
//
//go:noescape
func expSSE(v []float32, c *[16][4]float32)

//go:noescape
func sigmoidSSE(v []float32, c *[16][4]float32)

//go:noescape
func tanhSSE(v []float32, c *[16][4]float32)
