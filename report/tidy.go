package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"sort"

	"github.com/creditbench/creditbench/results"
)

// leading are the columns a tidy table starts with, in this order; the
// others follow by name.
var leading = []string{"key", "status", "spec.suite", "spec.experiment", "spec.method", "spec.dataset", "spec.seed", "epoch"}

// WriteRuns writes recs as a tidy CSV, one row per run: every field of the
// record but its curves, dotted names for nested fields ("spec.optimizer.lr",
// "final.test_acc_at_best_val", "efficiency.wall_s_per_epoch",
// "baseline.persistence.scores.mse"), lists as JSON, an empty cell where a
// run has no such field.
func WriteRuns(w io.Writer, recs []*results.Record) error {
	rows := make([]map[string]string, len(recs))
	for i, r := range recs {
		copied := *r
		copied.Epochs, copied.Baselines = nil, nil
		rows[i] = map[string]string{}
		if err := flatten(rows[i], "", copied); err != nil {
			return err
		}
		for _, b := range r.Baselines {
			if err := flatten(rows[i], "baseline."+b.Name+".", struct {
				Acc    float64        `json:"acc,omitempty"`
				Scores results.Scores `json:"scores"`
			}{b.Acc, b.Scores}); err != nil {
				return err
			}
		}
		delete(rows[i], "epochs")
	}
	return writeTidy(w, rows)
}

// WriteEpochs writes recs' curves as a tidy CSV, one row per run and epoch:
// the run's key, suite, experiment, rule, dataset, seed and sweep point,
// then every field of the epoch.
func WriteEpochs(w io.Writer, recs []*results.Record) error {
	var rows []map[string]string
	for _, r := range recs {
		point, _ := json.Marshal(r.Spec.Point)
		for _, e := range r.Epochs {
			row := map[string]string{"key": r.Key, "status": r.Status, "spec.suite": r.Spec.Suite,
				"spec.experiment": r.Spec.Experiment, "spec.method": r.Spec.Method,
				"spec.dataset": r.Spec.Dataset, "spec.seed": jsonNumber(r.Spec.Seed), "spec.point": string(point)}
			if err := flatten(row, "", e); err != nil {
				return err
			}
			rows = append(rows, row)
		}
	}
	return writeTidy(w, rows)
}

// flatten adds v's JSON fields to row under prefix: objects by dotted
// names, everything else as its JSON text (strings without quotes).
func flatten(row map[string]string, prefix string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // numbers as written, not through float64
	var x any
	if err := d.Decode(&x); err != nil {
		return err
	}
	add(row, prefix, x)
	return nil
}

func add(row map[string]string, name string, x any) {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			add(row, name+k+".", v)
		}
		return
	case string:
		row[name[:len(name)-1]] = x
	case nil:
		row[name[:len(name)-1]] = ""
	default:
		b, _ := json.Marshal(x)
		row[name[:len(name)-1]] = string(b)
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// writeTidy writes rows under a header of every column any row has: the
// leading ones first, then by name.
func writeTidy(w io.Writer, rows []map[string]string) error {
	seen := map[string]bool{}
	var rest []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] && !slices.Contains(leading, k) {
				rest = append(rest, k)
			}
			seen[k] = true
		}
	}
	sort.Strings(rest)
	var head []string
	for _, k := range leading {
		if seen[k] {
			head = append(head, k)
		}
	}
	head = append(head, rest...)
	cw := csv.NewWriter(w)
	cw.Write(head)
	for _, r := range rows {
		line := make([]string, len(head))
		for i, k := range head {
			line[i] = r[k]
		}
		cw.Write(line)
	}
	cw.Flush()
	return cw.Error()
}
