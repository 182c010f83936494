package aqua_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/aqua"
	"github.com/aquanet/aquanet/internal/aqua/aquatest"
	"github.com/aquanet/aquanet/interpreter/air"
)

// testdata/hello.aqua, compiled by the real compiler: its exported functions only, with their
// signatures, the services their AIR calls on the caller, and AIR that aquanet's parser takes.
func TestCompileHello(t *testing.T) {
	c := aquatest.Require(t)
	res, err := c.Compile(context.Background(), "testdata/hello.aqua")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range res.Functions {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "hello,shout" {
		t.Fatalf("functions %q, want the exported hello and shout", names)
	}
	hello, err := res.Func("hello")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hello.Signature(), "hello(name: string, target: string) -> string"; got != want {
		t.Errorf("hello: %q, want %q", got, want)
	}
	want := aqua.Names{Relay: "-relay-", GetDataSrv: "getDataSrv", CallbackSrv: "callbackSrv", ResponseSrv: "callbackSrv",
		ResponseFn: "response", ErrorHandlingSrv: "errorHandlingSrv", ErrorFn: "error"}
	if hello.Names != want {
		t.Errorf("names %+v, want %+v", hello.Names, want)
	}
	// What the AIR does follows from the source: it reads its arguments and the relay from the
	// caller, calls op.identity on target, answers through callbackSrv.response and routes
	// errors to errorHandlingSrv.
	for _, s := range []string{`("getDataSrv" "-relay-")`, `("getDataSrv" "name")`, `("getDataSrv" "target")`,
		`(call -target-arg- ("op" "identity")`, `("callbackSrv" "response")`, `("errorHandlingSrv" "error")`} {
		if !strings.Contains(hello.AIR, s) {
			t.Errorf("hello's AIR has no %s:\n%s", s, hello.AIR)
		}
	}
	shout, _ := res.Func("shout")
	if got, want := shout.Signature(), "shout(g: Greeting, tell: string -> ()) -> []string, u32"; got != want {
		t.Errorf("shout: %q, want %q", got, want)
	}
	if g := shout.Args[0].Type; g.Tag != "struct" || len(g.Fields) != 2 || g.Fields[1].Name != "text" || g.Fields[1].Type.Name != "string" {
		t.Errorf("shout's Greeting: %+v", g)
	}
	if !strings.Contains(shout.AIR, `("callbackSrv" "tell")`) {
		t.Errorf("shout's AIR does not call its callback tell back:\n%s", shout.AIR)
	}
	for _, f := range res.Functions {
		if _, err := air.Parse(f.AIR); err != nil {
			t.Errorf("%s's AIR does not parse: %v", f.Name, err)
		}
	}

	_, err = res.Func("unexported")
	if err == nil || err.Error() != "testdata/hello.aqua exports no function unexported; it exports hello, shout" {
		t.Errorf("Func(unexported): %v", err)
	}
}

// The compiler's errors come back with their positions in the file as the caller named it.
func TestCompileErrors(t *testing.T) {
	c := aquatest.Require(t)
	for _, tc := range []struct {
		file, want string
	}{
		{"testdata/broken.aqua", "testdata/broken.aqua:7:6: Wrong value type, expected: u32, given: string"},
		{"testdata/syntax.aqua", "testdata/syntax.aqua:5:25: Syntax error: Expected symbol ')'"},
	} {
		_, err := c.Compile(context.Background(), tc.file)
		var ce *aqua.CompileError
		if !errors.As(err, &ce) || ce.File != tc.file || len(ce.Diagnostics) == 0 {
			t.Fatalf("%s: %v, want a CompileError", tc.file, err)
		}
		if got := ce.Diagnostics[0].String(); got != tc.want {
			t.Errorf("%s: first error %q, want %q", tc.file, got, tc.want)
		}
	}

	_, err := c.Compile(context.Background(), "testdata/none.aqua")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "testdata/none.aqua") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := c.Compile(context.Background(), "testdata"); err == nil || err.Error() != "testdata: is a directory, not an Aqua file" {
		t.Errorf("a directory: %v", err)
	}
	// A file whose imports are found but broken: the error is in the imported file, by its path.
	abs, _ := filepath.Abs("testdata/syntax.aqua")
	_, err = c.Compile(context.Background(), "testdata/imports-broken.aqua")
	if !errors.As(err, new(*aqua.CompileError)) || !strings.Contains(err.Error(), abs+":5:25: ") {
		t.Errorf("an import with an error: %v, want it at %s:5:25", err, abs)
	}
}
