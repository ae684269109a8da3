//go:build !amd64 || purego

package vecmath

const vectorised = false

func expSSE(v []float32, c *[16][4]float32)     {}
func sigmoidSSE(v []float32, c *[16][4]float32) {}
func tanhSSE(v []float32, c *[16][4]float32)    {}
