package methods

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAddingAMethodGuide keeps docs/adding-a-method.md true: each Go block
// opens with "// from methods/FILE" (or "FILE and FILE") and every other
// line of it must be a line of those files, in the same order.
func TestAddingAMethodGuide(t *testing.T) {
	doc, err := os.ReadFile("../docs/adding-a-method.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 5 {
		t.Fatalf("the guide has %d Go blocks, want its worked example", len(blocks))
	}
	from := regexp.MustCompile(`^// from methods/(\S+)(?: and (\S+))?\n`)
	for _, b := range blocks {
		head := from.FindStringSubmatch(b[1])
		if head == nil {
			t.Errorf("a Go block does not say where it is from:\n%s", b[1])
			continue
		}
		var code []string
		for _, f := range head[1:] {
			if f == "" {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			code = append(code, strings.Split(string(src), "\n")...)
		}
		at := 0
		for _, line := range strings.Split(strings.TrimSuffix(b[1][len(head[0]):], "\n"), "\n") {
			for at < len(code) && code[at] != line && !strings.HasPrefix(code[at], line+" {") {
				at++
			}
			if at == len(code) {
				t.Errorf("guide line %q is not in methods/%s (in order): mend the guide", line, head[1])
				break
			}
			at++
		}
	}
}
