package datasets

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/creditbench/creditbench/internal/suggest"
	"github.com/creditbench/creditbench/spec"
)

// Arg is a parameter of a generated task, such as the adding task's length
// T: a suite sets it as dataset = { name = "adding", T = 200 }.
type Arg struct {
	Name string
	// Default is an int or a string; its type is the argument's.
	Default any
	// Min and Max bound an int (Max 0: maxArg), so that a task fits in
	// memory.
	Min, Max int
	// Choices are the accepted strings.
	Choices []string
	Help    string
}

// maxArg bounds every int argument without a Max of its own.
const maxArg = 1_000_000

// Args are a task's arguments by name: ints and strings.
type Args map[string]any

// String writes a as "k=v …" in key order.
func (a Args) String() string { return spec.Point(a).String() }

// Int returns the int argument name.
func (a Args) Int(name string) int { return a[name].(int) }

// ID names the dataset with its arguments, such as
// "adding(T=200 test=1000 train=10000)".
func (i *Info) ID() string {
	if len(i.Values) == 0 {
		return i.Name
	}
	return i.Name + "(" + i.Values.String() + ")"
}

// registerTask registers a parameterised task: resolve makes its Info for
// every argument resolved (Lookup gives the defaults').
func registerTask(name string, args []Arg, resolve func(Args) (*Info, error)) {
	register(&Info{Name: name, Args: args, resolve: resolve})
}

// Resolve returns the Info of the dataset name with the arguments given
// (every other at its default), or an error that says which argument is
// wrong and what it accepts. Whole floats are taken as ints (TOML and
// JSON numbers).
func Resolve(name string, given map[string]any) (*Info, error) {
	i, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown dataset %q%s (accepted: %s)", name, suggest.Hint(name, Names()), strings.Join(Names(), ", "))
	}
	if i.resolve == nil {
		if len(given) > 0 {
			return nil, fmt.Errorf("dataset %q takes no arguments (given: %s)", name, Args(given))
		}
		return i, nil
	}
	a := Args{}
	for _, arg := range i.Args {
		a[arg.Name] = arg.Default
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		arg, ok := argNamed(i.Args, k)
		if !ok {
			return nil, fmt.Errorf("dataset %s: unknown argument %q (accepted: %s)", name, k, argNames(i.Args))
		}
		v, err := arg.accept(given[k])
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %s: %v", name, k, err)
		}
		a[k] = v
	}
	r, err := i.resolve(a)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %v", name, err)
	}
	r.Name, r.Args, r.Values = name, i.Args, a
	return r, nil
}

func argNamed(args []Arg, name string) (Arg, bool) {
	for _, a := range args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

func argNames(args []Arg) string {
	names := make([]string, len(args))
	for k, a := range args {
		names[k] = a.Name
	}
	return strings.Join(names, ", ")
}

// accept returns v as the argument's type, or why it is not accepted.
func (a Arg) accept(v any) (any, error) {
	switch a.Default.(type) {
	case int:
		var n int
		switch v := v.(type) {
		case int:
			n = v
		case int64:
			n = int(v)
		case float64:
			if v != math.Trunc(v) || math.Abs(v) > 1<<40 {
				return nil, fmt.Errorf("%v is not a whole number", v)
			}
			n = int(v)
		default:
			return nil, fmt.Errorf("%v (%T) is not a number", v, v)
		}
		hi := a.Max
		if hi == 0 {
			hi = maxArg
		}
		if n < a.Min || n > hi {
			return nil, fmt.Errorf("%d is outside [%d, %d]", n, a.Min, hi)
		}
		return n, nil
	default:
		s, ok := v.(string)
		if !ok || !slices.Contains(a.Choices, s) {
			return nil, fmt.Errorf("%v is not accepted (accepted: %s)", v, strings.Join(a.Choices, ", "))
		}
		return s, nil
	}
}
