package suites

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/internal/suggest"
)

// decoder turns the generic TOML tree into the suite's types in one pass,
// with located errors. A struct's keys are its fields' toml tags (those of
// an embedded struct included), so every key list comes from a type.
//
// A part of a suite decodes itself when it implements unmarshaler, and
// checks itself once decoded when it implements validator; the decoder
// handles the rest by kind: tables into structs and maps, arrays into
// slices, and integers, numbers, strings and booleans.
type decoder struct {
	file string
	pos  positions
	set  map[string]string // path → the --set argument that gave it
	// setOptimizer holds the optimizer keys given by --set, which hold for
	// every rule, over its recommendation.
	setOptimizer map[string]any
	profiles     map[string]hardware.Profile
}

// unmarshaler is a part of a suite that decodes itself from its TOML value.
type unmarshaler interface {
	decodeTOML(d *decoder, path string, v any) error
}

// validator is a part of a suite that checks itself once decoded.
type validator interface {
	validate(d *decoder, path string) error
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

// decode stores v, the TOML value at path, in dst.
func (d *decoder) decode(path string, v any, dst reflect.Value) error {
	if u, ok := dst.Addr().Interface().(unmarshaler); ok {
		if err := u.decodeTOML(d, path, v); err != nil {
			return err
		}
	} else if err := d.decodeKind(path, v, dst); err != nil {
		return err
	}
	if c, ok := dst.Addr().Interface().(validator); ok {
		return c.validate(d, path)
	}
	return nil
}

func (d *decoder) decodeKind(path string, v any, dst reflect.Value) error {
	switch dst.Kind() {
	case reflect.Pointer:
		dst.Set(reflect.New(dst.Type().Elem()))
		return d.decode(path, v, dst.Elem())
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return d.errf(path, "is %s, want a table", typeName(v))
		}
		return d.fields(path, m, dst)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return d.errf(path, "is %s, want a table", typeName(v))
		}
		dst.Set(reflect.MakeMapWithSize(dst.Type(), len(m)))
		for _, k := range d.inSourceOrder(path, m) {
			elem := reflect.New(dst.Type().Elem()).Elem()
			if err := d.decode(join(path, k), m[k], elem); err != nil {
				return err
			}
			dst.SetMapIndex(reflect.ValueOf(k), elem)
		}
		return nil
	case reflect.Slice:
		return d.slice(path, v, dst)
	case reflect.Int, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			return d.errf(path, "is %s, want an integer", typeName(v))
		}
		dst.SetInt(n)
	case reflect.Float64:
		switch x := v.(type) {
		case float64:
			dst.SetFloat(x)
		case int64:
			dst.SetFloat(float64(x))
		default:
			return d.errf(path, "is %s, want a number", typeName(v))
		}
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return d.errf(path, "is %s, want a string", typeName(v))
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return d.errf(path, "is %s, want true or false", typeName(v))
		}
		dst.SetBool(b)
	case reflect.Interface:
		dst.Set(reflect.ValueOf(v))
	default:
		panic("suites: no decoding into " + dst.Type().String())
	}
	return nil
}

// slice decodes an array; an element of the wrong kind is named by its
// index.
func (d *decoder) slice(path string, v any, dst reflect.Value) error {
	var list []any
	switch l := v.(type) {
	case []any:
		list = l
	case []map[string]any: // an array of tables
		for _, m := range l {
			list = append(list, m)
		}
	default:
		if dst.Type().Elem().Kind() == reflect.Struct {
			return d.errf(path, "is %s, want an array of tables ([[%s]])", typeName(v), path[strings.LastIndex(path, ".")+1:])
		}
		return d.errf(path, "is %s, want an array", typeName(v))
	}
	out := reflect.MakeSlice(dst.Type(), len(list), len(list))
	scalar := dst.Type().Elem().Kind() != reflect.Struct
	for i, e := range list {
		at := fmt.Sprintf("%s.%d", path, i)
		if scalar {
			at = path // scalars have no position of their own
		}
		if err := d.decode(at, e, out.Index(i)); err != nil {
			if scalar {
				return d.errf(path, "element %d %s", i, lastPart(err))
			}
			return err
		}
	}
	dst.Set(out)
	return nil
}

// lastPart is the message of a located error, without its place.
func lastPart(err error) string {
	s := err.Error()
	return s[strings.LastIndex(s, ": ")+2:]
}

// fields decodes table m into the fields of struct dst, rejecting first any
// key the struct does not have.
func (d *decoder) fields(path string, m map[string]any, dst reflect.Value) error {
	accepted := keysOf(dst.Type())
	for _, k := range d.inSourceOrder(path, m) {
		if !slices.Contains(accepted, k) {
			return d.errf(join(path, k), "unknown key%s (accepted: %s)", suggest.Hint(k, accepted), strings.Join(accepted, ", "))
		}
	}
	return d.assign(path, m, dst)
}

// assign decodes the keys of m that are fields of dst, an embedded
// struct's included.
func (d *decoder) assign(path string, m map[string]any, dst reflect.Value) error {
	for i := range dst.NumField() {
		f, fv := dst.Type().Field(i), dst.Field(i)
		if f.Anonymous {
			if err := d.assign(path, m, fv); err != nil {
				return err
			}
			if c, ok := fv.Addr().Interface().(validator); ok {
				if err := c.validate(d, path); err != nil {
					return err
				}
			}
			continue
		}
		key := tagOf(f)
		if v, ok := m[key]; ok && key != "" {
			if err := d.decode(join(path, key), v, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

// keysOf lists the keys of a struct type: its fields' toml tags, in field
// order, an embedded struct's in its place.
func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			keys = append(keys, keysOf(f.Type)...)
		} else if k := tagOf(f); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func tagOf(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if k == "-" {
		return ""
	}
	return k
}

// inSourceOrder returns the keys of m in the order they are written, so
// that the first of several mistakes is the one reported.
func (d *decoder) inSourceOrder(path string, m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := d.pos[join(path, keys[i])], d.pos[join(path, keys[j])]
		if a != b {
			return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
		}
		return keys[i] < keys[j]
	})
	return keys
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
