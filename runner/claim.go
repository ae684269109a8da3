package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// errClaimed reports a run that another runner is training.
var errClaimed = errors.New("being trained by another runner")

// claim marks key as trained by this process, so that runners sharing an
// output folder never train one run twice: it holds an exclusive lock
// (flock) on DIR/KEY, which records "HOST PID" for the curious. The kernel
// drops the lock when the process ends, however it ends, so a killed
// runner's runs are free again at once. The files stay: removing one would
// let a runner lock a file that another has already replaced. release
// unlocks.
func claim(dir, key string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("runner: %v", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, key), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runner: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errClaimed
		}
		return nil, fmt.Errorf("runner: locking %s: %v", f.Name(), err)
	}
	host, _ := os.Hostname()
	if f.Truncate(0) == nil {
		fmt.Fprintf(f, "%s %d\n", host, os.Getpid())
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
