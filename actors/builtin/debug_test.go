package builtin

import "testing"

func TestDebug(t *testing.T) {
	runCases(t, "debug", []callCase{
		{fn: "stringify", args: `[]`, want: `"<empty argument list>"`},
		{fn: "stringify", args: `[{"b":1,"a":[true]}]`, want: `"{\"a\":[true],\"b\":1}"`},
		{fn: "stringify", args: `["x", 2]`, want: `"[\"x\",2]"`},
	})
}
