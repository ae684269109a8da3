package suites

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/BurntSushi/toml"
)

// Parse reads a suite from src, applies the --set overrides (each
// "KEY=VALUE", VALUE in TOML syntax), decodes and checks every part of it,
// and expands it into its runs (Suite.Runs). file names the source in
// errors.
func Parse(file string, src []byte, sets []string) (*Suite, error) {
	d := &decoder{file: file, pos: indexPositions(string(src)), set: map[string]string{}, setOptimizer: map[string]any{}}
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		if pe, ok := errors.AsType[toml.ParseError](err); ok {
			return nil, fmt.Errorf("%s:%d:%d: %s", file, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, s := range sets {
		if err := d.override(raw, s); err != nil {
			return nil, err
		}
	}
	s := &Suite{File: file}
	if err := d.decode("", raw, reflect.ValueOf(s).Elem()); err != nil {
		return nil, err
	}
	var err error
	if s.Runs, err = s.expand(d); err != nil {
		return nil, err
	}
	return s, nil
}
