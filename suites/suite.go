// Package suites parses and validates suite files (schema v1), applies
// command-line overrides, and expands a suite into run specs.
//
// A suite is TOML:
//
//	[suite]        name, description, seeds, quick
//	[profiles.NAME] a precision and device profile of the suite's own
//	[defaults]     settings inherited by every experiment
//	[[experiment]] name, dataset, model, methods, settings,
//	               [experiment.params.RULE] and [experiment.sweep]
//
// where the settings are epochs, batch_size, validation, train_limit,
// test_limit, profile, optimizer and select. The types below are the
// schema: their toml tags are the keys a suite may write, and each part
// checks itself as it is decoded. Every error names the file, line and
// column, the key, and what would be accepted.
package suites

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/internal/suggest"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/spec"
)

// Suite is a parsed, validated suite and its runs.
type Suite struct {
	Head     Head          `toml:"suite"`
	Profiles profileTables `toml:"profiles"`
	// Devices are the microcontrollers of the report's on-device cost
	// model that the suite adds to the built-in ones.
	Devices     map[string]DeviceTable `toml:"devices"`
	Defaults    Settings               `toml:"defaults"`
	Experiments []Experiment           `toml:"experiment"`

	// File is the source: a path, or "builtin:NAME".
	File string `toml:"-"`
	// Runs are the suite's runs, expanded and validated: for each
	// experiment, each rule, each point of the sweep axes that apply to the
	// rule, and each seed.
	Runs []spec.Run `toml:"-"`
}

// Head is the [suite] table.
type Head struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	// Seeds gives one run per seed per grid point; [1] when not given.
	Seeds []int64 `toml:"seeds"`
	// Quick lists the KEY=VALUE overrides of the suite's quick path (a
	// subset, few epochs), applied by --quick before any --set.
	Quick []string `toml:"quick"`
}

// validate checks what the suite as a whole needs: a name, seeds, and
// experiments with names of their own.
func (s *Suite) validate(d *decoder, _ string) error {
	if s.Head.Name == "" {
		return d.errf("suite.name", "missing: every suite has a name")
	}
	if s.Head.Seeds == nil {
		s.Head.Seeds = []int64{1}
	}
	if len(s.Head.Seeds) == 0 {
		return d.errf("suite.seeds", "is empty: give at least one seed, such as seeds = [1, 2, 3]")
	}
	for i, seed := range s.Head.Seeds {
		if slices.Contains(s.Head.Seeds[:i], seed) {
			return d.errf("suite.seeds", "seed %d is given twice: each seed is one run per grid point", seed)
		}
	}
	if len(s.Experiments) == 0 {
		return d.errf("experiment", "missing: a suite has at least one [[experiment]]")
	}
	for i, e := range s.Experiments {
		if slices.ContainsFunc(s.Experiments[:i], func(o Experiment) bool { return o.Name == e.Name }) {
			return d.errf(fmt.Sprintf("experiment.%d.name", i), "%q is used by an earlier experiment", e.Name)
		}
	}
	return nil
}

// Settings may be given in [defaults] and overridden in each experiment; nil
// means not given. Each key is also a field of the run spec (its json tag).
type Settings struct {
	Epochs     *int `toml:"epochs" min:"1"`
	BatchSize  *int `toml:"batch_size" min:"1"`
	Validation *int `toml:"validation" min:"0"`
	TrainLimit *int `toml:"train_limit" min:"0"`
	TestLimit  *int `toml:"test_limit" min:"0"`
	// Preprocess is how image pixels become inputs (datasets.PreprocessForms).
	Preprocess *string   `toml:"preprocess"`
	Profile    *string   `toml:"profile"`
	Optimizer  Optimizer `toml:"optimizer"`
	// Select is how the report picks among sweep points (Selections).
	Select *string `toml:"select"`
}

// settingKeys are the keys of Settings.
var settingKeys = keysOf(reflect.TypeFor[Settings]())

// Selections lists the accepted values of select: "best_val" reports each
// rule at its sweep point of best mean validation accuracy among the points
// with the fewest runs that did not end ok (diverged); "each" reports
// every sweep point as a row of its own (ablations).
var Selections = []string{"best_val", "each"}

