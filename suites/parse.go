package suites

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/internal/suggest"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
)

// Parse reads a suite from src, applies the --set overrides (each
// "KEY=VALUE", VALUE in TOML syntax) and validates it. file names the source
// in errors.
func Parse(file string, src []byte, sets []string) (*Suite, error) {
	d := &decoder{file: file, pos: indexPositions(string(src)), set: map[string]string{}, setOptimizer: map[string]any{}}
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d:%d: %s", file, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	for _, s := range sets {
		if err := d.override(raw, s); err != nil {
			return nil, err
		}
	}
	s, err := d.suite(raw)
	if err != nil {
		return nil, err
	}
	s.File, s.set, s.setOptimizer = file, d.set, d.setOptimizer
	if _, err := s.expand(d); err != nil {
		return nil, err
	}
	return s, nil
}

// decoder turns the generic TOML tree into a Suite, with positioned errors.
type decoder struct {
	file string
	pos  positions
	set  map[string]string // path → the --set argument that gave it
	// setOptimizer holds the optimizer keys given by --set, which hold for
	// every rule, over its recommendation.
	setOptimizer map[string]any
	profiles     map[string]hardware.Profile
}

var indexElem = regexp.MustCompile(`\.(\d+)(\.|$)`)

// errf returns "FILE:LINE:COL: PATH: message", or "--set K=V: PATH: message"
// for a value that came from the command line.
func (d *decoder) errf(path, format string, args ...any) error {
	where := d.file + ":" + d.pos.at(path)
	for p := path; p != ""; p = parent(p) {
		if s, ok := d.set[p]; ok {
			where = "--set " + s
			break
		}
	}
	shown := indexElem.ReplaceAllString(path, "[$1]$2")
	return fmt.Errorf("%s: %s: %s", where, shown, fmt.Sprintf(format, args...))
}

func parent(p string) string {
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

// table reads the keys of one TOML table and remembers which it used, so
// that done can report the rest as unknown.
type table struct {
	d    *decoder
	path string
	m    map[string]any
	used map[string]bool
}

func (d *decoder) table(path string, v any) (*table, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(path, "is %s, want a table", typeName(v))
	}
	return &table{d: d, path: path, m: m, used: map[string]bool{}}, nil
}

func (t *table) at(key string) string { return join(t.path, key) }

func (t *table) get(key string) (any, bool) {
	v, ok := t.m[key]
	if ok {
		t.used[key] = true
	}
	return v, ok
}

func (t *table) str(key string) (*string, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, t.d.errf(t.at(key), "is %s, want a string", typeName(v))
	}
	return &s, nil
}

func (t *table) int(key string) (*int, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	n, ok := v.(int64)
	if !ok {
		return nil, t.d.errf(t.at(key), "is %s, want an integer", typeName(v))
	}
	i := int(n)
	return &i, nil
}

func (t *table) boolean(key string) (*bool, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, nil
	}
	b, ok := v.(bool)
	if !ok {
		return nil, t.d.errf(t.at(key), "is %s, want true or false", typeName(v))
	}
	return &b, nil
}

func (t *table) list(key string) ([]any, bool, error) {
	v, ok := t.get(key)
	if !ok {
		return nil, false, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, true, t.d.errf(t.at(key), "is %s, want an array", typeName(v))
	}
	return l, true, nil
}

func (t *table) strs(key string) ([]string, error) {
	l, _, err := t.list(key)
	var out []string
	for i, v := range l {
		s, ok := v.(string)
		if !ok {
			return nil, t.d.errf(t.at(key), "element %d is %s, want a string", i, typeName(v))
		}
		out = append(out, s)
	}
	return out, err
}

func (t *table) ints(key string) ([]int64, error) {
	l, _, err := t.list(key)
	var out []int64
	for i, v := range l {
		n, ok := v.(int64)
		if !ok {
			return nil, t.d.errf(t.at(key), "element %d is %s, want an integer", i, typeName(v))
		}
		out = append(out, n)
	}
	return out, err
}

func (t *table) sub(key string) (*table, error) {
	v, ok := t.get(key)
	if !ok {
		return &table{d: t.d, path: t.at(key), m: map[string]any{}, used: map[string]bool{}}, nil
	}
	return t.d.table(t.at(key), v)
}

