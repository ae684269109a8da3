package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/creditbench/creditbench/internal/atomicfile"
)

// Store is a folder of records, one file per run key: DIR/runs/KEY.json.
type Store struct {
	Dir string
}

func (s *Store) runs() string { return filepath.Join(s.Dir, "runs") }

// Check makes sure records can be written: it creates DIR/runs and writes
// and removes a file there.
func (s *Store) Check() error {
	if err := os.MkdirAll(s.runs(), 0o755); err != nil {
		return fmt.Errorf("results: output folder %s cannot hold records: %v", s.Dir, err)
	}
	if err := WriteFile(filepath.Join(s.runs(), ".write-check"), nil); err != nil {
		return fmt.Errorf("results: output folder %s is not writable: %v", s.Dir, err)
	}
	os.Remove(filepath.Join(s.runs(), ".write-check"))
	return nil
}

// Checkpoints returns the folder where unfinished runs keep their last
// epoch: DIR/checkpoints.
func (s *Store) Checkpoints() string { return filepath.Join(s.Dir, "checkpoints") }

// Claims returns the folder where runners mark the runs they are training:
// DIR/claims.
func (s *Store) Claims() string { return filepath.Join(s.Dir, "claims") }

// Path returns the file of key.
func (s *Store) Path(key string) string { return filepath.Join(s.runs(), key+".json") }

// Has reports whether a record for key exists.
func (s *Store) Has(key string) bool {
	_, err := os.Stat(s.Path(key))
	return err == nil
}

// Write stores r atomically: it is written to a temporary file in the same
// folder, synced, then renamed over KEY.json, so a reader sees the whole
// record or none, even if the process dies mid-write.
func (s *Store) Write(r *Record) error {
	if err := os.MkdirAll(s.runs(), 0o755); err != nil {
		return fmt.Errorf("results: %v", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %s: %v", r.Key, err)
	}
	return WriteFile(s.Path(r.Key), append(b, '\n'))
}

// WriteFile writes b to path atomically: through a synced temporary file in
// the same folder and a rename, so readers see the old file or the new one,
// whole, whenever the writer stops.
func WriteFile(path string, b []byte) error {
	if err := atomicfile.Write(path, b); err != nil {
		return fmt.Errorf("results: %v", err)
	}
	return nil
}

// Read returns the record of key.
func (s *Store) Read(key string) (*Record, error) {
	return readFile(s.Path(key))
}

func readFile(path string) (*Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results: %v", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("results: %s: not a run record: %v", path, err)
	}
	return &r, nil
}

// All returns every record in the store, sorted by key. A folder with no
// records gives none and no error.
func (s *Store) All() ([]*Record, error) {
	paths, err := s.files()
	if err != nil {
		return nil, err
	}
	var recs []*Record
	for _, path := range paths {
		r, err := readFile(path)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Key < recs[j].Key })
	return recs, nil
}
