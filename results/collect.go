package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Collected counts what Collect found.
type Collected struct {
	// Read is the number of record files read in the sources.
	Read int
	// Added is the number of records new to the store.
	Added int
	// Same is the number of records the store, or another source, already
	// held with the same result.
	Same int
}

// Conflict is two records of one run key whose results differ.
type Conflict struct {
	Key  string
	A, B string // the two files
	// Fields names the record's top-level fields that differ (timings and
	// the environment aside).
	Fields []string
}

func (c Conflict) String() string {
	return fmt.Sprintf("%s: %s and %s differ in %s", c.Key, c.A, c.B, strings.Join(c.Fields, ", "))
}

// ConflictError lists the keys under which two different records were
// found; Collect then writes nothing.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	lines := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		lines[i] = c.String()
	}
	what := fmt.Sprintf("%d run keys have", len(e.Conflicts))
	if len(e.Conflicts) == 1 {
		what = "1 run key has"
	}
	return fmt.Sprintf("%s two different records; nothing was collected:\n  %s\n"+
		"a run key names one spec, and one spec gives one result: remove the record that is wrong (made by other code, or by a faulty machine) and collect again",
		what, strings.Join(lines, "\n  "))
}

// Collect merges into s the records of the folders srcs, each an output
// folder (holding runs/) or a runs/ folder itself: what shards wrote on
// machines without a shared filesystem. Every file must be a whole record
// whose name, key and spec agree (see Verify). Records of one key that
// differ in more than timings and environment are a *ConflictError, and then
// nothing is written; the same record twice is kept once, as the store
// first held it. Files are copied byte for byte, atomically.
func (s *Store) Collect(srcs []string) (Collected, error) {
	var got Collected
	type entry struct {
		path string
		raw  []byte
		rec  *Record
	}
	held := map[string]entry{} // by key: the store's record, else the first source's
	var add []string           // keys to write, in the order first seen
	mine, err := s.files()
	if err != nil {
		return got, err
	}
	for _, path := range mine {
		raw, rec, err := Verify(path)
		if err != nil {
			return got, fmt.Errorf("%v (in the folder collected into)", err)
		}
		held[rec.Key] = entry{path, raw, rec}
	}
	var conflicts []Conflict
	for _, src := range srcs {
		paths, err := (&Store{Dir: src}).files()
		if err == nil && paths == nil {
			paths, err = recordFiles(src) // src is a runs/ folder
		}
		if err != nil {
			return got, err
		}
		if paths == nil {
			return got, fmt.Errorf("results: %s holds no records (neither %s nor %s/KEY.json)", src, filepath.Join(src, "runs", "KEY.json"), src)
		}
		for _, path := range paths {
			raw, rec, err := Verify(path)
			if err != nil {
				return got, err
			}
			got.Read++
			had, ok := held[rec.Key]
			switch {
			case !ok:
				held[rec.Key] = entry{path, raw, rec}
				add = append(add, rec.Key)
			case had.path == path || filepath.Clean(had.path) == filepath.Clean(path):
				// the store itself named as a source
			default:
				if diff := differences(had.rec, rec); len(diff) > 0 {
					conflicts = append(conflicts, Conflict{Key: rec.Key, A: had.path, B: path, Fields: diff})
				} else {
					got.Same++
				}
			}
		}
	}
	if len(conflicts) > 0 {
		return got, &ConflictError{conflicts}
	}
	if err := os.MkdirAll(s.runs(), 0o755); err != nil {
		return got, fmt.Errorf("results: %v", err)
	}
	for _, key := range add {
		if err := WriteFile(s.Path(key), held[key].raw); err != nil {
			return got, err
		}
		got.Added++
	}
	return got, nil
}

// Verify reads the record file path and checks that it is whole and names
// its own run: the file is KEY.json, the record's key is KEY, and KEY is the
// key of the record's spec; its status is one of the four. It returns the
// file's bytes and the record.
func Verify(path string) ([]byte, *Record, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("results: %v", err)
	}
	var r Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, fmt.Errorf("results: %s: not a whole run record: %v", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".json")
	statuses := []string{StatusOK, StatusDiverged, StatusFailed, StatusNotApplicable}
	switch {
	case r.Key != name:
		return nil, nil, fmt.Errorf("results: %s: holds the record of run %q, not of %s", path, r.Key, name)
	case r.Spec.Key() != r.Key:
		return nil, nil, fmt.Errorf("results: %s: its spec has key %s, not %s: the record was edited or made by code with another spec format", path, r.Spec.Key(), r.Key)
	case !slices.Contains(statuses, r.Status):
		return nil, nil, fmt.Errorf("results: %s: status %q (accepted: %s)", path, r.Status, strings.Join(statuses, ", "))
	}
	return raw, &r, nil
}

// files lists the record files of s, sorted; none when s has no runs/.
func (s *Store) files() ([]string, error) { return recordFiles(s.runs()) }

func recordFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: %v", err)
	}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".json") {
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	sort.Strings(paths)
	return paths, nil
}

// differences names the top-level fields in which a and b differ, leaving
// out what differs from machine to machine: timings, memory and the
// environment.
func differences(a, b *Record) []string {
	fa, fb := resultFields(a), resultFields(b)
	keys := maps.Clone(fa)
	maps.Copy(keys, fb)
	var diff []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !bytes.Equal(fa[k], fb[k]) {
			diff = append(diff, k)
		}
	}
	return diff
}

// resultFields returns r's JSON fields without its timings and environment.
func resultFields(r *Record) map[string]json.RawMessage {
	c := *r
	c.Env = Env{}
	c.Epochs = slices.Clone(r.Epochs)
	for i := range c.Epochs {
		c.Epochs[i].WallS, c.Epochs[i].TrainS = 0, 0
	}
	c.Efficiency.WallSPerEpoch, c.Efficiency.TrainSPerEpoch, c.Efficiency.PeakHeapBytes, c.Efficiency.PeakRSSBytes = 0, 0, 0, 0
	c.Spec.Sources = nil // where settings came from does not change the result
	b, _ := json.Marshal(&c)
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	return m
}
