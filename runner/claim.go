package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// errClaimed reports a run that another runner is training.
var errClaimed = errors.New("being trained by another runner")

// claim marks key as trained by this process, so that runners sharing an
// output folder never train one run twice: DIR/KEY holds "HOST PID", created
// exclusively. A claim left by a dead process of this host is taken over;
// one from another host is respected. release removes the claim.
func claim(dir, key string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("runner: %v", err)
	}
	path := filepath.Join(dir, key)
	host, _ := os.Hostname()
	for try := 0; try < 2; try++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%s %d\n", host, os.Getpid())
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("runner: claiming %s: %v", key, werr)
			}
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("runner: %v", err)
		}
		if !stale(path, host) {
			return nil, errClaimed
		}
		os.Remove(path) // its process died: take the run over
	}
	return nil, errClaimed
}

// stale reports whether the claim at path was made by a process of this host
// that no longer runs.
func stale(path, host string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] != host {
		return len(f) != 2 // unreadable: a writer died before finishing it
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil {
		return true
	}
	return pid != os.Getpid() && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