func (s *Settings) validate(d *decoder, path string) error {
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		min, bounded := f.Tag.Lookup("min")
		if fv := v.Field(i); bounded && !fv.IsNil() {
			lo, _ := strconv.ParseInt(min, 10, 64)
			if n := fv.Elem().Int(); n < lo {
				return d.errf(join(path, tagOf(f)), "%d is below %d", n, lo)
			}
		}
	}
	if s.Profile != nil {
		if _, ok := d.profile(*s.Profile); !ok {
			names := d.profileNames()
			return d.errf(join(path, "profile"), "unknown profile %q%s (accepted: %s, or a [profiles.NAME] table)", *s.Profile,
				suggest.Hint(*s.Profile, names), strings.Join(names, ", "))
		}
	}
	if s.Preprocess != nil {
		if _, err := datasets.ParsePreprocessing(*s.Preprocess); err != nil {
			return d.errf(join(path, "preprocess"), "%v", err)
		}
	}
	if s.Select != nil && !slices.Contains(Selections, *s.Select) {
		return d.errf(join(path, "select"), "unknown selection %q (accepted: %s)", *s.Select, strings.Join(Selections, ", "))
	}
	return nil
}

// each calls f with the key and value of every setting s gives but the
// optimizer.
func (s Settings) each(f func(key string, v reflect.Value)) {
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		if fv := v.Field(i); fv.Kind() == reflect.Pointer && !fv.IsNil() {
			f(tagOf(v.Type().Field(i)), fv.Elem())
		}
	}
}

// Optimizer is an optimizer table as written: only the keys given, so that
// layers of settings override it key by key. Its keys are those of
// nn.OptimizerSpec.
type Optimizer map[string]any

// decodeTOML checks each key and its kind against nn.OptimizerSpec, and the
// optimizer's name.
func (o *Optimizer) decodeTOML(d *decoder, path string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return d.errf(path, "is %s, want a table", typeName(v))
	}
	var probe nn.OptimizerSpec
	if err := d.fields(path, m, reflect.ValueOf(&probe).Elem()); err != nil {
		return err
	}
	if _, given := m["name"]; given && !slices.Contains(optimizerNames, probe.Name) {
		return d.errf(join(path, "name"), "unknown optimizer %q (accepted: %s)", probe.Name, strings.Join(optimizerNames, ", "))
	}
	*o = m
	return nil
}

var optimizerNames = []string{"sgd", "adam", "rmsprop"}

// spec returns the whole optimizer o describes, validated.
func (o Optimizer) spec(d *decoder, path string) (nn.OptimizerSpec, error) {
	var s nn.OptimizerSpec
	if err := d.fields(path, o, reflect.ValueOf(&s).Elem()); err != nil {
		return s, err
	}
	if err := s.Validate(); err != nil {
		return s, d.errf(path, "%s", strings.TrimPrefix(err.Error(), "optimizer"))
	}
	return s, nil
}

// Dataset is an experiment's dataset: a name, such as "mnist", or a table
// of a generated task's name and arguments, such as
// { name = "adding", T = 200 }.
type Dataset struct {
	Name string
	// Info is the dataset with every argument resolved.
	Info *datasets.Info
}

func (ds *Dataset) decodeTOML(d *decoder, path string, v any) error {
	var args map[string]any
	switch v := v.(type) {
	case string:
		ds.Name = v
	case map[string]any:
		raw, given := v["name"]
		name, ok := raw.(string)
		switch {
		case !given:
			return d.errf(join(path, "name"), "missing: a dataset table names its task, such as { name = \"adding\", T = 200 }")
		case !ok:
			return d.errf(join(path, "name"), "is %s, want a dataset's name", typeName(raw))
		}
		ds.Name, args = name, map[string]any{}
		for k, a := range v {
			if k != "name" {
				args[k] = a
			}
		}
	default:
		return d.errf(path, "is %s, want a dataset's name or a table { name = NAME, ARGUMENT = VALUE, … }", typeName(v))
	}
	info, err := datasets.Resolve(ds.Name, args)
	if err != nil {
		return d.errf(path, "%v", err)
	}
	ds.Info = info
	return nil
}

// Experiment is one [[experiment]] table.
type Experiment struct {
	Name    string  `toml:"name"`
	Dataset Dataset `toml:"dataset"`
	Model   *Model  `toml:"model"`
	// Methods are the rules to run; ["all"] is every registered rule.
	Methods []string `toml:"methods"`
	// Params holds [experiment.params.RULE] tables, by rule.
	Params map[string]map[string]any `toml:"params"`
	// Sweep holds the [experiment.sweep] axes, sorted by key.
	Sweep Sweep `toml:"sweep"`
	Settings
}

