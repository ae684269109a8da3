package suites

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/internal/suggest"
)

//go:embed *.toml
var builtin embed.FS

// Builtins returns the names of the suites shipped in the binary, sorted.
func Builtins() []string {
	entries, _ := fs.ReadDir(builtin, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".toml"))
	}
	sort.Strings(names)
	return names
}

// Source returns the text of a built-in suite.
func Source(name string) ([]byte, error) {
	b, err := builtin.ReadFile(name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("suites: unknown built-in suite %q%s (accepted: %s)", name,
			suggest.Hint(name, Builtins()), strings.Join(Builtins(), ", "))
	}
	return b, nil
}

// Load parses the suite at nameOrPath: a file when one exists there (or the
// argument ends in .toml), else a built-in suite of that name.
func Load(nameOrPath string, sets []string) (*Suite, error) {
	b, err := os.ReadFile(nameOrPath)
	file := nameOrPath
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && path.Ext(nameOrPath) != ".toml" && !strings.ContainsRune(nameOrPath, '/'):
		if b, err = Source(nameOrPath); err != nil {
			return nil, err
		}
		file = "builtin:" + nameOrPath
	default:
		return nil, fmt.Errorf("suites: %v", err)
	}
	return Parse(file, b, sets)
}
