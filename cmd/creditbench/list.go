package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"text/tabwriter"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/suites"
)

func cmdList(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 1 {
		return usagef("list: want one of methods, datasets, profiles, suites")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	switch args[0] {
	case "methods":
		return listMethods(tw)
	case "datasets":
		fmt.Fprintln(tw, "NAME\tTARGETS\tSHAPE\tARGUMENTS (defaults)\tFOUND IN\tDESCRIPTION")
		for _, n := range datasets.Names() {
			info, _ := datasets.Lookup(n)
			where := "not here (fetched on first use)"
			if info.Source == nil {
				where = "made in memory"
			} else if loc, ok := info.Source.Find(); ok {
				where = loc.Dir + " (" + loc.Kind + ")"
			}
			targets := fmt.Sprintf("%d classes", info.Classes)
			if info.Classes == 0 {
				targets = fmt.Sprintf("%d value(s)", info.Outputs)
			}
			if info.Steps > 1 {
				targets += fmt.Sprintf(" × %d steps", info.Steps)
			}
			args := info.Values.String()
			if args == "" {
				args = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", n, targets, info.Shape, args, where, info.Description)
		}
	case "profiles":
		fmt.Fprintln(tw, "NAME\tWHAT IT DOES")
		for _, n := range hardware.BuiltinNames() {
			fmt.Fprintf(tw, "%s\t%s\n", n, hardware.Builtins[n].Summary())
		}
		fmt.Fprintf(tw, "\t(a suite declares its own in [profiles.NAME] tables: %s)\n", strings.Join(suites.ProfileKeys(), ", "))
	case "suites":
		fmt.Fprintln(tw, "NAME\tRUNS\tDESCRIPTION")
		for _, n := range suites.Builtins() {
			s, err := suites.Load(n, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\n", n, len(s.Runs), s.Head.Description)
		}
	default:
		return usagef("list %s: want one of methods, datasets, profiles, suites", args[0])
	}
	return nil
}

// listMethods prints every rule with its parameters and its costs on the FTP
// paper's MNIST net, 784-1024-128-10.
func listMethods(w io.Writer) error {
	spec := nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}}
	net, err := nn.Build(spec, []int{784}, 10, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return err
	}
	for _, name := range methods.Names() {
		m, _ := methods.Lookup(name)
		fmt.Fprintf(w, "%s\t%s\n", name, m.Doc())
		vals, _ := methods.Resolve(m, nil)
		if why := m.Uses(methods.Task{Model: spec, InShape: []int{784}, Classes: 10, Profile: hardware.Builtins["fp32"]}); why != nil {
			fmt.Fprintf(w, "\tcost on 784-1024-128-10:\tnot applicable: %v\n", why)
		} else {
			c := m.Cost(net, vals)
			fmt.Fprintf(w, "\tcost on 784-1024-128-10:\ttrain %d MACs/sample, eval %d MACs/sample, keeps %d floats/sample\n",
				c.TrainMACs, c.EvalMACs, c.KeptFloats)
		}
		for _, p := range m.Params() {
			fmt.Fprintf(w, "\t%s = %v\t%s, %s: %s\n", p.Name, p.Default, p.Kind(), p.Accepts(), p.Help)
		}
	}
	return nil
}
