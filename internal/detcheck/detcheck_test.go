package detcheck

import (
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// allowList names the files of deterministic packages that may break the rules, each with the
// reason. Keep it short: every entry is a place the simulator cannot control.
var allowList = map[string]string{
	// The libp2p transport's senders and connection attempts: network I/O on goroutines is that
	// transport's job, and it never runs in the simulator, whose network is another transport.
	"actors/p2p/sender.go": "libp2p transport goroutines: production network I/O, never on the simulated path",
	// The libp2p transport's DHT lookups and record requests wait on the network (kad-dht's
	// queries, streams); the simulator routes with its own network (sim/routing.go).
	"actors/p2p/kad.go": "libp2p DHT lookups and record requests on goroutines: production network I/O, never on the simulated path",
	// A dispatcher runs mailboxes on goroutines, as protoactor's default one does; a node uses
	// Warm (for its Wasm services) only when it runs without ActorOptions, never in the
	// simulator, whose Loop dispatches everything on the caller's goroutine.
	"actors/dispatch/warm.go": "production dispatcher for a node's actors on protoactor's goroutines (its own and its Wasm services'): goroutines like protoactor's default, and an idle timeout on real time, never on the simulated path",
}

// TestDeterministicPackages is the guard itself: it fails when code in a deterministic package
// reads the wall clock, uses a global or OS random source, or starts a goroutine.
func TestDeterministicPackages(t *testing.T) {
	rep, err := CheckTree("../..", DeterministicPackages, allowList)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Files, "particle/particle.go") {
		t.Fatalf("particle/particle.go was not checked (checked %v): is the root right?", rep.Files)
	}
	for _, v := range rep.Violations {
		t.Errorf("%s", v)
	}
	for _, f := range rep.Stale {
		t.Errorf("allow-list entry %s excuses nothing: remove it", f)
	}
}

// TestCheckFileFixture checks the fixtures line by line: a line ending in "// want RULE" must be
// reported with that rule, and no other line may be reported.
func TestCheckFileFixture(t *testing.T) {
	for _, name := range []string{"testdata/forbidden.go", "testdata/dotimport.go"} {
		t.Run(name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]Rule{}
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					if rule, ok := strings.CutPrefix(c.Text, "// want "); ok {
						want[fset.Position(c.Pos()).Line] = Rule(rule)
					}
				}
			}
			if len(want) == 0 {
				t.Fatal("fixture has no // want lines")
			}
			got := map[int]Rule{}
			for _, v := range CheckFile(fset, f) {
				if prev, dup := got[v.Pos.Line]; dup {
					t.Errorf("line %d reported twice (%s, %s)", v.Pos.Line, prev, v.Rule)
				}
				got[v.Pos.Line] = v.Rule
				if v.Detail == "" {
					t.Errorf("%s: empty detail", v.Pos)
				}
			}
			for line, rule := range want {
				if got[line] != rule {
					t.Errorf("line %d: want %s, got %q", line, rule, got[line])
				}
			}
			for line, rule := range got {
				if _, ok := want[line]; !ok {
					t.Errorf("line %d: unexpected %s", line, rule)
				}
			}
		})
	}
}

// TestCheckTreeFixture runs the whole-tree check on testdata/tree, a miniature repository whose
// particle package has a forbidden call in a subpackage: the check must name it, honour an
// allow-list entry, and flag a stale one.
func TestCheckTreeFixture(t *testing.T) {
	const root = "testdata/tree"
	rep, err := CheckTree(root, DeterministicPackages, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"particle/ok.go", "particle/sub/bad.go"}; !slices.Equal(rep.Files, want) {
		t.Errorf("checked %v, want %v (tests, testdata and non-deterministic packages are skipped)", rep.Files, want)
	}
	if len(rep.Violations) != 1 {
		t.Fatalf("got %d violations, want 1: %v", len(rep.Violations), rep.Violations)
	}
	v := rep.Violations[0]
	if v.Rule != RuleWallClock || v.Pos.Line != 5 || !strings.HasSuffix(v.Pos.Filename, "particle/sub/bad.go") {
		t.Errorf("violation = %s, want wall-clock at particle/sub/bad.go:5", v)
	}
	if !strings.Contains(v.String(), "time.Now") {
		t.Errorf("violation text %q does not name time.Now", v)
	}

	rep, err = CheckTree(root, DeterministicPackages, map[string]string{
		"particle/sub/bad.go": "fixture: excused on purpose",
		"particle/ok.go":      "fixture: a stale entry",
		"particle/gone.go":    "fixture: a file that does not exist",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Violations) != 0 {
		t.Errorf("allow-listed file still reported: %v", rep.Violations)
	}
	if want := []string{"particle/gone.go", "particle/ok.go"}; !slices.Equal(rep.Stale, want) {
		t.Errorf("stale = %v, want %v", rep.Stale, want)
	}

	_, err = CheckTree(root, DeterministicPackages, map[string]string{"particle/sub/bad.go": " "})
	if err == nil || !strings.Contains(err.Error(), "no reason") {
		t.Errorf("allow-list entry without a reason: err = %v", err)
	}
}

func ExampleCheckFile() {
	src := `package p

import "time"

func f() { go time.Sleep(time.Second) }
`
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, "p.go", src, 0)
	for _, v := range CheckFile(fset, f) {
		fmt.Println(v.Pos.Line, v.Rule)
	}
	// Output:
	// 5 goroutine
	// 5 wall-clock
}
