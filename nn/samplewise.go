package nn

// sampleWise is a layer whose output for a sample depends on that sample's
// input alone (pooling, activations): a convolution before it can take each
// sample through it as soon as it has written the sample, while that is in
// cache, instead of the whole batch after the whole batch (a batch of
// feature maps is several times the cache).
type sampleWise interface {
	Layer
	// start sizes the layer's output for a forward pass of x and returns it.
	start(x *Tensor) *Tensor
	// sample computes sample s of the output from x, sample s of the input.
	sample(x []float32, s int)
	// sampleBack sets dx to the error of sample s of the input from g,
	// the error of sample s of the output.
	sampleBack(dx, g []float32, s int)
}

// startAll starts the forward passes of the layers after, the first on x,
// and returns each one's input and the last one's output.
func startAll(after []sampleWise, x *Tensor) (ins []*Tensor, out *Tensor) {
	ins = make([]*Tensor, len(after))
	for i, l := range after {
		ins[i] = x
		x = l.start(x)
	}
	return ins, x
}
