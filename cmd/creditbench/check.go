package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/report"
	"github.com/creditbench/creditbench/results"
)

// checkFailed is the error of a check whose metrics fall outside the
// baseline; its text is the diff.
type checkFailed struct{ diff string }

func (e checkFailed) Error() string { return e.diff }

func cmdCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	baseline := fs.String("baseline", "", "baseline file (JSON) to compare the records with")
	out := fs.String("out", "out", "output folder holding the records")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *baseline == "" || len(rest) != 0 {
		return usagef("check: want --baseline FILE [--out DIR]")
	}
	bl, err := results.ReadBaseline(*baseline)
	if err != nil {
		return err
	}
	obs, err := observe(bl.Suite, *out, stderr)
	if err != nil {
		return err
	}
	if vs := bl.Compare(obs); len(vs) > 0 {
		return checkFailed{fmt.Sprintf("%d of %d metrics of %s outside the baseline %s %s",
			len(vs), len(bl.Metrics), bl.Suite, *baseline, results.Diff(vs))}
	}
	fmt.Fprintf(stdout, "%d metrics of %s within the baseline %s\n", len(bl.Metrics), bl.Suite, *baseline)
	return nil
}

// observe reports the suite's records, as the report selects them.
func observe(suite, out string, stderr io.Writer) (map[string]float64, error) {
	recs, _, err := suiteRecords([]string{suite}, nil, &results.Store{Dir: out}, stderr)
	if err != nil {
		return nil, err
	}
	obs := map[string]float64{}
	for _, t := range report.Build(recs) {
		for k, v := range t.Observations() {
			obs[k] = v
		}
	}
	return obs, nil
}

func cmdBaseline(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	file := fs.String("file", "", "baseline file to write (its tolerances and directions are kept)")
	out := fs.String("out", "out", "output folder holding the records")
	tol := fs.Float64("tolerance", 0.02, "tolerance of new test_acc metrics (a fraction: 0.02 = 2 points)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 || rest[0] != "update" || *file == "" {
		return usagef("baseline: want update SUITE --file FILE [--out DIR] [--tolerance T]")
	}
	suite := rest[1]
	obs, err := observe(suite, *out, stderr)
	if err != nil {
		return err
	}
	if len(obs) == 0 {
		return fmt.Errorf("no ok run of %s in %s: run it first", suite, *out)
	}
	kept := map[string]results.Metric{}
	if old, err := results.ReadBaseline(*file); err == nil {
		for _, m := range old.Metrics {
			kept[m.ID()] = m
		}
	}
	bl := &results.Baseline{Suite: suite}
	ids := make([]string, 0, len(obs))
	for id := range obs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		parts := strings.SplitN(id, "/", 3)
		m := results.Metric{Experiment: parts[0], Rule: parts[1], Name: parts[2], Direction: "equal"}
		switch m.Name {
		case "test_acc":
			m.Direction, m.Tolerance = "higher", *tol
		case "test_mse", "test_loss": // errors: lower is better
			m.Direction, m.Tolerance = "lower", *tol
		}
		if k, ok := kept[id]; ok {
			m.Direction, m.Tolerance = k.Direction, k.Tolerance
		}
		m.Value = obs[id]
		bl.Metrics = append(bl.Metrics, m)
	}
	if err := bl.Write(*file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d metrics of %s to %s\n", len(bl.Metrics), suite, *file)
	return nil
}
