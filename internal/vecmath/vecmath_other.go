//go:build !amd64 || purego

package vecmath

const vectorised = false

func expVector([]float32)     {}
func sigmoidVector([]float32) {}
func tanhVector([]float32)    {}
