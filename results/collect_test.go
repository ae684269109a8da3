package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbench/creditbench/spec"
)

// record returns a finished record of seed's run, as a machine with the
// given timing would write it.
func record(seed int64, acc, wall float64) *Record {
	s := spec.Run{Suite: "s", Experiment: "fc", Method: "bp", Dataset: "mnist", Seed: seed, Epochs: 1, BatchSize: 64}
	return &Record{Key: s.Key(), Status: StatusOK, Spec: s,
		Epochs: []Epoch{{Epoch: 1, TestAcc: acc, WallS: wall}},
		Final:  Final{TestAcc: acc}, Efficiency: Efficiency{WallSPerEpoch: wall}, Env: Env{CPU: "cpu"}}
}

func write(t *testing.T, dir string, recs ...*Record) {
	t.Helper()
	for _, r := range recs {
		if err := (&Store{Dir: dir}).Write(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCollectMergesShards merges three shards' folders, one given as its
// runs/ folder and one holding a run that another shard also trained (on a
// slower machine): every record arrives once, byte for byte.
func TestCollectMergesShards(t *testing.T) {
	tmp := t.TempDir()
	a, b, c := filepath.Join(tmp, "a"), filepath.Join(tmp, "b"), filepath.Join(tmp, "c")
	write(t, a, record(1, 0.9, 1))
	write(t, b, record(2, 0.8, 1), record(3, 0.7, 1))
	slow := record(3, 0.7, 9)
	slow.Env.CPU = "another"
	write(t, c, slow)
	dst := &Store{Dir: filepath.Join(tmp, "out")}
	got, err := dst.Collect([]string{a, filepath.Join(b, "runs"), c})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Collected{Read: 4, Added: 3, Same: 1}); got != want {
		t.Errorf("collected %+v, want %+v", got, want)
	}
	for _, r := range []*Record{record(1, 0.9, 1), record(2, 0.8, 1), record(3, 0.7, 1)} {
		from := filepath.Join(b, "runs", r.Key+".json")
		if r.Spec.Seed == 1 {
			from = filepath.Join(a, "runs", r.Key+".json")
		}
		want, _ := os.ReadFile(from)
		if have, err := os.ReadFile(dst.Path(r.Key)); err != nil || string(have) != string(want) {
			t.Errorf("seed %d: the collected record is not the shard's file (%v)", r.Spec.Seed, err)
		}
	}
	// Collecting again adds nothing.
	if got, err := dst.Collect([]string{a, b, c}); err != nil || got.Added != 0 || got.Same != 4 {
		t.Errorf("second collect: %+v, %v; want nothing added, 4 the same", got, err)
	}
}

// TestCollectRefusesConflicts: two records of one key whose results differ
// are both named, and nothing is written.
func TestCollectRefusesConflicts(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	write(t, a, record(1, 0.9, 1), record(2, 0.8, 1))
	write(t, b, record(1, 0.5, 1))
	dst := &Store{Dir: filepath.Join(tmp, "out")}
	_, err := dst.Collect([]string{a, b})
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("collect: %v, want a ConflictError", err)
	}
	key := record(1, 0, 0).Key
	msg := err.Error()
	for _, want := range []string{filepath.Join(a, "runs", key+".json"), filepath.Join(b, "runs", key+".json"), "epochs, final"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not name %q:\n%s", want, msg)
		}
	}
	if recs, _ := dst.All(); len(recs) != 0 {
		t.Errorf("a refused collect wrote %d records", len(recs))
	}
}

// TestCollectChecksIntegrity: a truncated file, a record under another
// key's name, an edited spec and an unknown status are refused, naming the
// file and what is wrong.
func TestCollectChecksIntegrity(t *testing.T) {
	good := record(1, 0.9, 1)
	edited := record(2, 0.9, 1)
	edited.Spec.Epochs = 5
	odd := record(3, 0.9, 1)
	odd.Status = "done"
	for _, c := range []struct {
		name string
		file func(dir string) string
		want string
	}{
		{"truncated", func(dir string) string {
			write(t, dir, good)
			p := (&Store{Dir: dir}).Path(good.Key)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
			return p
		}, "not a whole run record"},
		{"renamed", func(dir string) string {
			write(t, dir, good)
			s := &Store{Dir: dir}
			p := filepath.Join(dir, "runs", "0123456789abcdef.json")
			os.Rename(s.Path(good.Key), p)
			return p
		}, "holds the record of run " + `"` + good.Key + `"`},
		{"edited", func(dir string) string { write(t, dir, edited); return (&Store{Dir: dir}).Path(edited.Key) }, "its spec has key"},
		{"status", func(dir string) string { write(t, dir, odd); return (&Store{Dir: dir}).Path(odd.Key) }, `status "done" (accepted: ok, diverged, failed, not-applicable)`},
	} {
		src := t.TempDir()
		path := c.file(src)
		dst := &Store{Dir: t.TempDir()}
		_, err := dst.Collect([]string{src})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error naming %s and %q", c.name, err, path, c.want)
		}
		if recs, _ := dst.All(); len(recs) != 0 {
			t.Errorf("%s: %d records written", c.name, len(recs))
		}
	}
	if _, err := (&Store{Dir: t.TempDir()}).Collect([]string{t.TempDir()}); err == nil || !strings.Contains(err.Error(), "holds no records") {
		t.Errorf("empty source: %v, want an error", err)
	}
}
