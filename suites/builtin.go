package suites

import (
	"embed"
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

// Load parses the suite at nameOrPath: the file there when it is one, else
// the built-in suite of that name (a bare name, without / or .toml).
func Load(nameOrPath string, sets []string) (*Suite, error) {
	bare := path.Ext(nameOrPath) != ".toml" && !strings.ContainsRune(nameOrPath, '/')
	if st, err := os.Stat(nameOrPath); err == nil && st.Mode().IsRegular() || !bare {
		b, err := os.ReadFile(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("suites: %v", err)
		}
		return Parse(nameOrPath, b, sets)
	}
	b, err := Source(nameOrPath)
	if err != nil {
		return nil, err
	}
	return Parse("builtin:"+nameOrPath, b, sets)
}
