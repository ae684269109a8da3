package suites

import (
	"fmt"
	"strconv"
	"strings"
)

// positions maps the dotted path of every key and table header in a TOML
// source to where it starts. Arrays of tables get their index as a path
// element: "experiment.1.params.ftp.gamma". The TOML library reports
// positions for syntax errors only; this index lets validation errors name
// file:line:col too.
type positions map[string][2]int // path → line, column (both from 1)

func indexPositions(src string) positions {
	p := positions{}
	arrays := map[string]int{} // resolved path of an array of tables → count so far
	table := ""
	depth := 0 // open brackets of a value spanning lines
	inMulti := ""
	for ln, line := range strings.Split(src, "\n") {
		if inMulti != "" { // inside a multi-line string
			if strings.Contains(line, inMulti) {
				inMulti = ""
			}
			continue
		}
		code := stripComment(line)
		if depth > 0 {
			depth += bracketDelta(code)
			continue
		}
		trim := strings.TrimSpace(code)
		col := strings.Index(code, trim) + 1
		switch {
		case trim == "":
		case strings.HasPrefix(trim, "[["):
			keys := splitKey(strings.Trim(trim, "[] \t"))
			base := join(resolve(keys[:len(keys)-1], arrays), keys[len(keys)-1])
			table = base + "." + strconv.Itoa(arrays[base])
			arrays[base]++
			p.set(base, ln+1, col)
			p.set(table, ln+1, col)
		case strings.HasPrefix(trim, "["):
			table = resolve(splitKey(strings.Trim(trim, "[] \t")), arrays)
			p.set(table, ln+1, col)
		default:
			eq := findEquals(code)
			if eq < 0 {
				continue
			}
			key := join(table, strings.Join(splitKey(code[:eq]), "."))
			p.set(key, ln+1, col)
			value := code[eq+1:]
			if v := strings.TrimSpace(value); strings.HasPrefix(v, "{") {
				p.inline(key, v, ln+1, eq+1+strings.Index(value, v)+1)
			}
			for _, q := range []string{`"""`, `'''`} {
				if strings.Count(value, q) == 1 {
					inMulti = q
				}
			}
			depth = bracketDelta(value)
		}
	}
	return p
}

func (p positions) set(path string, line, col int) {
	if _, seen := p[path]; !seen {
		p[path] = [2]int{line, col}
	}
}

// inline indexes the keys of an inline table v that starts at col.
func (p positions) inline(prefix, v string, line, col int) {
	body := v[1:]
	off := col + 1
	for _, part := range splitTopLevel(body) {
		eq := findEquals(part.text)
		if eq < 0 {
			continue
		}
		k := strings.TrimSpace(part.text[:eq])
		if k == "" {
			continue
		}
		kc := off + part.start + strings.Index(part.text, k)
		p.set(join(prefix, strings.Join(splitKey(k), ".")), line, kc)
	}
}

type piece struct {
	text  string
	start int
}

// splitTopLevel splits the body of an inline table at its top-level commas,
// up to the brace that closes it.
func splitTopLevel(s string) []piece {
	var out []piece
	depth, start := 0, 0
	closed := false
	scanCode(s, func(i int, c byte) bool {
		switch {
		case c == '[' || c == '{':
			depth++
		case (c == ']' || c == '}') && depth == 0:
			out = append(out, piece{s[start:i], start})
			closed = true
			return false
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, piece{s[start:i], start})
			start = i + 1
		}
		return true
	})
	if !closed {
		out = append(out, piece{s[start:], start})
	}
	return out
}

// resolve turns a header's keys into a path, inserting the current index
// after every prefix that is an array of tables.
func resolve(keys []string, arrays map[string]int) string {
	path := ""
	for _, k := range keys {
		path = join(path, k)
		if n, ok := arrays[path]; ok {
			path += "." + strconv.Itoa(n-1)
		}
	}
	return path
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// splitKey splits a dotted TOML key into its parts, unquoting quoted parts.
func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	inStr := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case inStr != 0 && c == inStr:
			inStr = 0
		case inStr != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			inStr = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// scanCode calls f with the index and byte of every byte of s outside
// quoted strings, in order, until f returns false.
func scanCode(s string, f func(i int, c byte) bool) {
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr != 0:
			if c == inStr && (c == '\'' || s[i-1] != '\\') {
				inStr = 0
			}
		case c == '"' || c == '\'':
			inStr = c
		default:
			if !f(i, c) {
				return
			}
		}
	}
}

// findEquals returns the index of the first '=' outside quotes, or −1.
func findEquals(s string) int {
	at := -1
	scanCode(s, func(i int, c byte) bool {
		if c == '=' {
			at = i
		}
		return at < 0
	})
	return at
}

// stripComment removes a trailing # comment outside strings.
func stripComment(s string) string {
	end := len(s)
	scanCode(s, func(i int, c byte) bool {
		if c == '#' {
			end = i
		}
		return end == len(s)
	})
	return s[:end]
}

// bracketDelta counts opening minus closing brackets outside strings.
func bracketDelta(s string) int {
	d := 0
	scanCode(s, func(_ int, c byte) bool {
		switch c {
		case '[', '{':
			d++
		case ']', '}':
			d--
		}
		return true
	})
	return d
}

// at returns "line:col" of path, or of its nearest indexed parent, or "1:1".
func (p positions) at(path string) string {
	for path != "" {
		if lc, ok := p[path]; ok {
			return fmt.Sprintf("%d:%d", lc[0], lc[1])
		}
		i := strings.LastIndex(path, ".")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return "1:1"
}
