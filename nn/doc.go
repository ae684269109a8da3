// Package nn is the numeric core of creditbench: float32 tensors in row-major
// order, matrix products by internal/vecmath's kernels (each element one sum
// in a fixed order, so that its bits depend neither on the CPU nor on the
// BLAS the build links), layers, activations, losses, optimizers and
// initialisers.
//
// Conventions:
//   - A batch is a Tensor whose first dimension is the batch size; a Dense
//     layer sees it as a batch×features matrix.
//   - A Dense layer with n inputs and m outputs holds W as n×m and b as m, and
//     computes Y = X·W + b.
//   - Loss gradients are batch means: the gradient a loss returns is already
//     divided by the batch size, so parameter gradients are means too.
//   - Every matrix product goes through an Engine, which counts its
//     multiply-accumulates (MACs), so measured costs can be compared with the
//     analytic ones the learning rules declare.
//   - A Sequential takes each sample of a convolution's output through the
//     pooling and activation layers after it (and their errors back) while
//     the sample is in cache: the numbers of the layers run one by one, but
//     the convolution then keeps no whole output (Output is nil).
//
// nn knows nothing of learning rules: they are built on top of it in package
// methods. Shape mismatches are programming errors and panic with a message
// such as "nn: dimension mismatch (batch×in 64×784 vs in×out 512×10)".
package nn
