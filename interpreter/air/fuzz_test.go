package air

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; every error is an ErrorList of positioned errors inside the
// script; whatever parses survives the format round trip (same tree, idempotent formatting,
// comments kept). Seeds: the scripts of the datadriven files and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, src := range testdataScripts(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseSyntax(src)
		if err != nil {
			checkErrorList(t, src, err)
			return
		}
		checkRoundTrip(t, "fuzz", s)
		if errs := Check(s.Root); len(errs) > 0 {
			checkErrorList(t, src, errs)
			return
		}
		if warns := Lint(s.Root); len(warns) > 0 {
			checkErrorList(t, src, warns)
		}
	})
}

func checkErrorList(t *testing.T, src string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
	}
	for _, e := range list {
		if !e.Pos.IsValid() || int(e.Pos.Offset) > len(src) || e.Msg == "" {
			t.Fatalf("bad error %q at %+v for a %d-byte script", e.Msg, e.Pos, len(src))
		}
	}
}

// testdataScripts returns the inputs of every command in the datadriven files, read with a
// small reader of the format: a command line, the input, then a "----" line.
func testdataScripts(tb testing.TB) []string {
	var out []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			if lines[i] != "parse" && lines[i] != "fmt" && lines[i] != "lint" {
				continue
			}
			var in []string
			for i++; i < len(lines) && lines[i] != "----"; i++ {
				in = append(in, lines[i])
			}
			out = append(out, strings.Join(in, "\n"))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
