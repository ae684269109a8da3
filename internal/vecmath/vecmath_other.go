//go:build !amd64 || purego

package vecmath

const vectorised = false

func expVector([]float32)     {}
func sigmoidVector([]float32) {}
func tanhVector([]float32)    {}

const hasPool8 = false

func maxPool2AVX2(r0, r1, out []float32, at []int32, base, w int32) {}
