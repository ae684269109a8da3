package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

// Table is one suite's accuracy table.
type Table struct {
	Suite   string
	Columns []Column
	Rows    []string // rules (or rules at points): bp first, then by name
	Cells   map[CellKey]*Cell
	// Warnings are caveats the reader must see, such as mixed configurations.
	Warnings []string
	// Records are all the suite's records, in the order given to Build.
	Records []*results.Record
	// Devices are the devices of the on-device cost table: the built-in
	// ones, to which a caller adds a suite's own.
	Devices []Device
}

// Column is one experiment.
type Column struct {
	Experiment, Dataset string
}

// Label is the column's heading: the dataset, with the experiment's name
// unless the two are one.
func (c Column) Label() string {
	if c.Experiment == c.Dataset {
		return c.Dataset
	}
	return c.Dataset + " (" + c.Experiment + ")"
}

// CellKey locates a cell: the row (a rule, or a rule at a sweep point) and the
// experiment.
type CellKey struct{ Row, Experiment string }

// Cell summarises the selected sweep point of one rule on one experiment.
type Cell struct {
	Mean, Std float64 // of test accuracy at best validation, fractions (or of Metric)
	// Metric is "" for accuracy, else the error the cell holds for a task
	// scored by a loss: "mse" (values) or "loss" (cross-entropy per step);
	// lower is better then.
	Metric string
	// Baseline is the mean of the task's first baseline's figure in the
	// same metric over the runs, NaN when the task has none.
	Baseline     float64
	BaselineName string
	Seeds        int // runs with status ok at the selected point
	Points       int // sweep points tried (the tuning budget)
	Point        map[string]any
	// Status is "ok" when Seeds > 0, else the status the runs share
	// (not-applicable, diverged, failed).
	Status string
	Reason string
	// Runs at the selected point, ok or not.
	Records []*results.Record
	// NotOK counts the runs, over every point, whose status is not ok.
	NotOK map[string]int
}

// Build groups records into one table per suite, suites sorted by name.
func Build(recs []*results.Record) []*Table {
	bySuite := map[string][]*results.Record{}
	var suites []string
	for _, r := range recs {
		if _, ok := bySuite[r.Spec.Suite]; !ok {
			suites = append(suites, r.Spec.Suite)
		}
		bySuite[r.Spec.Suite] = append(bySuite[r.Spec.Suite], r)
	}
	sort.Strings(suites)
	var out []*Table
	for _, s := range suites {
		out = append(out, buildTable(s, bySuite[s]))
	}
	return out
}

func buildTable(suite string, recs []*results.Record) *Table {
	t := &Table{Suite: suite, Cells: map[CellKey]*Cell{}, Records: recs, Devices: slices.Clone(BuiltinDevices)}
	seenCol, seenRow := map[string]bool{}, map[string]bool{}
	groups := map[CellKey]map[string][]*results.Record{} // cell → point → records
	for _, r := range recs {
		s := r.Spec
		if !seenCol[s.Experiment] {
			seenCol[s.Experiment] = true
			t.Columns = append(t.Columns, Column{s.Experiment, s.Dataset})
		}
		row := rowLabel(s)
		if !seenRow[row] {
			seenRow[row] = true
			t.Rows = append(t.Rows, row)
		}
		k := CellKey{row, s.Experiment}
		if groups[k] == nil {
			groups[k] = map[string][]*results.Record{}
		}
		p := canonical(s.Point)
		groups[k][p] = append(groups[k][p], r)
	}
	sort.Slice(t.Columns, func(i, j int) bool { return naturalLess(t.Columns[i].Experiment, t.Columns[j].Experiment) })
	sort.Slice(t.Rows, func(i, j int) bool { return rowLess(t.Rows[i], t.Rows[j]) })
	for k, points := range groups {
		t.Cells[k] = t.selectPoint(k, points)
	}
	return t
}

// naturalLess orders names as a reader does, numbers by value: adding-50
// before adding-100.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

// leadingDigits is how many ASCII digits s starts with.
func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// rowLess orders rows: bp (the reference) first, then by name.
func rowLess(a, b string) bool {
	abp, bbp := a == "bp" || len(a) > 3 && a[:3] == "bp ", b == "bp" || len(b) > 3 && b[:3] == "bp "
	return abp && !bbp || abp == bbp && a < b
}

// rowLabel is the rule, followed by the sweep point's coordinates when the
// spec asks for every point to be shown (select = "each").
func rowLabel(s spec.Run) string {
	if s.Select != "each" || len(s.Point) == 0 {
		return s.Method
	}
	keys := make([]string, 0, len(s.Point))
	for k := range s.Point {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", strings.TrimPrefix(k, s.Method+"."), s.Point[k])
	}
	return s.Method + " " + strings.Join(parts, " ")
}