func (e *Experiment) validate(d *decoder, path string) error {
	at := func(key string) string { return join(path, key) }
	if e.Name == "" {
		return d.errf(at("name"), "missing: every experiment has a name")
	}
	if e.Dataset.Name == "" {
		return d.errf(at("dataset"), "missing (accepted: %s)", strings.Join(datasets.Names(), ", "))
	}
	if e.Model == nil {
		return d.errf(at("model"), `missing: give e.g. model = { kind = "mlp", hidden = [1024, 128] }`)
	}
	if len(e.Methods) == 0 {
		return d.errf(at("methods"), "missing or empty (accepted: %s, or \"all\")", strings.Join(methods.Names(), ", "))
	}
	if len(e.Methods) == 1 && e.Methods[0] == "all" { // every registered rule, the ones added later too
		e.Methods = methods.Names()
	}
	for _, name := range e.Methods {
		if _, err := methods.Lookup(name); err != nil {
			return d.errf(at("methods"), "unknown rule %q%s (accepted: %s)", name,
				suggest.Hint(name, methods.Names()), strings.Join(methods.Names(), ", "))
		}
	}
	for _, rule := range d.inSourceOrder(at("params"), anyMap(e.Params)) {
		if !slices.Contains(e.Methods, rule) {
			return d.errf(at("params."+rule), "parameters for rule %q, which this experiment does not run (methods: %s)",
				rule, strings.Join(e.Methods, ", "))
		}
		m, _ := methods.Lookup(rule)
		for k, v := range e.Params[rule] {
			if err := d.checkParam(m, at("params."+rule+"."+k), k, v); err != nil {
				return err
			}
		}
	}
	return e.Sweep.check(d, at("sweep"), e.Methods)
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Model is a model table: nn.ModelSpec's keys, checked and resolved.
type Model nn.ModelSpec

// decodeTOML decodes the model's table by its fields, refusing a kernel or
// pooling size of 0 written out, which the fields would take for no size
// given (the default).
func (m *Model) decodeTOML(d *decoder, path string, v any) error {
	if t, ok := v.(map[string]any); ok {
		for _, key := range []string{"kernel", "pool"} {
			if n, ok := t[key].(int64); ok && n == 0 {
				return d.errf(join(path, key), "0 is not a size (accepted: a positive size, or leave it out for the default)")
			}
		}
	}
	return d.decodeKind(path, v, reflect.ValueOf(m).Elem())
}

func (m *Model) validate(d *decoder, path string) error {
	if m.Kind == "" {
		return d.errf(join(path, "kind"), "missing (accepted: %s)", strings.Join(nn.Kinds, ", "))
	}
	spec := nn.ModelSpec(*m)
	if err := spec.Validate(); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		return d.errf(join(parent(path), field), "%s", msg)
	}
	*m = Model(spec.Resolved())
	return nil
}

// checkParam checks one value of a rule's parameter against its
// declaration.
func (d *decoder) checkParam(m methods.Method, path, key string, v any) error {
	_, err := methods.Resolve(m, map[string]any{key: v})
	if pe, ok := errors.AsType[*methods.ParamError](err); ok {
		return d.errf(path, "%v", pe.Err)
	}
	return err
}

// Sweep is the [experiment.sweep] table: one axis per key, sorted by key.
type Sweep []Axis

// Axis is one sweep axis: a dotted key and its values.
type Axis struct {
	Key    string
	Values []any
}

func (s *Sweep) decodeTOML(d *decoder, path string, v any) error {
	var axes map[string][]any
	if err := d.decodeKind(path, v, reflect.ValueOf(&axes).Elem()); err != nil {
		return err
	}
	*s = nil
	for k, vals := range axes {
		*s = append(*s, Axis{Key: k, Values: vals})
	}
	sort.Slice(*s, func(i, j int) bool { return (*s)[i].Key < (*s)[j].Key })
	return nil
}