// done reports the first key, in source order, that was never read.
func (t *table) done(accepted []string) error {
	return t.reject(func(k string) bool { return !t.used[k] }, accepted)
}

// only reports the first key, in source order, that is not accepted: a
// check made before reading, where a misspelt table would otherwise look
// like a missing one.
func (t *table) only(accepted []string) error {
	return t.reject(func(k string) bool { return !slices.Contains(accepted, k) }, accepted)
}

func (t *table) reject(unknownKey func(string) bool, accepted []string) error {
	var unknown []string
	for k := range t.m {
		if unknownKey(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Slice(unknown, func(i, j int) bool {
		a, b := t.d.pos[t.at(unknown[i])], t.d.pos[t.at(unknown[j])]
		if a != b {
			return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
		}
		return unknown[i] < unknown[j]
	})
	k := unknown[0]
	return t.d.errf(t.at(k), "unknown key%s (accepted: %s)", suggest.Hint(k, accepted), strings.Join(accepted, ", "))
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

var rootKeys = []string{"suite", "profiles", "defaults", "experiment"}

func (d *decoder) suite(raw map[string]any) (*Suite, error) {
	root := &table{d: d, m: raw, used: map[string]bool{}}
	if err := root.only(rootKeys); err != nil {
		return nil, err
	}
	s := &Suite{}
	head, err := root.sub("suite")
	if err != nil {
		return nil, err
	}
	if name, err := head.str("name"); err != nil {
		return nil, err
	} else if name == nil || *name == "" {
		return nil, d.errf("suite.name", "missing: every suite has a name")
	} else {
		s.Name = *name
	}
	if desc, err := head.str("description"); err != nil {
		return nil, err
	} else if desc != nil {
		s.Description = *desc
	}
	if s.Seeds, err = head.ints("seeds"); err != nil {
		return nil, err
	}
	if _, given := head.m["seeds"]; !given {
		s.Seeds = []int64{1}
	}
	if len(s.Seeds) == 0 {
		return nil, d.errf("suite.seeds", "is empty: give at least one seed, such as seeds = [1, 2, 3]")
	}
	for i, seed := range s.Seeds {
		if slices.Contains(s.Seeds[:i], seed) {
			return nil, d.errf("suite.seeds", "seed %d is given twice: each seed is one run per grid point", seed)
		}
	}
	if s.Quick, err = head.strs("quick"); err != nil {
		return nil, err
	}
	if err := head.done([]string{"name", "description", "seeds", "quick"}); err != nil {
		return nil, err
	}
	if s.Profiles, err = d.profileTables(root); err != nil {
		return nil, err
	}
	d.profiles = s.Profiles
	defs, err := root.sub("defaults")
	if err != nil {
		return nil, err
	}
	if s.Defaults, err = d.settings(defs); err != nil {
		return nil, err
	}
	if err := defs.done(settingKeys); err != nil {
		return nil, err
	}
	exps, ok := root.get("experiment")
	if !ok {
		return nil, d.errf("experiment", "missing: a suite has at least one [[experiment]]")
	}
	list, ok := exps.([]map[string]any)
	if !ok {
		return nil, d.errf("experiment", "is %s, want an array of tables ([[experiment]])", typeName(exps))
	}
	names := map[string]bool{}
	for i, m := range list {
		e, err := d.experiment(fmt.Sprintf("experiment.%d", i), m)
		if err != nil {
			return nil, err
		}
		if names[e.Name] {
			return nil, d.errf(fmt.Sprintf("experiment.%d.name", i), "%q is used by an earlier experiment", e.Name)
		}
		names[e.Name] = true
		s.Experiments = append(s.Experiments, *e)
	}
	return s, nil
}

func (d *decoder) settings(t *table) (Settings, error) {
	var s Settings
	var err error
	for _, f := range []struct {
		key string
		dst **int
		min int
	}{{"epochs", &s.Epochs, 1}, {"batch_size", &s.BatchSize, 1}, {"validation", &s.Validation, 0},
		{"train_limit", &s.TrainLimit, 0}, {"test_limit", &s.TestLimit, 0}} {
		if *f.dst, err = t.int(f.key); err != nil {
			return s, err
		}
		if *f.dst != nil && **f.dst < f.min {
			return s, d.errf(t.at(f.key), "%d is below %d", **f.dst, f.min)
		}
	}
	if s.Profile, err = t.str("profile"); err != nil {
		return s, err
	}
	if s.Profile != nil {
		if _, ok := d.profile(*s.Profile); !ok {
			names := d.profileNames()
			return s, d.errf(t.at("profile"), "unknown profile %q%s (accepted: %s, or a [profiles.NAME] table)", *s.Profile,
				suggest.Hint(*s.Profile, names), strings.Join(names, ", "))
		}
	}
	if s.Select, err = t.str("select"); err != nil {
		return s, err
	}
	if s.Select != nil && !slices.Contains(Selections, *s.Select) {
		return s, d.errf(t.at("select"), "unknown selection %q (accepted: %s)", *s.Select, strings.Join(Selections, ", "))
	}
	if _, ok := t.m["optimizer"]; ok {
		o, err := t.sub("optimizer")
		if err != nil {
			return s, err
		}
		s.Optimizer = o.m
		if _, err := d.optimizer(o.path, o.m, true); err != nil {
			return s, err
		}
	}
	return s, nil
}

var optimizerKeys = []string{"name", "lr", "momentum", "nesterov", "beta1", "beta2", "eps", "alpha", "weight_decay", "schedule"}

// optimizer converts an optimizer table. A partial table (partial true)
// checks keys and types only; a whole one is validated as a spec.
func (d *decoder) optimizer(path string, m map[string]any, partial bool) (nn.OptimizerSpec, error) {
	var o nn.OptimizerSpec
	t := &table{d: d, path: path, m: m, used: map[string]bool{}}
	if name, err := t.str("name"); err != nil {
		return o, err
	} else if name != nil {
		o.Name = *name
	}
	for _, f := range []struct {
		key string
		dst *float64
	}{{"lr", &o.LR}, {"momentum", &o.Momentum}, {"beta1", &o.Beta1}, {"beta2", &o.Beta2},
		{"eps", &o.Eps}, {"alpha", &o.Alpha}, {"weight_decay", &o.WeightDecay}} {
		v, ok := t.get(f.key)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case float64:
			*f.dst = x
		case int64:
			*f.dst = float64(x)
		default:
			return o, d.errf(t.at(f.key), "is %s, want a number", typeName(v))
		}
	}
	if sch, err := t.str("schedule"); err != nil {
		return o, err
	} else if sch != nil {
		o.Schedule = *sch
	}
	if v, ok := t.get("nesterov"); ok {
		b, ok := v.(bool)
		if !ok {
			return o, d.errf(t.at("nesterov"), "is %s, want true or false", typeName(v))
		}
		o.Nesterov = b
	}
	if err := t.done(optimizerKeys); err != nil {
		return o, err
	}
	if partial {
		if _, ok := m["name"]; ok && !slices.Contains([]string{"sgd", "adam", "rmsprop"}, o.Name) {
			return o, d.errf(t.at("name"), "unknown optimizer %q (accepted: sgd, adam, rmsprop)", o.Name)
		}
		return o, nil
	}
	if err := o.Validate(); err != nil {
		return o, d.errf(path, "%v", strings.TrimPrefix(err.Error(), "optimizer"))
	}
	return o, nil
}

var experimentKeys = append([]string{"name", "dataset", "model", "methods", "params", "sweep"}, settingKeys...)

func (d *decoder) experiment(path string, m map[string]any) (*Experiment, error) {
	t := &table{d: d, path: path, m: m, used: map[string]bool{}}
	e := &Experiment{}
	name, err := t.str("name")
	if err != nil {
		return nil, err
	}
	if name == nil || *name == "" {
		return nil, d.errf(t.at("name"), "missing: every experiment has a name")
	}
	e.Name = *name
	ds, err := t.str("dataset")
	if err != nil {
		return nil, err
	}
	if ds == nil {
		return nil, d.errf(t.at("dataset"), "missing (accepted: %s)", strings.Join(datasets.Names(), ", "))
	}
	if _, err := datasets.Lookup(*ds); err != nil {
		return nil, d.errf(t.at("dataset"), "unknown dataset %q%s (accepted: %s)", *ds,
			suggest.Hint(*ds, datasets.Names()), strings.Join(datasets.Names(), ", "))
	}
	e.Dataset = *ds
	if e.Model, err = d.model(t); err != nil {
		return nil, err
	}
	if e.Methods, err = t.strs("methods"); err != nil {
		return nil, err
	}
	if len(e.Methods) == 0 {
		return nil, d.errf(t.at("methods"), "missing or empty (accepted: %s, or \"all\")", strings.Join(methods.Names(), ", "))
	}
	if len(e.Methods) == 1 && e.Methods[0] == "all" { // every registered rule, the ones added later too
		e.Methods = methods.Names()
	}
	for _, name := range e.Methods {
		if _, err := methods.Lookup(name); err != nil {
			return nil, d.errf(t.at("methods"), "unknown rule %q%s (accepted: %s)", name,
				suggest.Hint(name, methods.Names()), strings.Join(methods.Names(), ", "))
		}
	}
	if e.Settings, err = d.settings(t); err != nil {
		return nil, err
	}
	if e.Params, err = d.params(t, e.Methods); err != nil {
		return nil, err
	}
	if e.Sweep, err = d.sweep(t, e.Methods); err != nil {
		return nil, err
	}
	if err := t.done(experimentKeys); err != nil {
		return nil, err
	}
	return e, nil
}

func (d *decoder) model(t *table) (nn.ModelSpec, error) {
	var m nn.ModelSpec
	if _, ok := t.m["model"]; !ok {
		return m, d.errf(t.at("model"), `missing: give e.g. model = { kind = "mlp", hidden = [1024, 128] }`)
	}
	mt, err := t.sub("model")
	if err != nil {
		return m, err
	}
	kind, err := mt.str("kind")
	if err != nil {
		return m, err
	}
	if kind == nil {
		return m, d.errf(mt.at("kind"), "missing (accepted: mlp, cnn)")
	}
	m.Kind = *kind
	for _, f := range []struct {
		key string
		dst *[]int
	}{{"hidden", &m.Hidden}, {"conv", &m.Conv}} {
		vals, err := mt.ints(f.key)
		if err != nil {
			return m, err
		}
		for _, v := range vals {
			*f.dst = append(*f.dst, int(v))
		}
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"kernel", &m.Kernel}, {"pool", &m.Pool}, {"padding", &m.Padding}} {
		v, err := mt.int(f.key)
		if err != nil {
			return m, err
		}
		if v != nil {
			*f.dst = *v
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"activation", &m.Activation}, {"init", &m.Init}} {
		v, err := mt.str(f.key)
		if err != nil {
			return m, err
		}
		if v != nil {
			*f.dst = *v
		}
	}
	if bn, err := mt.boolean("batch_norm"); err != nil {
		return m, err
	} else if bn != nil {
		m.BatchNorm = *bn
	}
	if err := mt.done([]string{"kind", "hidden", "activation", "init", "conv", "kernel", "pool", "padding", "batch_norm"}); err != nil {
		return m, err
	}
	if err := m.Validate(); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		return m, d.errf(join(t.path, field), "%s", msg)
	}
	return m.Resolved(), nil
}

