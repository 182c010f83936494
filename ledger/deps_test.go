package ledger

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPureImports keeps the ledger's core, raft's log and the replica pure: no clock, no
// randomness, no files or network of their own, no goroutine machinery. Tests may use them;
// the packages may not.
func TestPureImports(t *testing.T) {
	banned := map[string]string{
		"time":         "the block carries the time",
		"math/rand":    "no randomness in a replicated state machine",
		"math/rand/v2": "no randomness in a replicated state machine",
		"crypto/rand":  "no randomness in a replicated state machine (raft's own jitter is the runner's to seed)",
		"os":           "the store is injected",
		"net":          "the runner does the networking",
		"sync":         "single-threaded: the runner serialises calls",
		"testing":      "not in production code",
	}
	var files []string
	for _, dir := range []string{".", "raftlog", "replica"} { // the core, raft's log, the replica
		fs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(fs) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		files = append(files, fs...)
	}
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
