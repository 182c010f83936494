// Package detcheck finds code that breaks aquanet's determinism rules (DESIGN.md, "Determinism
// rules"): reading the wall clock or starting real timers, drawing from a global or OS random
// source, and starting goroutines. Deterministic packages take time from an injected clock and
// randomness from a seed instead, which is what lets the simulator replay a run from its seed.
//
// The check works on syntax (go/parser), not on text: it knows which local name each file gives
// to "time" and the rand packages, so an alias is caught and a local variable that shadows the
// package name is not. Test files (_test.go) are not checked; tests may use real time to drive
// the code under test.
package detcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DeterministicPackages are the top-level packages, each with every package below it, that must
// follow the rules.
var DeterministicPackages = []string{"particle", "interpreter", "actors", "trust", "ledger", "wasmhost"}

// Rule names a kind of violation.
type Rule string

const (
	RuleWallClock  Rule = "wall-clock" // time.Now, time.Sleep, real timers and tickers
	RuleGlobalRand Rule = "global-rand"
	RuleOSEntropy  Rule = "os-entropy" // crypto/rand: unseeded, so a simulation could not replay it
	RuleGoroutine  Rule = "goroutine"
	RuleDotImport  Rule = "dot-import" // hides the calls above from this check
)

// Violation is one forbidden use, with where it is.
type Violation struct {
	Pos    token.Position
	Rule   Rule
	Detail string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s: %s", v.Pos, v.Rule, v.Detail)
}

// forbidden lists, per import path, the package-level names that are off limits, or (for the
// rand packages) the names that stay allowed because they build a seeded generator.
var (
	timeForbidden = map[string]bool{
		"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
		"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true,
	}
	randAllowed = map[string]bool{
		"New": true, "NewSource": true, "NewZipf": true, "NewPCG": true, "NewChaCha8": true,
		"Rand": true, "Source": true, "Source64": true, "Zipf": true, "PCG": true, "ChaCha8": true,
	}
)

// CheckFile returns the violations in one parsed file, in source order. The file must have been
// parsed with object resolution on (the default), which is how shadowed package names are told
// apart from the packages themselves.
func CheckFile(fset *token.FileSet, f *ast.File) []Violation {
	var out []Violation
	add := func(pos token.Pos, rule Rule, format string, args ...any) {
		out = append(out, Violation{Pos: fset.Position(pos), Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}

	locals := map[string]string{} // local package name -> import path, for the watched imports
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !watched(path) {
			continue
		}
		name := defaultName(path)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch name {
		case "_":
			continue
		case ".":
			add(imp.Pos(), RuleDotImport, "dot-import of %q: import it by name so its calls can be checked", path)
			continue
		}
		locals[name] = path
	}

	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			add(n.Go, RuleGoroutine, "go statement: deterministic code runs on the caller's goroutine or an actor's mailbox")
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok || id.Obj != nil { // Obj != nil: a local declaration shadows the package
				return true
			}
			path, ok := locals[id.Name]
			if !ok {
				return true
			}
			name := n.Sel.Name
			switch {
			case path == "time" && timeForbidden[name]:
				add(n.Pos(), RuleWallClock, "time.%s: take time from the injected clock.Clock", name)
			case (path == "math/rand" || path == "math/rand/v2") && !randAllowed[name]:
				add(n.Pos(), RuleGlobalRand, "%s.%s uses the global generator: draw from a seeded *rand.Rand (internal/rng)", path, name)
			case path == "crypto/rand":
				add(n.Pos(), RuleOSEntropy, "crypto/rand.%s: draw from the node's seeded source (internal/rng.Reader)", name)
			}
		}
		return true
	})
	return out
}

func watched(path string) bool {
	switch path {
	case "time", "math/rand", "math/rand/v2", "crypto/rand":
		return true
	}
	return false
}

func defaultName(path string) string {
	switch path {
	case "math/rand/v2", "math/rand", "crypto/rand":
		return "rand"
	}
	return path
}

// Report is the outcome of CheckTree.
type Report struct {
	// Violations outside allow-listed files, sorted by file, line and column.
	Violations []Violation
	// Files checked, as slash-separated paths relative to the root.
	Files []string
	// Allow-list entries that excuse nothing: the file is gone or no longer breaks a rule.
	Stale []string
}

// CheckTree checks every non-test Go file under root/pkg for each pkg (a package and all its
// subpackages; testdata and hidden directories are skipped). allow maps a slash-separated file
// path relative to root to the reason that file may break the rules; every reason must be
// non-empty. A package directory that does not exist yet is skipped.
func CheckTree(root string, pkgs []string, allow map[string]string) (Report, error) {
	for file, why := range allow {
		if strings.TrimSpace(why) == "" {
			return Report{}, fmt.Errorf("detcheck: allow-list entry %s gives no reason", file)
		}
	}
	var rep Report
	excused := map[string]bool{}
	fset := token.NewFileSet()
	for _, pkg := range pkgs {
		dir := filepath.Join(root, pkg)
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != dir && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return fmt.Errorf("detcheck: %w", err)
			}
			rep.Files = append(rep.Files, rel)
			vs := CheckFile(fset, f)
			if _, ok := allow[rel]; ok {
				if len(vs) > 0 {
					excused[rel] = true
				}
				return nil
			}
			rep.Violations = append(rep.Violations, vs...)
			return nil
		})
		if err != nil {
			return Report{}, err
		}
	}
	for file := range allow {
		if !excused[file] {
			rep.Stale = append(rep.Stale, file)
		}
	}
	slices.Sort(rep.Stale)
	slices.Sort(rep.Files)
	slices.SortFunc(rep.Violations, func(a, b Violation) int {
		if c := strings.Compare(a.Pos.Filename, b.Pos.Filename); c != 0 {
			return c
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return rep, nil
}
