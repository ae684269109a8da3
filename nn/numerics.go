package nn

// Numerics names the arithmetic of this package and of internal/vecmath:
// the order in which products are cut and summed, the kernels of the cells,
// activations, pooling, losses and optimizers. Records name it (beside
// their rule's code), so that a store can tell which were made by other
// arithmetic. Change it with any change that alters a result's bits;
// TestNumericsArePinned fails when the pure-Go arithmetic changes and it
// was not changed. Matrix products, convolutions and updates are this
// package's and vecmath's own (see product.go), with the same bits on every
// CPU, kernel and BLAS build.
const Numerics = "4"
