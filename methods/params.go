package methods

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/creditbench/creditbench/nn"

	"github.com/creditbench/creditbench/internal/suggest"
)

// Param declares one parameter of a rule: its kind (the type of Default:
// float64, int64, string or bool), its default, the values it accepts and
// what it does. Resolve enforces the declaration and `creditbench list
// methods` prints it, so the two cannot disagree.
type Param struct {
	Name    string
	Default any
	// Range bounds a numeric parameter (nil: any finite value).
	Range *Range
	// Choices lists the accepted values of a string parameter (nil: any).
	Choices []string
	Help    string
	// Recurrent marks a parameter of the rule's recurrent form alone: a run
	// on another net leaves it out of its spec (see ForTask), so that the
	// spec, its key and its result are what they were before the rule
	// trained recurrent nets.
	Recurrent bool
	// OmitDefault marks a parameter added to a rule after its runs were
	// recorded: a spec leaves it out while it is at its default, so that
	// those specs, their keys and their results stay what they were. The
	// runner resolves it back to its default.
	OmitDefault bool
}

// ForTask drops from v the parameters of m's recurrent form, unless the
// model is recurrent or given names them, and the parameters marked
// OmitDefault that are at their defaults.
func ForTask(m Method, v Values, model nn.ModelSpec, given map[string]any) Values {
	for _, p := range m.Params() {
		if _, set := given[p.Name]; p.Recurrent && !set && !model.Recurrent() {
			delete(v, p.Name)
		}
		if val, ok := v[p.Name]; ok && p.OmitDefault && val == p.Default {
			delete(v, p.Name)
		}
	}
	return v
}

// Kind names the parameter's type as a suite writes it.
func (p Param) Kind() string {
	switch p.Default.(type) {
	case float64:
		return "float"
	case int64:
		return "integer"
	case bool:
		return "boolean"
	case string:
		return "string"
	}
	return fmt.Sprintf("%T", p.Default)
}

// Accepts describes the accepted values: a range, the choices, or the kind.
func (p Param) Accepts() string {
	switch {
	case p.Range != nil:
		return p.Range.String()
	case p.Choices != nil:
		return strings.Join(p.Choices, " | ")
	case p.Kind() == "boolean":
		return "true | false"
	}
	return "any " + p.Kind()
}

// Range is an interval of accepted values: Lo < v (Lo ≤ v when LoIn), and
// v < Hi (v ≤ Hi when HiIn). An infinite end is open.
type Range struct {
	Lo, Hi     float64
	LoIn, HiIn bool
}

// Positive accepts v > 0; NonNegative accepts v ≥ 0; Fraction accepts
// 0 < v ≤ 1.
var (
	Positive    = &Range{Lo: 0, Hi: math.Inf(1)}
	NonNegative = &Range{Lo: 0, Hi: math.Inf(1), LoIn: true}
	Fraction    = &Range{Lo: 0, Hi: 1, HiIn: true}
)

// Contains reports whether v lies in r.
func (r Range) Contains(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	above := v > r.Lo || r.LoIn && v == r.Lo
	below := v < r.Hi || r.HiIn && v == r.Hi
	return above && below
}

// String writes r as "> 0", "≥ 0", "≤ 1" or "in (0, 1]".
func (r Range) String() string {
	lo, hi := !math.IsInf(r.Lo, -1), !math.IsInf(r.Hi, 1)
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch {
	case lo && hi:
		l, h := "(", ")"
		if r.LoIn {
			l = "["
		}
		if r.HiIn {
			h = "]"
		}
		return "in " + l + num(r.Lo) + ", " + num(r.Hi) + h
	case lo && r.LoIn:
		return "≥ " + num(r.Lo)
	case lo:
		return "> " + num(r.Lo)
	case hi && r.HiIn:
		return "≤ " + num(r.Hi)
	case hi:
		return "< " + num(r.Hi)
	}
	return "any number"
}

// Values are resolved parameter values by name.
type Values map[string]any

// Float returns the float parameter name.
func (v Values) Float(name string) float64 { return v[name].(float64) }

// Int returns the integer parameter name.
func (v Values) Int(name string) int { return int(v[name].(int64)) }

// String returns the string parameter name.
func (v Values) String(name string) string { return v[name].(string) }

// Bool returns the boolean parameter name.
func (v Values) Bool(name string) bool { return v[name].(bool) }

// Resolve checks the given parameters of m against their declarations and
// fills in every default. An integer is accepted for a float parameter;
// nothing else is converted.
func Resolve(m Method, given map[string]any) (Values, error) {
	decl := map[string]Param{}
	var names []string
	for _, p := range m.Params() {
		decl[p.Name] = p
		names = append(names, p.Name)
	}
	for k := range given {
		if _, ok := decl[k]; !ok {
			if len(names) == 0 {
				return nil, &ParamError{m.Name(), k, fmt.Errorf("unknown parameter: %s has no parameters", m.Name())}
			}
			return nil, &ParamError{m.Name(), k, fmt.Errorf("unknown parameter%s (accepted: %s)",
				suggest.Hint(k, names), strings.Join(names, ", "))}
		}
	}
	v := Values{}
	for _, p := range m.Params() {
		val, ok := given[p.Name]
		if !ok {
			v[p.Name] = p.Default
			continue
		}
		got, err := coerce(val, p)
		if err != nil {
			return nil, &ParamError{m.Name(), p.Name, err}
		}
		v[p.Name] = got
	}
	return v, nil
}

// ParamError is a parameter that a rule does not accept.
type ParamError struct {
	Rule, Param string
	Err         error
}

func (e *ParamError) Error() string { return e.Rule + "." + e.Param + ": " + e.Err.Error() }

func (e *ParamError) Unwrap() error { return e.Err }

func coerce(val any, p Param) (any, error) {
	switch p.Default.(type) {
	case float64:
		var f float64
		switch x := val.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		default:
			return nil, fmt.Errorf("%v (%s) is not a number (accepted: %s)", val, kindOf(val), p.Accepts())
		}
		return f, inRange(f, p)
	case int64:
		var n int64
		switch x := val.(type) {
		case int64:
			n = x
		case int:
			n = int64(x)
		case float64:
			if x != float64(int64(x)) { // a JSON round trip turns integers to floats
				return nil, fmt.Errorf("%v is not an integer (accepted: %s)", val, p.Accepts())
			}
			n = int64(x)
		default:
			return nil, fmt.Errorf("%v (%s) is not an integer (accepted: %s)", val, kindOf(val), p.Accepts())
		}
		return n, inRange(float64(n), p)
	case bool:
		if b, ok := val.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%v (%s) is not true or false", val, kindOf(val))
	case string:
		s, ok := val.(string)
		if !ok {
			return nil, fmt.Errorf("%v (%s) is not a string (accepted: %s)", val, kindOf(val), p.Accepts())
		}
		if p.Choices != nil {
			for _, c := range p.Choices {
				if s == c {
					return s, nil
				}
			}
			return nil, fmt.Errorf("%q is not accepted%s (accepted: %s)", s, suggest.Hint(s, p.Choices), p.Accepts())
		}
		return s, nil
	}
	return nil, fmt.Errorf("parameter declared with unsupported default %T", p.Default)
}

func inRange(v float64, p Param) error {
	if p.Range == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%v is not finite", v)
		}
		return nil
	}
	if !p.Range.Contains(v) {
		return fmt.Errorf("%v is out of range (accepted: %s)", v, p.Range)
	}
	return nil
}

// kindOf names the TOML kind of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case float64:
		return "a float"
	case int64, int:
		return "an integer"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}
