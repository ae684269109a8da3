package nn

import "runtime"

// Backend names the BLAS implementation this build links: "gonum" (pure Go)
// or "openblas" (cgo, with the openblas build tag). It goes into every run
// record. No result depends on it: products and updates are vecmath's, with
// the same bits under either (see Numerics); BenchmarkMatMul measures the
// engine against it.
var Backend = "gonum"

// setThreads and threads are replaced by the OpenBLAS backend.
var (
	setThreads = func(n int) {}
	threads    = func() int { return runtime.GOMAXPROCS(0) }
)

// SetBLASThreads asks the BLAS backend to use n threads for each product.
// The OpenBLAS backend starts with one, because its results change in the
// last bits with the thread count; benchmarks raise it. The pure-Go backend
// follows GOMAXPROCS instead (its results do not depend on it) and ignores n.
func SetBLASThreads(n int) {
	if n > 0 {
		setThreads(n)
	}
}

// BLASThreads returns the number of threads the backend uses for a product.
func BLASThreads() int { return threads() }
