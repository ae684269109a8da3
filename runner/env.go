package runner

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// Version is the project version written into every record; the Makefile
// sets it from git with -ldflags "-X ...runner.Version=...".
var Version = ""

func environment() results.Env {
	return results.Env{Go: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		BLAS: nn.Backend, CPU: cpuModel(), Threads: nn.BLASThreads(), Version: version()}
}

func version() string {
	if Version == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			return bi.Main.Version
		}
	}
	return Version
}

// seeding names how setUp derives a run's random streams: "paired" since
// the initial weights and the data order depend on the seed, the data and
// the net only. A record drawn another way is another code's.
const seeding = "paired"

// codeOf names the code that trains a run of rule m.
func codeOf(m methods.Method) results.Code {
	return results.Code{Version: version(), Rule: methods.Implementation(m), Seeding: seeding, Numerics: nn.Numerics}
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name")
}

// peakRSS returns the process's peak resident set size in bytes (Linux), or 0.
func peakRSS() uint64 {
	f := strings.Fields(procField("/proc/self/status", "VmHWM"))
	if len(f) < 1 {
		return 0
	}
	kb, _ := strconv.ParseUint(f[0], 10, 64)
	return kb * 1024
}

func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
