package results

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// Baseline is a committed set of expected metrics of a suite, the reference
// of `creditbench check`.
type Baseline struct {
	// Suite is the suite as given to `creditbench run`: a built-in name or a
	// path.
	Suite   string   `json:"suite"`
	Metrics []Metric `json:"metrics"`
}

// Metric is one expected figure. Direction says which way it may move:
// "higher" fails when the observed value is below Value − Tolerance, "lower"
// when it is above Value + Tolerance, "equal" when |observed − Value| >
// Tolerance.
type Metric struct {
	Experiment string  `json:"experiment"`
	Rule       string  `json:"rule"`
	Name       string  `json:"metric"`
	Value      float64 `json:"value"`
	Tolerance  float64 `json:"tolerance"`
	Direction  string  `json:"direction"`
}

// ID names the metric as experiment/rule/metric.
func (m Metric) ID() string { return m.Experiment + "/" + m.Rule + "/" + m.Name }

// Directions lists the accepted directions.
var Directions = []string{"higher", "lower", "equal"}

// ReadBaseline reads and checks a baseline file.
func ReadBaseline(path string) (*Baseline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results: %v", err)
	}
	var bl Baseline
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bl); err != nil {
		return nil, fmt.Errorf("results: %s: not a baseline: %v", path, err)
	}
	if bl.Suite == "" {
		return nil, fmt.Errorf("results: %s: suite: missing", path)
	}
	for i, m := range bl.Metrics {
		if !slices.Contains(Directions, m.Direction) {
			return nil, fmt.Errorf("results: %s: metrics[%d].direction: %q (accepted: %s)", path, i, m.Direction, strings.Join(Directions, ", "))
		}
		if m.Tolerance < 0 || math.IsNaN(m.Tolerance) {
			return nil, fmt.Errorf("results: %s: metrics[%d].tolerance: %v is negative", path, i, m.Tolerance)
		}
	}
	return &bl, nil
}

// Write stores the baseline as indented JSON, atomically.
func (b *Baseline) Write(path string) error {
	sort.Slice(b.Metrics, func(i, j int) bool { return b.Metrics[i].ID() < b.Metrics[j].ID() })
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %v", err)
	}
	return WriteFile(path, append(out, '\n'))
}

// Violation is a metric outside its tolerance, or missing.
type Violation struct {
	Metric   Metric
	Observed float64 // NaN when missing
	Why      string
}

// Compare checks observed values (by Metric.ID) against the baseline and
// returns the violations, in the baseline's order.
func (b *Baseline) Compare(observed map[string]float64) []Violation {
	var out []Violation
	for _, m := range b.Metrics {
		got, ok := observed[m.ID()]
		switch {
		case !ok || math.IsNaN(got):
			out = append(out, Violation{m, math.NaN(), "no ok run records it"})
		case m.Direction == "higher" && got < m.Value-m.Tolerance:
			out = append(out, Violation{m, got, fmt.Sprintf("%.6g is below %.6g − %.6g", got, m.Value, m.Tolerance)})
		case m.Direction == "lower" && got > m.Value+m.Tolerance:
			out = append(out, Violation{m, got, fmt.Sprintf("%.6g is above %.6g + %.6g", got, m.Value, m.Tolerance)})
		case m.Direction == "equal" && math.Abs(got-m.Value) > m.Tolerance:
			out = append(out, Violation{m, got, fmt.Sprintf("%.6g differs from %.6g by more than %.6g", got, m.Value, m.Tolerance)})
		}
	}
	return out
}

// Diff renders violations as a go-cmp diff of the failing metrics, baseline
// against observed, followed by one line per violation.
func Diff(vs []Violation) string {
	want, got := map[string]float64{}, map[string]any{}
	var lines []string
	for _, v := range vs {
		want[v.Metric.ID()] = v.Metric.Value
		if math.IsNaN(v.Observed) {
			got[v.Metric.ID()] = "missing"
		} else {
			got[v.Metric.ID()] = v.Observed
		}
		lines = append(lines, fmt.Sprintf("%s: %s (direction %s, tolerance %g)", v.Metric.ID(), v.Why, v.Metric.Direction, v.Metric.Tolerance))
	}
	wantAny := map[string]any{}
	for k, v := range want {
		wantAny[k] = v
	}
	return "(-baseline +observed)\n" + cmp.Diff(wantAny, got) + strings.Join(lines, "\n") + "\n"
}
