package aqua

import (
	"strings"
	"testing"
)

var (
	str    = Type{Tag: "scalar", Name: "string"}
	u32    = Type{Tag: "scalar", Name: "u32"}
	notify = Type{Tag: "arrow", Domain: &Type{Tag: "unlabeledProduct", Items: []Type{str}}, Codomain: &Type{Tag: "nil"}}
	// pair is a function with a struct, a callback and two results.
	pair = Function{Name: "pair",
		Args: []Field{
			{Name: "p", Type: Type{Tag: "struct", Name: "Pair", Fields: []Field{{Name: "a", Type: str}}}},
			{Name: "cb", Type: notify},
			{Name: "n", Type: Type{Tag: "option", Type: &Type{Tag: "array", Type: &u32}}},
		},
		Returns: []Type{{Tag: "array", Type: &str}, u32},
		Names:   Names{CallbackSrv: "callbackSrv"},
	}
)

func TestTypeString(t *testing.T) {
	for _, tc := range []struct {
		t    Type
		want string
	}{
		{str, "string"},
		{Type{Tag: "array", Type: &Type{Tag: "option", Type: &u32}}, "[]?u32"},
		{notify, "string -> ()"},
		{Type{Tag: "arrow", Domain: &Type{Tag: "unlabeledProduct", Items: []Type{str, u32}},
			Codomain: &Type{Tag: "unlabeledProduct", Items: []Type{{Tag: "scalar", Name: "bool"}}}}, "string, u32 -> bool"},
		{Type{Tag: "topType"}, "⊤"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.t, got, tc.want)
		}
	}
	if got, want := pair.Signature(), "pair(p: Pair, cb: string -> (), n: ?[]u32) -> []string, u32"; got != want {
		t.Errorf("Signature: %q, want %q", got, want)
	}
	if got, want := (&Function{Name: "f"}).Signature(), "f()"; got != want {
		t.Errorf("Signature: %q, want %q", got, want)
	}
}

func TestCheckArgs(t *testing.T) {
	if got := strings.Join(pair.DataArgs(), ","); got != "p,n" {
		t.Errorf("DataArgs %q, want p,n: a callback is no data", got)
	}
	if err := pair.CheckArgs([]string{"n", "p"}); err != nil {
		t.Errorf("all data arguments: %v", err)
	}
	for _, tc := range []struct {
		given []string
		want  string
	}{
		{[]string{"p"}, "no value for n of pair(p: Pair, cb: string -> (), n: ?[]u32) -> []string, u32"},
		{[]string{"p", "n", "q"}, "pair takes no argument q (its arguments: p, n)"},
		{[]string{"p", "n", "cb"}, "cb is a callback (string -> ()): the caller answers callbackSrv.cb, it takes no value"},
		{nil, "no value for p, n of "},
	} {
		err := pair.CheckArgs(tc.given)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckArgs(%q): %v, want %q", tc.given, err, tc.want)
		}
	}
	if err := (&Function{Name: "f"}).CheckArgs([]string{"x"}); err == nil || err.Error() != "f takes no argument, so not x" {
		t.Errorf("an argument for a function without: %v", err)
	}
}
