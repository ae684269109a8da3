package suites

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/internal/suggest"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/spec"
)

// override applies one --set KEY=VALUE to the raw tree: seeds goes to
// [suite], methods to every experiment, and a setting (or optimizer.KEY) to
// [defaults], removed from every experiment and sweep so that it holds
// everywhere.
func (d *decoder) override(raw map[string]any, arg string) error {
	key, val, ok := strings.Cut(arg, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return fmt.Errorf("--set %s: want KEY=VALUE, such as epochs=1 or 'methods=[\"bp\"]'", arg)
	}
	var v map[string]any
	if _, err := toml.Decode("v = "+val, &v); err != nil {
		return fmt.Errorf("--set %s: VALUE is not a TOML value (quote strings: key=\"text\"): %v", arg, err)
	}
	value := v["v"]
	exps, _ := raw["experiment"].([]map[string]any)
	sub := func(m map[string]any, k string) map[string]any {
		t, ok := m[k].(map[string]any)
		if !ok {
			t = map[string]any{}
			m[k] = t
		}
		return t
	}
	head, rest, dotted := strings.Cut(key, ".")
	switch {
	case key == "quick":
		return d.quick(raw, arg, value)
	case key == "experiments":
		return d.keepExperiments(raw, arg, value)
	case key == "seeds":
		sub(raw, "suite")["seeds"] = value
		d.set["suite.seeds"] = arg
	case key == "methods":
		for i, e := range exps {
			e["methods"] = value
			d.set[fmt.Sprintf("experiment.%d.methods", i)] = arg
			dropOtherRules(e, value)
		}
	case !dotted && slices.Contains(settingKeys, key), dotted && head == "optimizer" && rest != "":
		t := sub(raw, "defaults")
		if dotted {
			sub(t, "optimizer")[rest] = value
			d.setOptimizer[rest] = value // over every rule's recommendation too
		} else {
			t[key] = value
		}
		d.set["defaults."+key] = arg
		for _, e := range exps {
			if dotted {
				if o, ok := e["optimizer"].(map[string]any); ok {
					delete(o, rest)
				}
			} else {
				delete(e, key)
			}
			if sw, ok := e["sweep"].(map[string]any); ok {
				rules, _ := e["methods"].([]any)
				for k := range sw {
					head, rest, _ := strings.Cut(k, ".")
					if k == key || rest == key && slices.Contains(rules, any(head)) {
						delete(sw, k) // the override holds for every rule
					}
				}
			}
		}
	default:
		accepted := append([]string{"quick", "experiments", "seeds", "methods"}, settingKeys...)
		return fmt.Errorf("--set %s: unknown key%s (accepted: %s, optimizer.KEY)", arg,
			suggest.Hint(key, append(accepted, optimizerAxes()...)), strings.Join(accepted, ", "))
	}
	return nil
}

// keepExperiments drops every experiment not named in value, a list of
// experiment names, and renumbers the positions of those it keeps.
func (d *decoder) keepExperiments(raw map[string]any, arg string, value any) error {
	list, ok := value.([]any)
	exps, _ := raw["experiment"].([]map[string]any)
	var names []string
	for _, e := range exps {
		if n, ok := e["name"].(string); ok {
			names = append(names, n)
		}
	}
	if !ok || len(list) == 0 {
		return fmt.Errorf("--set %s: want a list of experiment names, such as experiments=[\"mnist\"] (accepted: %s)", arg, strings.Join(names, ", "))
	}
	keep := map[string]bool{}
	for _, v := range list {
		n, _ := v.(string)
		if !slices.Contains(names, n) {
			return fmt.Errorf("--set %s: no experiment %q%s (accepted: %s)", arg, n, suggest.Hint(n, names), strings.Join(names, ", "))
		}
		keep[n] = true
	}
	var kept []map[string]any
	renumber := map[string]string{} // "experiment.OLD" → "experiment.NEW"
	for i, e := range exps {
		if n, _ := e["name"].(string); keep[n] {
			renumber[fmt.Sprintf("experiment.%d", i)] = fmt.Sprintf("experiment.%d", len(kept))
			kept = append(kept, e)
		}
	}
	d.pos = renumbered(d.pos, renumber)
	d.set = renumbered(d.set, renumber)
	raw["experiment"] = kept
	return nil
}

// renumbered returns m with the experiment paths moved by renumber; paths
// of experiments not kept are dropped, all others stay.
func renumbered[V any](m map[string]V, renumber map[string]string) map[string]V {
	out := make(map[string]V, len(m))
	for path, v := range m {
		if !strings.HasPrefix(path, "experiment.") {
			out[path] = v
			continue
		}
		head, rest, _ := strings.Cut(strings.TrimPrefix(path, "experiment."), ".")
		if to, ok := renumber["experiment."+head]; ok {
			if rest != "" {
				to += "." + rest
			}
			out[to] = v
		}
	}
	return out
}