func (d *decoder) params(t *table, rules []string) (map[string]map[string]any, error) {
	pt, err := t.sub("params")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for rule := range pt.m {
		rt, err := pt.sub(rule)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(rules, rule) {
			return nil, d.errf(rt.path, "parameters for rule %q, which this experiment does not run (methods: %s)",
				rule, strings.Join(rules, ", "))
		}
		m, _ := methods.Lookup(rule)
		for k, v := range rt.m {
			if err := d.checkParam(m, join(rt.path, k), k, v); err != nil {
				return nil, err
			}
		}
		out[rule] = rt.m
	}
	return out, nil
}

func (d *decoder) checkParam(m methods.Method, path, key string, v any) error {
	_, err := methods.Resolve(m, map[string]any{key: v})
	var pe *methods.ParamError
	if errors.As(err, &pe) {
		return d.errf(path, "%v", pe.Err)
	}
	return err
}

// sweep reads the axes; each key is a setting, "optimizer.KEY" or
// "RULE.PARAM" for a rule the experiment runs, or "RULE.SETTING" and
// "RULE.optimizer.KEY" to sweep a setting for that rule alone.
func (d *decoder) sweep(t *table, rules []string) ([]Axis, error) {
	st, err := t.sub("sweep")
	if err != nil {
		return nil, err
	}
	var axes []Axis
	for key := range st.m {
		path := join(st.path, `"`+key+`"`)
		if _, ok := d.pos[join(st.path, key)]; ok {
			path = join(st.path, key)
		}
		vals, _, err := st.list(key)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return nil, d.errf(path, "is empty: a sweep axis needs at least one value")
		}
		ax, ok := parseAxis(key, rules)
		var rule methods.Method
		if ax.rule != "" {
			rule, _ = methods.Lookup(ax.rule)
		}
		for _, v := range vals {
			var err error
			switch {
			case !ok:
			case ax.kind == axisSetting:
				_, err = d.settings(&table{d: d, path: path, m: map[string]any{ax.name: v}, used: map[string]bool{}})
			case ax.kind == axisOptimizer:
				_, err = d.optimizer(path, map[string]any{ax.name: v}, true)
			default:
				err = d.checkParam(rule, path, ax.name, v)
			}
			if err != nil {
				return nil, err
			}
		}
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
			return nil, d.errf(path, "unknown sweep axis%s (accepted: %s)",
				suggest.Hint(key, append(accepted, optimizerAxes()...)), strings.Join(accepted, ", "))
		}
		axes = append(axes, Axis{Key: key, Values: vals})
	}
	sort.Slice(axes, func(i, j int) bool { return axes[i].Key < axes[j].Key })
	return axes, nil
}

