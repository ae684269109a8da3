package runner

import (
	"fmt"
	"strings"

	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// State is where a run stands in a store.
type State int

const (
	Todo    State = iota // no record
	Done                 // a record made by the code here
	Changed              // a record made by another implementation of its rule
)

func (s State) String() string { return [...]string{"todo", "done", "changed"}[s] }

// Policy is what Run does with the runs whose records other code made.
type Policy int

const (
	Refuse Policy = iota // train nothing and list them (the default)
	Rerun                // train them again, replacing their records
	Accept               // keep their records as they are
)

// StateOf returns where run s stands in store and, for a changed run, what
// changed.
func StateOf(store *results.Store, s spec.Run) (State, string) {
	key := s.Key()
	if !store.Has(key) {
		return Todo, ""
	}
	rec, err := store.Read(key)
	if err != nil {
		return Changed, err.Error()
	}
	m, err := methods.Lookup(s.Method)
	if err != nil {
		return Changed, err.Error()
	}
	now := codeOf(m)
	if rec.Code.Seeding != now.Seeding {
		return Changed, fmt.Sprintf("%s (%s on %s, seed %d): its random streams were drawn %s (project %s), are drawn %s now",
			key, s.Method, s.Dataset, s.Seed, seedingName(rec.Code.Seeding), orUnknown(rec.Code.Version), seedingName(now.Seeding))
	}
	if was := rec.Code.Numerics; was != "" && was != now.Numerics {
		return Changed, fmt.Sprintf("%s (%s on %s, seed %d): its engine's arithmetic was %q (project %s), is %q now",
			key, s.Method, s.Dataset, s.Seed, was, orUnknown(rec.Code.Version), now.Numerics)
	}
	if rec.Code.Rule == now.Rule {
		return Done, ""
	}
	was := rec.Code.Rule
	if was == "" {
		was = "code that did not name itself"
	}
	return Changed, fmt.Sprintf("%s (%s on %s, seed %d): rule %s was %s (project %s), is %s (project %s)",
		key, s.Method, s.Dataset, s.Seed, s.Method, was, orUnknown(rec.Code.Version), now.Rule, orUnknown(now.Version))
}

// seedingName says how a record's streams were drawn.
func seedingName(s string) string {
	switch s {
	case "":
		return "each from the whole spec"
	case "paired":
		return "paired (initial weights and data order from the seed, the data and the net)"
	}
	return s
}

func orUnknown(v string) string {
	if v == "" {
		return "version unknown"
	}
	return v
}

// ChangedError lists the runs whose records other code made, when Run was
// told to refuse them.
type ChangedError struct {
	Runs []string // one line each: key, run, and what changed
}

func (e *ChangedError) Error() string {
	const shown = 10
	lines := e.Runs[:min(shown, len(e.Runs))]
	more := ""
	if len(e.Runs) > shown {
		more = fmt.Sprintf("\n  … and %d more", len(e.Runs)-shown)
	}
	return fmt.Sprintf("%d runs have records made by other code:\n  %s%s\n"+
		"train them again with --rerun-changed, or keep their records with --accept-changed",
		len(e.Runs), strings.Join(lines, "\n  "), more)
}