// quick applies the suite's own quick settings, suite.quick (a list of
// KEY=VALUE overrides), when value is true: "--set quick=true", or --quick.
func (d *decoder) quick(raw map[string]any, arg string, value any) error {
	on, ok := value.(bool)
	if !ok {
		return fmt.Errorf("--set %s: want quick=true or quick=false", arg)
	}
	if !on {
		return nil
	}
	head, _ := raw["suite"].(map[string]any)
	list, ok := head["quick"].([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: --quick: the suite declares no quick settings (suite.quick = [\"KEY=VALUE\", …])", d.file)
	}
	for i, q := range list {
		s, ok := q.(string)
		if !ok {
			return d.errf(fmt.Sprintf("suite.quick.%d", i), "is a %s, want a string KEY=VALUE", typeName(q))
		}
		if err := d.override(raw, s); err != nil {
			return fmt.Errorf("%s: suite.quick[%d]: %v", d.file, i, err)
		}
	}
	return nil
}

// MaxRuns bounds the runs of one suite, so that a mistyped sweep fails at
// once instead of exhausting memory.
const MaxRuns = 100000

func (s *Suite) expand(d *decoder) ([]spec.Run, error) {
	total := 0
	for i, e := range s.Experiments {
		n := len(e.Methods) * len(s.Head.Seeds)
		for _, a := range e.Sweep {
			n *= len(a.Values)
			if n > MaxRuns {
				break
			}
		}
		if total += n; total > MaxRuns {
			return nil, d.errf(fmt.Sprintf("experiment.%d", i), "the suite expands to over %d runs: shrink the sweep or the seeds", MaxRuns)
		}
	}
	var specs []spec.Run
	for i, e := range s.Experiments {
		path := fmt.Sprintf("experiment.%d", i)
		for _, rule := range e.Methods {
			m, err := methods.Lookup(rule)
			if err != nil {
				return nil, d.errf(path+".methods", "%v", err)
			}
			var axes []Axis
			for _, a := range e.Sweep {
				if ax, _ := parseAxis(a.Key, e.Methods); ax.rule == "" || ax.rule == rule {
					axes = append(axes, a)
				}
			}
			for _, point := range product(axes) {
				base, err := s.resolve(d, path, e, m, point)
				if err != nil {
					return nil, err
				}
				for _, seed := range s.Head.Seeds {
					spec := base
					spec.Seed = seed
					specs = append(specs, spec)
				}
			}
		}
	}
	return specs, nil
}

// product returns every combination of one value per axis (one empty point
// when there are no axes).
func product(axes []Axis) []map[string]any {
	points := []map[string]any{{}}
	for _, a := range axes {
		var next []map[string]any
		for _, p := range points {
			for _, v := range a.Values {
				q := maps.Clone(p)
				q[a.Key] = v
				next = append(next, q)
			}
		}
		points = next
	}
	return points
}

// builtinSettings are used where no layer sets a value.
var builtinSettings = Settings{Epochs: ptr(20), BatchSize: ptr(64), Validation: ptr(5000), TrainLimit: ptr(0),
	TestLimit: ptr(0), Profile: ptr("fp32"), Select: ptr("best_val"),
	Optimizer: Optimizer{"name": "sgd", "lr": 0.05, "momentum": 0.9}}

func ptr[T any](v T) *T { return &v }

// runField maps a setting's key to the field of spec.Run of the same JSON
// name.
var runField = func() map[string]int {
	t := reflect.TypeFor[spec.Run]()
	m := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// resolve builds the spec of one point from its layers, each overriding
// the ones before: the built-in settings, [defaults], the rule's
// recommended optimizer (methods.Recommender), the experiment, the sweep
// point, and the command line's --set. The spec's Sources say which layer
// gave each setting.
func (s *Suite) resolve(d *decoder, path string, e Experiment, m methods.Method, point map[string]any) (spec.Run, error) {
	run := spec.Run{Suite: s.Head.Name, Experiment: e.Name, Method: m.Name(), Dataset: e.Dataset.Name, DatasetArgs: e.Dataset.Info.Values,
		Model: nn.ModelSpec(*e.Model), Sources: spec.Sources{}}
	opt := optimizerLayers{path: path, from: map[string]string{}}
	settings := func(st Settings, from, at string) {
		st.each(func(key string, v reflect.Value) {
			reflect.ValueOf(&run).Elem().Field(runField[key]).Set(v)
			run.Sources[key] = from
			if _, set := d.set[at+"."+key]; set {
				run.Sources[key] = spec.FromCommandLine
			}
		})
		if st.Optimizer != nil {
			opt.lay(st.Optimizer, from, at+".optimizer")
		}
	}
	settings(builtinSettings, spec.FromBuiltin, path)
	settings(s.Defaults, spec.FromSuite, "defaults")
	if r, ok := m.(methods.Recommender); ok {
		opt.replace(optimizerTable(r.Recommended()), spec.FromRule)
	}
	settings(e.Settings, spec.FromSuite, path)
	params := maps.Clone(e.Params[m.Name()])
	if params == nil {
		params = map[string]any{}
	}
	for k := range params {
		run.Sources["params."+k] = spec.FromSuite
	}
	for k, v := range point {
		ax, _ := parseAxis(k, e.Methods) // checked when the sweep was read
		switch ax.kind {
		case axisSetting:
			st, _ := ax.settings(d, path+".sweep."+k, v)
			settings(st, spec.FromSweep, path+".sweep")
		case axisOptimizer:
			opt.lay(map[string]any{ax.name: v}, spec.FromSweep, path+".sweep")
		default:
			params[ax.name] = v
			run.Sources["params."+ax.name] = spec.FromSweep
		}
	}
	if len(d.setOptimizer) > 0 { // key by key, even a new name: --set changes what it names
		opt.over(d.setOptimizer, spec.FromCommandLine, "defaults.optimizer")
	}
	o, err := opt.m.spec(d, opt.path)
	if err != nil {
		return run, err
	}
	run.Optimizer = o
	maps.Copy(run.Sources, opt.from)
	vals, err := methods.Resolve(m, params)
	if err != nil {
		return run, d.errf(path+".params."+m.Name(), "%v", err)
	}
	run.Params = methods.ForTask(m, vals, run.Model, params)
	for k := range run.Params {
		if _, ok := run.Sources["params."+k]; !ok {
			run.Sources["params."+k] = spec.FromRule
		}
	}
	if p, _ := datasets.ParsePreprocessing(run.Preprocess); p.Kind == "standardize" { // checked when read
		run.Preprocess = ""
	} else if info := e.Dataset.Info; !info.HasPixels() {
		return run, d.errf(path+".preprocess", "%q: %s has no pixels to rescale (only image datasets do: %s)",
			run.Preprocess, run.Dataset, strings.Join(datasets.ImageNames(), ", "))
	} else if p.Kind == "mean_std" && len(p.Mean) != info.Shape[0] {
		return run, d.errf(path+".preprocess", "%q gives %d means and standard deviations, %s has %d channels",
			run.Preprocess, len(p.Mean), run.Dataset, info.Shape[0])
	}
	if err := run.Model.CheckInput(e.Dataset.Info.Shape); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		return run, d.errf(path+"."+field, "%s (%s)", msg, run.Dataset)
	}
	if info := e.Dataset.Info; info.TrainSize > 0 && run.Validation >= info.TrainSize {
		return run, d.errf(path+".validation", "%d leaves no training sample: %s has %d (accepted: 0 to %d)",
			run.Validation, run.Dataset, info.TrainSize, info.TrainSize-1)
	}
	if run.Profile != "fp32" {
		prof, _ := d.profile(run.Profile) // checked when the settings were read
		run.ProfileDef = &prof
	}
	if len(point) > 0 {
		run.Point = point
	}
	return run, nil
}

// optimizerLayers merges the optimizer tables of a spec's layers and
// remembers, per key, the layer that gave it and where it was written.
type optimizerLayers struct {
	path string
	m    Optimizer
	from map[string]string // "optimizer.KEY" → source
}

// lay lays table over the optimizer key by key; a table that names
// another optimizer starts from scratch, since the keys of one optimizer
// mean nothing to another.
func (o *optimizerLayers) lay(table Optimizer, from, path string) {
	if name, ok := table["name"]; ok && name != o.m["name"] {
		o.m = nil
		clear(o.from)
	}
	o.over(table, from, path)
}

// over sets the keys of table, whatever optimizer they name.
func (o *optimizerLayers) over(table Optimizer, from, path string) {
	o.m = maps.Clone(o.m)
	if o.m == nil {
		o.m = map[string]any{}
	}
	maps.Copy(o.m, table)
	for k := range table {
		o.from["optimizer."+k] = from
	}
	o.path = path
}

// replace sets the whole optimizer.
func (o *optimizerLayers) replace(table Optimizer, from string) {
	o.m = maps.Clone(table)
	clear(o.from)
	for k := range table {
		o.from["optimizer."+k] = from
	}
}

// optimizerTable writes a rule's recommended optimizer as a suite would:
// its name and every setting that is not zero.
func optimizerTable(o nn.OptimizerSpec) Optimizer {
	m := Optimizer{"name": o.Name, "lr": o.LR}
	for k, v := range map[string]float64{"momentum": o.Momentum, "beta1": o.Beta1, "beta2": o.Beta2,
		"eps": o.Eps, "alpha": o.Alpha, "weight_decay": o.WeightDecay} {
		if v != 0 {
			m[k] = v
		}
	}
	if o.Nesterov {
		m["nesterov"] = true
	}
	if o.Schedule != "" {
		m["schedule"] = o.Schedule
	}
	return m
}

// dropOtherRules removes from an experiment the parameters and sweep axes of
// registered rules that the overriding methods list leaves out.
func dropOtherRules(e map[string]any, methodsValue any) {
	kept, _ := methodsValue.([]any)
	gone := func(rule string) bool {
		_, err := methods.Lookup(rule)
		return err == nil && !slices.Contains(kept, any(rule))
	}
	if params, ok := e["params"].(map[string]any); ok {
		for rule := range params {
			if gone(rule) {
				delete(params, rule)
			}
		}
	}
	if sw, ok := e["sweep"].(map[string]any); ok {
		for k := range sw {
			if head, _, ok := strings.Cut(k, "."); ok && gone(head) {
				delete(sw, k)
			}
		}
	}
}
