//go:build cgo && openblas

package nn

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
)

func init() {
	blas32.Use(netlib.Implementation{})
	Backend = "openblas"
	setThreads = func(n int) { C.openblas_set_num_threads(C.int(n)) }
	threads = func() int { return int(C.openblas_get_num_threads()) }
	// OpenBLAS's products differ in their last bits with the thread count,
	// so every run uses one thread and results do not depend on the machine's
	// cores; parallelism comes from training runs side by side.
	setThreads(1)
}
