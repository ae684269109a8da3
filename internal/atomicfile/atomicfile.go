// Package atomicfile writes files so that a reader sees the old content or
// the new, whole, whenever the writer stops.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes b to path, readable by all (0644), through a synced
// temporary file in the same folder (unique, so concurrent writers do not
// collide) and a rename.
func Write(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	// CreateTemp makes the file private (0600); a record or a report is
	// for the people who share the folder, as os.Create would leave it.
	err = f.Chmod(0o644)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}