// selectPoint picks the point with the fewest runs that did not end ok and,
// among those, the best mean validation over its ok runs (ties: the first in
// canonical order). A point where a seed diverged is unstable, and the mean
// of its surviving seeds would flatter it; it wins only over points that
// failed as often.
func (t *Table) selectPoint(k CellKey, points map[string][]*results.Record) *Cell {
	var names []string
	for p := range points {
		names = append(names, p)
	}
	sort.Strings(names)
	best, bestFailed, bestVal := "", 0, math.Inf(-1)
	notOK := map[string]int{}
	for _, p := range names {
		rs := t.unmixed(k, p, points[p])
		points[p] = rs
		val, n := 0.0, 0
		for _, r := range rs {
			if r.Status == results.StatusOK {
				val += validation(r)
				n++
			} else {
				notOK[r.Status]++
			}
		}
		failed := len(rs) - n
		if n > 0 && (best == "" || failed < bestFailed || failed == bestFailed && val/float64(n) > bestVal) {
			best, bestFailed, bestVal = p, failed, val/float64(n)
		}
	}
	if best == "" { // no ok run anywhere: report the first point's status
		best = names[0]
	}
	c := &Cell{Points: len(names), Point: points[best][0].Spec.Point, Records: points[best], NotOK: notOK, Baseline: math.NaN()}
	var accs, bases []float64
	for _, r := range points[best] {
		if r.Status == results.StatusOK {
			m, v := figure(r)
			c.Metric = m
			accs = append(accs, v)
			if len(r.Baselines) > 0 {
				c.BaselineName = r.Baselines[0].Name
				bases = append(bases, baselineFigure(r.Baselines[0], m))
			}
		} else if c.Reason == "" {
			c.Status, c.Reason = r.Status, r.Reason
		}
	}
	c.Seeds = len(accs)
	if c.Seeds > 0 {
		c.Status = results.StatusOK
		c.Mean, c.Std = meanStd(accs)
	}
	if len(bases) > 0 {
		c.Baseline, _ = meanStd(bases)
	}
	return c
}

// validation is how well a run validated, higher is better: its best
// validation accuracy, or minus its lowest validation loss for a task scored
// by a loss.
func validation(r *results.Record) float64 {
	if r.Final.TestAtBestVal == nil || r.Final.BestEpoch < 1 {
		return r.Final.BestValAcc
	}
	return -float64(r.Epochs[r.Final.BestEpoch-1].Val.Loss)
}

// figure is a run's test figure at best validation: the accuracy, the MSE
// of values, or the loss per step of classes at every step.
func figure(r *results.Record) (metric string, v float64) {
	return scoreOf(r.Final.TestAtBestVal, r.Final.TestAccAtBestVal)
}

// scoreOf is the figure of test errors s, or of the accuracy acc when s is
// nil: the metric's name ("", "mse" or "loss") and its value.
func scoreOf(s *results.Scores, acc float64) (metric string, v float64) {
	switch {
	case s == nil:
		return "", acc
	case s.MSE != 0:
		return "mse", float64(s.MSE)
	}
	return "loss", float64(s.Loss)
}

// baselineFigure is a baseline's figure in metric.
func baselineFigure(b results.Reference, metric string) float64 {
	switch metric {
	case "mse":
		return float64(b.Scores.MSE)
	case "loss":
		return float64(b.Scores.Loss)
	}
	return b.Acc
}

// unmixed returns the records of one point that share one configuration:
// when they differ in more than the seed, it keeps the configuration with the
// most runs and records a warning naming the differing fields.
func (t *Table) unmixed(k CellKey, point string, rs []*results.Record) []*results.Record {
	configs := map[string][]*results.Record{}
	var order []string
	for _, r := range rs {
		s := r.Spec
		s.Seed = 0
		c := canonical(s)
		if _, ok := configs[c]; !ok {
			order = append(order, c)
		}
		configs[c] = append(configs[c], r)
	}
	if len(configs) == 1 {
		return rs
	}
	sort.SliceStable(order, func(i, j int) bool { return len(configs[order[i]]) > len(configs[order[j]]) })
	t.Warnings = append(t.Warnings, fmt.Sprintf("%s on %s%s: the records mix %d configurations (differing in %s); showing the one with %d runs",
		k.Row, k.Experiment, pointSuffix(point), len(configs), strings.Join(differing(configs[order[0]][0].Spec, configs[order[1]][0].Spec), ", "),
		len(configs[order[0]])))
	return configs[order[0]]
}

func pointSuffix(p string) string {
	if p == "{}" || p == "null" {
		return ""
	}
	return " at " + p
}

// differing names the top-level spec fields in which a and b differ.
func differing(a, b spec.Run) []string {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	var out []string
	for k, v := range ma {
		if k != "seed" && canonical(v) != canonical(mb[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// Observations returns the figures a baseline can check, by metric ID
// (experiment/rule/metric): test_acc, the cell's mean test accuracy at best
// validation, and the analytic train_macs_per_sample and
// kept_floats_per_sample of its runs. Cells with no ok run give none.
func (t *Table) Observations() map[string]float64 {
	out := map[string]float64{}
	for k, c := range t.Cells {
		if c.Seeds == 0 {
			continue
		}
		id := k.Experiment + "/" + k.Row + "/"
		out[id+metricName(c.Metric)] = c.Mean
		for _, r := range c.Records {
			if r.Status == results.StatusOK {
				out[id+"train_macs_per_sample"] = float64(r.Efficiency.TrainMACsPerSample)
				out[id+"kept_floats_per_sample"] = float64(r.Efficiency.KeptFloatsPerSample)
				break
			}
		}
	}
	return out
}

// metricName names a cell's figure in a baseline file: test_acc, test_mse
// or test_loss.
func metricName(metric string) string {
	if metric == "" {
		return "test_acc"
	}
	return "test_" + metric
}