// check reads each axis key as a setting, "optimizer.KEY" or "RULE.PARAM"
// for a rule the experiment runs, or "RULE.SETTING" and "RULE.optimizer.KEY"
// to sweep a setting for that rule alone, and checks every value.
func (s Sweep) check(d *decoder, path string, rules []string) error {
	for _, a := range s {
		at := join(path, `"`+a.Key+`"`)
		if _, ok := d.pos[join(path, a.Key)]; ok {
			at = join(path, a.Key)
		}
		if len(a.Values) == 0 {
			return d.errf(at, "is empty: a sweep axis needs at least one value")
		}
		ax, ok := parseAxis(a.Key, rules)
		if !ok {
			var accepted []string
			for _, k := range settingKeys {
				if k != "optimizer" {
					accepted = append(accepted, k)
				}
			}
			accepted = append(accepted, "optimizer.KEY")
			for _, r := range rules {
				accepted = append(accepted, r+".PARAM", r+".optimizer.KEY")
			}
			return d.errf(at, "unknown sweep axis%s (accepted: %s)",
				suggest.Hint(a.Key, append(accepted, optimizerAxes()...)), strings.Join(accepted, ", "))
		}
		for _, v := range a.Values {
			if err := ax.check(d, at, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// optimizerAxes are the sweep keys of the optimizer, for suggestions.
func optimizerAxes() []string {
	var out []string
	for _, k := range keysOf(reflect.TypeFor[nn.OptimizerSpec]()) {
		out = append(out, "optimizer."+k)
	}
	return out
}

// axis kinds: what a sweep key sets.
const (
	axisSetting = iota
	axisOptimizer
	axisParam
)

// axis is a parsed sweep key: the rule it is limited to ("" for all), what
// it sets, and the name of the setting, optimizer key or rule parameter.
type axis struct {
	rule string
	kind int
	name string
}

func parseAxis(key string, rules []string) (axis, bool) {
	var a axis
	if head, rest, ok := strings.Cut(key, "."); ok && slices.Contains(rules, head) {
		a.rule, key = head, rest
	}
	head, rest, dotted := strings.Cut(key, ".")
	switch {
	case !dotted && key != "optimizer" && slices.Contains(settingKeys, key):
		a.kind, a.name = axisSetting, key
	case dotted && head == "optimizer" && rest != "" && !strings.Contains(rest, "."):
		a.kind, a.name = axisOptimizer, rest
	case !dotted && a.rule != "" && key != "":
		a.kind, a.name = axisParam, key
	default:
		return a, false
	}
	return a, true
}

// check checks one value of the axis, written at path.
func (a axis) check(d *decoder, path string, v any) error {
	switch a.kind {
	case axisSetting:
		_, err := a.settings(d, path, v)
		return err
	case axisOptimizer:
		var o Optimizer
		return o.decodeTOML(d, path, map[string]any{a.name: v})
	}
	m, _ := methods.Lookup(a.rule)
	return d.checkParam(m, path, a.name, v)
}

// settings returns the settings that value v of a setting axis gives.
func (a axis) settings(d *decoder, path string, v any) (Settings, error) {
	var st Settings
	err := d.decode(parent(path), map[string]any{a.name: v}, reflect.ValueOf(&st).Elem())
	return st, err
}

// DeviceTable is one [devices.NAME] table: a device that trains at one
// multiply-accumulate per CyclesPerMAC cycles of a ClockMHz clock.
type DeviceTable struct {
	ClockMHz     float64 `toml:"clock_mhz"`
	CyclesPerMAC float64 `toml:"cycles_per_mac"`
}

func (t *DeviceTable) validate(d *decoder, path string) error {
	if !(t.ClockMHz > 0) || math.IsInf(t.ClockMHz, 0) {
		return d.errf(join(path, "clock_mhz"), "is %v: give the device's clock in MHz, a positive number (clock_mhz = 550)", t.ClockMHz)
	}
	if !(t.CyclesPerMAC > 0) || math.IsInf(t.CyclesPerMAC, 0) {
		return d.errf(join(path, "cycles_per_mac"), "is %v: give the cycles one multiply-accumulate takes, a positive number (cycles_per_mac = 3)", t.CyclesPerMAC)
	}
	return nil
}

// profileTables are the suite's [profiles.NAME] tables, named apart from
// every built-in profile.
type profileTables map[string]profileTable

func (p *profileTables) validate(d *decoder, path string) error {
	d.profiles = map[string]hardware.Profile{}
	for _, name := range d.inSourceOrder(path, anyMap(*p)) {
		if _, builtin := hardware.Builtins[name]; builtin {
			return d.errf(join(path, name), "%q is a built-in profile, which a suite cannot redefine: give yours another name (built-in: %s)",
				name, strings.Join(hardware.BuiltinNames(), ", "))
		}
		d.profiles[name] = hardware.Profile((*p)[name])
	}
	return nil
}

// profileTable is one [profiles.NAME] table: hardware.Profile's keys.
type profileTable hardware.Profile

// ProfileKeys are the keys of a [profiles.NAME] table.
func ProfileKeys() []string { return keysOf(reflect.TypeFor[profileTable]()) }

func (p *profileTable) validate(d *decoder, path string) error {
	if err := hardware.Profile(*p).Validate(); err != nil {
		key, msg, _ := strings.Cut(err.Error(), ": ")
		return d.errf(join(path, key), "%s", msg)
	}
	return nil
}

// profile returns the profile name refers to: the suite's own, else a
// built-in one.
func (d *decoder) profile(name string) (hardware.Profile, bool) {
	if p, ok := d.profiles[name]; ok {
		return p, true
	}
	p, ok := hardware.Builtins[name]
	return p, ok
}

func (d *decoder) profileNames() []string {
	names := hardware.BuiltinNames()
	for n := range d.profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
