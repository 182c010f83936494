package air

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestData runs the datadriven files under testdata/ (rewrite expectations with -rewrite):
//
//	parse           the input script's tree with positions, or its errors as LINE:COL: message
//	fmt             the input script formatted canonically
//	lint            Lint's warnings as warning: LINE:COL: message, or "ok"
//
// Every script that parses must also survive the round trip: formatting it and parsing the
// result gives the same tree, and formatting is idempotent.
func TestData(t *testing.T) {
	walkTestdata(t, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			src := strings.TrimSuffix(d.Input, "\n")
			switch d.Cmd {
			case "parse":
				s, err := Parse(src)
				if err != nil {
					return errorLines(err)
				}
				checkRoundTrip(t, d.Pos, s)
				return dump(s.Root, true)
			case "lint":
				s, err := Parse(src)
				if err != nil {
					return errorLines(err)
				}
				var b strings.Builder
				for _, w := range Lint(s.Root) {
					b.WriteString("warning: " + w.Error() + "\n")
				}
				if b.Len() == 0 {
					return "ok\n"
				}
				return b.String()
			case "fmt":
				s, err := Parse(src)
				if err != nil {
					return errorLines(err)
				}
				checkRoundTrip(t, d.Pos, s)
				return Format(s)
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

// walkTestdata runs f as a subtest for every .txt file under testdata (the fuzz corpus, also
// there, is not datadriven).
func walkTestdata(t *testing.T, f func(t *testing.T, path string)) {
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "testdata/"), ".txt"), func(t *testing.T) { f(t, path) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func errorLines(err error) string {
	var b strings.Builder
	for _, e := range err.(ErrorList) {
		b.WriteString("error: " + e.Error() + "\n")
	}
	return b.String()
}

// checkRoundTrip asserts that s prints to text that parses back to the same tree and prints the
// same again.
func checkRoundTrip(t *testing.T, where string, s *Script) {
	t.Helper()
	out := Format(s)
	s2, err := ParseSyntax(out) // validation depends on the tree alone: the trees are compared
	if err != nil {
		t.Fatalf("%s: formatted script does not parse: %v\n%s", where, err, out)
	}
	if a, b := dump(s.Root, false), dump(s2.Root, false); a != b {
		t.Fatalf("%s: round trip changed the tree:\n%s\nformatted:\n%s\nreparsed:\n%s", where, a, out, b)
	}
	if out2 := Format(s2); out2 != out {
		t.Fatalf("%s: formatting is not idempotent:\n%s\nthen:\n%s", where, out, out2)
	}
	if len(s2.Comments) != len(s.Comments) {
		t.Fatalf("%s: formatting lost comments: %d -> %d\n%s", where, len(s.Comments), len(s2.Comments), out)
	}
}
