package aquacorpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/aqua/aquatest"
	"github.com/aquanet/aquanet/internal/aquascenario"
	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/scenario/reference"
	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// EnvUpdate, set to "1", makes TestCompiledAIR rewrite the committed AIR from a fresh compile,
// and TestReferenceOutcomes rewrite every NAME.oracle.json and the expect block of every
// NAME.yaml from what the reference does now, instead of comparing. It is internal/oracle's
// variable for the other scenario files.
const EnvUpdate = "AQUANET_UPDATE_SCENARIOS"

func update() bool { return os.Getenv(EnvUpdate) == "1" }

// loadCases loads the corpus, failing the test if it cannot.
func loadCases(t *testing.T) []Case {
	t.Helper()
	cases, err := Load(Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("only %d scenarios in the corpus, want at least 40", len(cases))
	}
	return cases
}

// TestCompiledAIR compiles every Aqua file of the corpus (each once, two at a time) and checks
// that each exported function's AIR is the committed one, that no AIR is committed for a
// function that is not exported, that the files compile without warnings, and that every
// scenario's function and arguments fit the fresh compile (aquascenario.Apply), and every
// exported function has a scenario.
func TestCompiledAIR(t *testing.T) {
	c := aquatest.Require(t)
	sources, err := filepath.Glob(filepath.Join(Dir, "corpus", "*.aqua"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no Aqua files in %s/corpus: %v", Dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := aquascenario.Compile(ctx, c, sources)
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{} // "FILE.aqua FUNC"
	for _, src := range sources {
		res := results[src]
		for _, w := range res.Warnings {
			t.Errorf("%s: a warning: %s", src, w)
		}
		dir := strings.TrimSuffix(src, ".aqua")
		committed, err := filepath.Glob(filepath.Join(dir, "*.air"))
		if err != nil {
			t.Fatal(err)
		}
		var fresh []string
		for _, f := range res.Functions {
			exported[filepath.Clean(src)+" "+f.Name] = true
			file := filepath.Join(dir, f.Name+".air")
			fresh = append(fresh, file)
			if update() {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(f.AIR), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s exports %s, whose AIR is not committed: %v (run with %s=1)", src, f.Name, err, EnvUpdate)
				continue
			}
			if string(b) != f.AIR {
				t.Errorf("%s: a fresh compile of %s differs (run with %s=1 to update):\n%s", file, src, EnvUpdate, firstDifference(b, []byte(f.AIR)))
			}
		}
		for _, file := range committed {
			if !slices.Contains(fresh, file) {
				if update() {
					if err := os.Remove(file); err != nil {
						t.Fatal(err)
					}
					continue
				}
				t.Errorf("%s: %s exports no such function", file, src)
			}
		}
	}

	files, err := Files(Dir)
	if err != nil {
		t.Fatal(err)
	}
	tried := map[string]bool{}
	for _, f := range files {
		s, err := scenario.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if s.Aqua == nil {
			t.Errorf("%s: names no Aqua function", f)
			continue
		}
		res, ok := results[s.Aqua.File]
		if !ok {
			t.Errorf("%s: %s is not one of the corpus's Aqua files %s", f, s.Aqua.File, sources)
			continue
		}
		if err := aquascenario.Apply(s, res); err != nil {
			t.Error(err)
		}
		tried[filepath.Clean(s.Aqua.File)+" "+s.Aqua.Func] = true
	}
	for fn := range exported {
		if !tried[fn] {
			t.Errorf("%s: no scenario runs this function", fn)
		}
	}
}

// TestReferenceOutcomes runs every scenario of the corpus through the reference, all in one
// AquaVM process, and compares the results with the stored NAME.oracle.json files and the
// files' expect blocks. With AQUANET_UPDATE_SCENARIOS=1 it rewrites both instead (the expect
// block must be the last key of the file; everything from the line "expect:" on is replaced).
func TestReferenceOutcomes(t *testing.T) {
	dir := oracle.Require(t)
	cases := loadCases(t)
	inputs := make([][]byte, len(cases))
	for i, c := range cases {
		j, err := c.Scenario.JSON()
		if err != nil {
			t.Fatal(err)
		}
		inputs[i] = j
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := reference.RunScenarios(ctx, dir, inputs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if res[i].Err != nil {
			t.Errorf("%s: %v", c.File, res[i].Err)
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, res[i].Result, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		if update() {
			if err := os.WriteFile(OracleFile(c.File), pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := rewriteExpect(c.File, c.Scenario, res[i].Result); err != nil {
				t.Fatalf("%s: %v", c.File, err)
			}
			continue
		}
		stored, err := os.ReadFile(OracleFile(c.File))
		if err != nil {
			t.Errorf("%s: %v (run with %s=1 to create it)", c.File, err, EnvUpdate)
			continue
		}
		if !bytes.Equal(stored, pretty.Bytes()) {
			t.Errorf("%s: the reference's result differs from %s (run with %s=1 to update):\n%s",
				c.File, filepath.Base(OracleFile(c.File)), EnvUpdate, firstDifference(stored, pretty.Bytes()))
		}
	}
}

// rewriteExpect replaces the expect block of the scenario file f with the reference's result
// res, peer ids written back as {{peer:NAME}}: the block internal/oracle's tests write for
// the other scenario files, messages of interpreter errors included.
func rewriteExpect(f string, s *scenario.Scenario, res []byte) error {
	var r scenario.Result
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return err
	}
	names := slices.Clone(s.Peers)
	// Longest ids first, so that no id is replaced inside another.
	slices.SortFunc(names, func(a, b string) int { return len(s.PeerID(b)) - len(s.PeerID(a)) })
	unexpand := func(text string) string {
		for _, n := range names {
			text = strings.ReplaceAll(text, s.PeerID(n), "{{peer:"+n+"}}")
		}
		return text
	}
	q := func(text string) string { return string(yamljson.AppendString(nil, unexpand(text))) }
	var b strings.Builder
	b.WriteString("expect:   # what the reference, AquaVM 0.62, does (generated: see README.md)\n")
	calls := func(field string, list []scenario.Call) {
		if len(list) == 0 {
			fmt.Fprintf(&b, "  %s: []\n", field)
			return
		}
		fmt.Fprintf(&b, "  %s:\n", field)
		for _, c := range list {
			args := make([]string, len(c.Args))
			for i, a := range c.Args {
				args[i] = unexpand(string(a))
			}
			fmt.Fprintf(&b, "    - {service: %s, function: %s, args: [%s]}\n", q(c.Service), q(c.Function), strings.Join(args, ", "))
		}
	}
	calls("callbacks", r.Callbacks)
	calls("errors", r.Errors)
	if len(r.InterpreterErrors) == 0 {
		b.WriteString("  interpreter_errors: []\n")
	} else {
		b.WriteString("  interpreter_errors:\n")
		for _, e := range r.InterpreterErrors {
			fmt.Fprintf(&b, "    - peer: %s\n      ret_code: %d\n      message: %s\n", e.Peer, e.RetCode, q(e.Message))
		}
	}
	if len(r.Undelivered) > 0 {
		b.WriteString("  undelivered:\n")
		for _, u := range r.Undelivered {
			fmt.Fprintf(&b, "    - {from: %s, to: %s}\n", u.From, q(u.To))
		}
	}
	fmt.Fprintf(&b, "  steps: %d\n  completed: %v\n", r.Steps, r.Completed)

	y, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	text := string(y)
	if i := strings.Index(text, "\nexpect:"); i >= 0 {
		text = text[:i+1]
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return os.WriteFile(f, []byte(text+b.String()), 0o644)
}

// firstDifference shows the first differing line of two texts.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return "(same lines)"
}
