package methods

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"go/scanner"
	"go/token"
	"path"
	"reflect"
	"runtime"
	"sync"
)

// sources is this package's code, so that a record can name the code of
// the rule that made it.
//
//go:embed *.go
var sources embed.FS

// shared are the files every rule's step runs through besides its own.
var shared = []string{"method.go", "params.go", "stages.go", "mlp.go"}

// companions are the files of a rule's recurrent form, which its own file
// dispatches to; recurrent.go holds what the recurrent forms share.
var companions = map[string][]string{
	"bp":     {"recurrent.go"},
	"ftp":    {"recurrent.go"},
	"dfa":    {"recurrent.go"},
	"dtp":    {"recurrent.go", "tptt.go"},
	"pepita": {"recurrent.go"},
}

// Versioner is implemented by a rule kept outside this package, whose code
// Implementation cannot read: Version names its code and must change
// whenever its results would.
type Versioner interface {
	Version() string
}

// Implementation names the code of rule m: its Version when it has one,
// else a hash of the file that defines its New method and of the files
// every rule shares, comments and layout left out (so that mending a
// comment keeps the records). It is "" for a rule with neither.
func Implementation(m Method) string {
	if v, ok := m.(Versioner); ok {
		return v.Version()
	}
	if h, ok := implementations.Load(m.Name()); ok {
		return h.(string)
	}
	h := hashOf(m)
	implementations.Store(m.Name(), h)
	return h
}

// implementations caches the hashes by rule name: the code cannot change
// while the process runs, and the runner asks once per run and record.
var implementations sync.Map

// hashOf hashes the code of a rule of this package.
func hashOf(m Method) string {
	own := sourceFile(m)
	if own == "" {
		return ""
	}
	h := sha256.New()
	files := append(append([]string{own}, companions[m.Name()]...), shared...)
	for _, name := range files {
		code, err := codeOf(name)
		if err != nil {
			return ""
		}
		h.Write([]byte(name + "\n"))
		h.Write(code)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// sourceFile is the base name of the file that defines m's New method, if
// it is in this package.
func sourceFile(m Method) string {
	meth, ok := reflect.TypeOf(m).MethodByName("New")
	if !ok {
		return ""
	}
	fn := runtime.FuncForPC(meth.Func.Pointer())
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(fn.Entry())
	name := path.Base(file)
	if _, err := sources.Open(name); err != nil || path.Base(path.Dir(file)) != "methods" {
		return ""
	}
	return name
}

// codeOf returns a file's tokens, one per line, without its comments and
// layout.
func codeOf(name string) ([]byte, error) {
	src, err := sources.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile(name, -1, len(src)), src, nil, 0) // comments skipped
	var b bytes.Buffer
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return b.Bytes(), nil
		}
		if tok == token.SEMICOLON {
			lit = ";" // an inserted semicolon's literal is the newline
		}
		b.WriteString(tok.String() + " " + lit + "\n")
	}
}
