// Command creditbench trains and compares credit-assignment rules.
//
// Usage:
//
//	creditbench run SUITE... [--out DIR] [--jobs N] [--cores N] [--shard I/N] [--set KEY=VALUE]... [--quick] [--dry-run]
//	creditbench report [SUITE...] [--quick] [--set KEY=VALUE]... [--out DIR] [--format text,md,csv,png,svg,pdf]
//	creditbench plan SUITE... [--quick] [--set KEY=VALUE]...
//	creditbench list methods|datasets|profiles|suites
//	creditbench data fetch|verify NAME...
//	creditbench export slurm|k8s SUITE [--shards N] [--out DIR] [--cpus N] [--quick] [--set KEY=VALUE]...
//	creditbench collect SRC... [--out DIR] [--suite SUITE]... [--quick] [--set KEY=VALUE]...
//	creditbench check --baseline FILE [--out DIR]
//	creditbench baseline update SUITE --file FILE [--out DIR] [--tolerance T]
//
// SUITE is a suite file or the name of a built-in suite. Exit status: 0
// done, 1 failed (for check: a metric outside the baseline), 2 bad usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// usageError marks errors in the command line, which exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"run":      cmdRun,
	"report":   cmdReport,
	"plan":     cmdPlan,
	"list":     cmdList,
	"data":     cmdData,
	"export":   cmdExport,
	"collect":  cmdCollect,
	"check":    cmdCheck,
	"baseline": cmdBaseline,
}

const usage = `usage:
  creditbench run SUITE... [--out DIR] [--jobs N] [--cores N] [--shard I/N] [--set KEY=VALUE]... [--quick] [--dry-run]
  creditbench report [SUITE...] [--quick] [--set KEY=VALUE]... [--out DIR] [--format text,md,csv,png,svg,pdf]
  creditbench plan SUITE... [--quick] [--set KEY=VALUE]...
  creditbench list methods|datasets|profiles|suites
  creditbench data fetch|verify NAME...
  creditbench export slurm|k8s SUITE [--shards N] [--out DIR] [--cpus N] [--quick] [--set KEY=VALUE]...
  creditbench collect SRC... [--out DIR] [--suite SUITE]... [--quick] [--set KEY=VALUE]...
  creditbench check --baseline FILE [--out DIR]
  creditbench baseline update SUITE --file FILE [--out DIR] [--tolerance T]
SUITE is a suite file or a built-in suite name (creditbench list suites).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "creditbench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "creditbench %s: %v\n%s", args[0], err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "creditbench %s: %v\n", args[0], err)
		return 1
	}
}

// parse parses flags anywhere among the arguments and returns the others.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// overrides are the --quick and --set flags that every command naming a
// suite takes, so that run, plan, report and export see the same runs.
type overrides struct {
	quick bool
	sets  multi
}

func (o *overrides) register(fs *flag.FlagSet, setHelp string) {
	fs.BoolVar(&o.quick, "quick", false, "the suite's quick settings (suite.quick: a subset, few epochs)")
	fs.Var(&o.sets, "set", setHelp)
}

// list returns the overrides in the order they apply: the quick settings
// first, so that a --set can still change one of them.
func (o *overrides) list() []string {
	if o.quick {
		return append([]string{"quick=true"}, o.sets...)
	}
	return o.sets
}