func optimizerAxes() []string {
	var out []string
	for _, k := range optimizerKeys {
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
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

var profileKeys = []string{"description", "weights", "activations", "errors", "updates", "rounding", "scaling",
	"levels", "range", "write_noise", "read_noise", "d2d", "stuck", "asymmetry", "dac_bits", "adc_bits"}

// profileTables reads the [profiles.NAME] tables.
func (d *decoder) profileTables(root *table) (map[string]hardware.Profile, error) {
	pt, err := root.sub("profiles")
	if err != nil {
		return nil, err
	}
	out := map[string]hardware.Profile{}
	for name := range pt.m {
		t, err := pt.sub(name)
		if err != nil {
			return nil, err
		}
		if _, builtin := hardware.Builtins[name]; builtin {
			return nil, d.errf(t.path, "%q is a built-in profile, which a suite cannot redefine: give yours another name (built-in: %s)",
				name, strings.Join(hardware.BuiltinNames(), ", "))
		}
		var p hardware.Profile
		for _, f := range []struct {
			key string
			dst *string
		}{{"description", &p.Description}, {"weights", &p.Weights}, {"activations", &p.Activations},
			{"errors", &p.Errors}, {"updates", &p.Updates}, {"rounding", &p.Rounding}, {"scaling", &p.Scaling}} {
			v, err := t.str(f.key)
			if err != nil {
				return nil, err
			}
			if v != nil {
				*f.dst = *v
			}
		}
		for _, f := range []struct {
			key string
			dst *int
		}{{"levels", &p.Levels}, {"dac_bits", &p.DACBits}, {"adc_bits", &p.ADCBits}} {
			v, err := t.int(f.key)
			if err != nil {
				return nil, err
			}
			if v != nil {
				*f.dst = *v
			}
		}
		for _, f := range []struct {
			key string
			dst *float64
		}{{"range", &p.Range}, {"write_noise", &p.WriteNoise}, {"read_noise", &p.ReadNoise}, {"d2d", &p.D2D},
			{"stuck", &p.Stuck}, {"asymmetry", &p.Asymmetry}} {
			if v, ok := t.get(f.key); ok {
				switch x := v.(type) {
				case float64:
					*f.dst = x
				case int64:
					*f.dst = float64(x)
				default:
					return nil, d.errf(t.at(f.key), "is %s, want a number", typeName(v))
				}
			}
		}
		if err := t.done(profileKeys); err != nil {
			return nil, err
		}
		if err := p.Validate(); err != nil {
			key, msg, _ := strings.Cut(err.Error(), ": ")
			return nil, d.errf(t.at(key), "%s", msg)
		}
		out[name] = p
	}
	return out, nil
}
