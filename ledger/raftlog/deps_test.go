package raftlog

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPureImports keeps the storage deterministic and single-threaded: no clock, no
// randomness, no files or network but pebble's, no locks or goroutine machinery.
func TestPureImports(t *testing.T) {
	banned := map[string]string{
		"time":         "raft counts ticks; the storage needs no clock",
		"math/rand":    "no randomness in the log",
		"math/rand/v2": "no randomness in the log",
		"crypto/rand":  "no randomness in the log",
		"os":           "the disk is pebble's injected vfs",
		"net":          "the runner does the networking",
		"sync":         "single-threaded: the runner serialises calls",
		"testing":      "not in production code",
	}
	files, _ := filepath.Glob("*.go")
	if len(files) == 0 {
		t.Fatal("no Go files found")
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
