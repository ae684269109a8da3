package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/runner"
	"github.com/creditbench/creditbench/spec"
	"github.com/creditbench/creditbench/suites"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	out := fs.String("out", "out", "output folder: records go to DIR/runs")
	jobs := fs.Int("jobs", 1, "runs trained side by side")
	cores := fs.Int("cores", runtime.NumCPU(), "cores the runs share: a run's large products use those the other runs leave idle")
	shard := fs.String("shard", "", "I/N: train only share I (0-based) of N of the run keys")
	dry := fs.Bool("dry-run", false, "list the runs to train and stop")
	progress := fs.String("progress", "auto", "auto, bars, lines or none")
	rerun := fs.Bool("rerun-changed", false, "train again the runs whose records other code of their rule made")
	accept := fs.Bool("accept-changed", false, "keep the records that other code of their rule made")
	var ov overrides
	ov.register(fs, "KEY=VALUE override of a [defaults] key (repeatable)")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("run: name at least one suite")
	}
	policy := runner.Refuse
	switch {
	case *rerun && *accept:
		return usagef("--rerun-changed and --accept-changed: give one or the other")
	case *rerun:
		policy = runner.Rerun
	case *accept:
		policy = runner.Accept
	}
	if *jobs < 1 || *jobs > 4*runtime.NumCPU() {
		return usagef("--jobs %d: want 1 to %d", *jobs, 4*runtime.NumCPU())
	}
	if *cores < 1 || *cores > 4*runtime.NumCPU() {
		return usagef("--cores %d: want 1 to %d", *cores, 4*runtime.NumCPU())
	}
	specs, err := expandAll(names, ov.list())
	if err != nil {
		return err
	}
	if *shard != "" {
		if specs, err = shardOf(specs, *shard); err != nil {
			return err
		}
	}
	store := &results.Store{Dir: *out}
	if *dry {
		return printPlan(stdout, specs, store)
	}
	prog, err := progressFor(*progress, stderr)
	if err != nil {
		return err
	}
	sum, err := runner.Run(ctx, specs, store, runner.Options{Jobs: *jobs, Cores: *cores, Progress: prog, Log: stderr, Changed: policy})
	if _, refused := errors.AsType[*runner.ChangedError](err); refused {
		return err // nothing ran
	}
	var counts []string
	for st, n := range sum.ByStatus {
		counts = append(counts, fmt.Sprintf("%d %s", n, st))
	}
	sort.Strings(counts)
	detail := ""
	if len(counts) > 0 {
		detail = " (" + strings.Join(counts, ", ") + ")"
	}
	if sum.Elsewhere > 0 {
		detail += fmt.Sprintf(", %d left to another runner", sum.Elsewhere)
	}
	fmt.Fprintf(stdout, "%d runs trained%s, %d already recorded; records in %s\n",
		sum.Ran, detail, sum.Skipped, filepath.Join(store.Dir, "runs"))
	return err
}

func expandAll(names []string, sets []string) ([]spec.Run, error) {
	var specs []spec.Run
	for _, n := range names {
		s, err := suites.Load(n, sets)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s.Runs...)
	}
	return specs, nil
}

// shardOf keeps share i of n: the specs whose position in key order is i
// modulo n, so shards are disjoint, cover every key, and agree on every
// machine.
func shardOf(specs []spec.Run, arg string) ([]spec.Run, error) {
	is, ns, ok := strings.Cut(arg, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return nil, usagef("--shard %s: want I/N with 0 ≤ I < N, such as 0/4", arg)
	}
	sorted := append([]spec.Run(nil), specs...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].Key() < sorted[b].Key() })
	var out []spec.Run
	for k, s := range sorted {
		if k%n == i {
			out = append(out, s)
		}
	}
	return out, nil
}

func progressFor(mode string, w io.Writer) (runner.Progress, error) {
	switch mode {
	case "auto":
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return runner.NewBars(w), nil
			}
		}
		return runner.NewLines(w), nil
	case "bars":
		return runner.NewBars(w), nil
	case "lines":
		return runner.NewLines(w), nil
	case "none":
		return nil, nil
	}
	return nil, usagef("--progress %s: want auto, bars, lines or none", mode)
}

func cmdPlan(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	out := fs.String("out", "out", "output folder, to mark runs already recorded")
	var ov overrides
	ov.register(fs, "KEY=VALUE override (repeatable)")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("plan: name at least one suite")
	}
	specs, err := expandAll(names, ov.list())
	if err != nil {
		return err
	}
	return printPlan(stdout, specs, &results.Store{Dir: *out})
}

func printPlan(w io.Writer, specs []spec.Run, store *results.Store) error {
	todo := 0
	for _, s := range specs {
		state, _ := runner.StateOf(store, s)
		if state != runner.Done {
			todo++
		}
		mark := state.String()
		fmt.Fprintf(w, "%s  %s  %s/%s  %s  %s  seed %d  %d epochs  %s\n",
			s.Key(), mark, s.Suite, s.Experiment, s.Method, s.Dataset, s.Seed, s.Epochs, s.Point)
	}
	fmt.Fprintf(w, "%d runs, %d to train\n", len(specs), todo)
	return nil
}
