package ledger

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPureImports keeps the state machine pure: no clock, no global randomness, no files or
// network of its own, no goroutine machinery. Tests may use them; the package may not.
func TestPureImports(t *testing.T) {
	banned := map[string]string{
		"time":         "the block carries the time",
		"math/rand":    "no randomness in a replicated state machine",
		"math/rand/v2": "no randomness in a replicated state machine",
		"os":           "the store is injected",
		"net":          "the runner does the networking",
		"sync":         "single-threaded: the runner serialises calls",
		"testing":      "not in production code",
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, ok := banned[path]; ok {
				t.Errorf("%s imports %s: %s", f, path, why)
			}
		}
	}
}
