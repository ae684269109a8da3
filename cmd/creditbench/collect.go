package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/runner"
)

// cmdCollect merges the records that shards wrote on machines without a
// shared filesystem into one output folder and, given the suites, says
// which of their runs are still missing.
func cmdCollect(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	out := fs.String("out", "out", "output folder to merge into: records go to DIR/runs")
	var suiteNames multi
	fs.Var(&suiteNames, "suite", "a suite whose plan the merged records are checked against (repeatable)")
	var ov overrides
	ov.register(fs, "KEY=VALUE override of the suites' [defaults], as given to run (repeatable)")
	srcs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(srcs) == 0 {
		return usagef("collect: name at least one folder of records (a shard's output folder or its runs/)")
	}
	store := &results.Store{Dir: *out}
	got, err := store.Collect(srcs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d records read: %d added to %s, %d already there\n", got.Read, got.Added, *out, got.Same)
	if len(suiteNames) == 0 {
		return nil
	}
	specs, err := expandAll(suiteNames, ov.list())
	if err != nil {
		return err
	}
	missing := 0
	for _, s := range specs {
		state, why := runner.StateOf(store, s)
		switch state {
		case runner.Todo:
			missing++
			fmt.Fprintf(stdout, "missing  %s  %s/%s  %s  %s  seed %d  %s\n", s.Key(), s.Suite, s.Experiment, s.Method, s.Dataset, s.Seed, s.Point)
		case runner.Changed:
			missing++
			fmt.Fprintf(stdout, "changed  %s\n", why)
		}
	}
	fmt.Fprintf(stdout, "%d of %d runs of the plan recorded by this code\n", len(specs)-missing, len(specs))
	if missing > 0 {
		return fmt.Errorf("%d runs of the plan have no record made by this code: run them (creditbench run with the same suites and --out %s) or collect the shards that hold them", missing, *out)
	}
	return nil
}
