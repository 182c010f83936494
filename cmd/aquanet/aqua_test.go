package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/aqua/aquatest"
	"github.com/aquanet/aquanet/interpreter/air"
)

// helloAqua is a module of ours: hello goes to a peer through the relay and has the builtin
// op.identity (through aqua-lib) give the name back; shout calls its caller back, then returns
// two results.
const helloAqua = `aqua Hello

import "@fluencelabs/aqua-lib/builtin.aqua"

export hello, shout

func hello(name: string, target: string) -> string:
  on target via HOST_PEER_ID:
    echoed <- Op.identity(?[name])
  <- echoed!

func shout(text: string, tell: string -> ()) -> []string, u32:
  tell(text)
  <- [text, text], 2
`

// brokenAqua returns text where a u32 is promised: the compiler's error is at 6:6.
const brokenAqua = `aqua Broken

export count

func count(text: string) -> u32:
  <- text
`

// requireAqua installs the compiler before a test runs commands that use it (so that the
// install's progress lines are not in their output), or skips the test as aquatest.Require does.
func requireAqua(t *testing.T) {
	t.Helper()
	aquatest.Require(t)
}

// Without -o, each exported function's AIR under a header with its signature; with -o, the same
// AIR in NAME.air and how to call it in NAME.json.
func TestAquaCompile(t *testing.T) {
	requireAqua(t)
	file := writeFile(t, t.TempDir(), "hello.aqua", helloAqua)
	code, out, stderr := aquanet(t, "", "aqua", "compile", file)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	headers := regexp.MustCompile(`(?m)^;; .*$`).FindAllString(out, -1)
	want := []string{";; hello(name: string, target: string) -> string", ";; shout(text: string, tell: string -> ()) -> []string, u32"}
	if strings.Join(headers, "\n") != strings.Join(want, "\n") {
		t.Fatalf("headers %q, want %q; output:\n%s", headers, want, out)
	}
	sections := strings.Split(out, "\n"+want[1]+"\n")
	if len(sections) != 2 {
		t.Fatalf("output:\n%s", out)
	}
	helloAIR := strings.TrimPrefix(sections[0], want[0]+"\n")
	for _, s := range []string{helloAIR, sections[1]} {
		if _, err := air.Parse(s); err != nil {
			t.Errorf("AIR that does not parse: %v\n%s", err, s)
		}
	}
	if !strings.Contains(helloAIR, `(call -target-arg- ("op" "identity")`) {
		t.Errorf("hello's AIR does not call op.identity on target:\n%s", helloAIR)
	}

	dir := filepath.Join(t.TempDir(), "out", "air")
	code, out, stderr = aquanet(t, "", "aqua", "compile", file, "-o", dir)
	if code != 0 || out != "" || stderr != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "hello.air")); err != nil || string(got) != helloAIR {
		t.Errorf("hello.air (%v):\n%s\nwant what was printed:\n%s", err, got, helloAIR)
	}
	data, err := os.ReadFile(filepath.Join(dir, "shout.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"signature": "shout(text: string, tell: string -> ()) -> []string, u32"`) {
		t.Errorf("shout.json does not show the signature as it is:\n%s", data)
	}
	var meta functionFile
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatalf("shout.json: %v\n%s", err, data)
	}
	if meta.Function != "shout" || meta.AIR != "shout.air" || meta.Source != file || meta.Signature != strings.TrimPrefix(want[1], ";; ") ||
		len(meta.Args) != 2 || meta.Args[0].Name != "text" || !meta.Args[1].Type.IsArrow() || len(meta.Returns) != 2 ||
		meta.Names.GetDataSrv != "getDataSrv" || meta.Names.ResponseSrv != "callbackSrv" || meta.Names.ResponseFn != "response" ||
		meta.Names.ErrorHandlingSrv != "errorHandlingSrv" || meta.Names.Relay != "-relay-" {
		t.Errorf("shout.json:\n%s", data)
	}
}

// The compiler's errors are FILE:LINE:COL: message lines on stderr; a file that exports nothing,
// or none at all, is one error line.
func TestAquaCompileErrors(t *testing.T) {
	requireAqua(t)
	broken := writeFile(t, t.TempDir(), "broken.aqua", brokenAqua)
	code, out, stderr := aquanet(t, "", "aqua", "compile", broken)
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if code != 1 || out != "" || lines[0] != broken+":6:6: Wrong value type, expected: u32, given: string" {
		t.Errorf("a type error: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	for _, l := range lines {
		if !regexp.MustCompile(`^.+:\d+:\d+: \S`).MatchString(l) {
			t.Errorf("line %q is not FILE:LINE:COL: message", l)
		}
	}

	silent := writeFile(t, t.TempDir(), "silent.aqua", "aqua Silent\n\nfunc f() -> u32:\n  <- 1\n")
	code, out, stderr = aquanet(t, "", "aqua", "compile", silent)
	if line := oneErrorLine(t, stderr); code != 1 || out != "" || !strings.Contains(line, silent+" exports no function") {
		t.Errorf("no export: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	missing := filepath.Join(t.TempDir(), "missing.aqua")
	code, _, stderr = aquanet(t, "", "aqua", "compile", missing)
	if line := oneErrorLine(t, stderr); code != 1 || !strings.Contains(line, missing) || !strings.Contains(line, "no such file") {
		t.Errorf("a missing file: exit %d, stderr %q", code, stderr)
	}
}

// The help says what the compiler is, what it needs and where it goes.
func TestAquaHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"aqua", "--help"}, []string{"@fluencelabs/aqua-api 0.14.6", "@fluencelabs/aqua-lib 0.10.2", "Node.js (18 or newer",
			"AQUANET_AQUA_DIR", "~/.cache/aquanet/aqua-api-0.14.6", "\n  compile "}},
		{[]string{"aqua", "compile", "--help"}, []string{"NAME.json", "getDataSrv.ARG", "errorHandlingSrv.error", "FILE:LINE:COL: message"}},
		{[]string{"run", "--help"}, []string{"--aqua FILE --func NAME", "callbackSrv.response"}},
	} {
		code, out, _ := aquanet(t, "", tc.args...)
		for _, s := range tc.says {
			if code != 0 || !strings.Contains(out, s) {
				t.Errorf("%v (exit %d) does not say %q:\n%s", tc.args, code, s, out)
			}
		}
	}
	if code, out, _ := aquanet(t, "", "--help"); code != 0 || !strings.Contains(out, "\n  aqua ") {
		t.Errorf("--help does not list aqua:\n%s", out)
	}
}
