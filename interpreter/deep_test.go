package interpreter

import (
	"strconv"
	"strings"
	"testing"
)

func TestDeepFoldIsAnError(t *testing.T) {
	p := params("alice")
	script := `(seq (call %init_peer_id% ("s" "f") [] xs) (fold xs i (seq (null) (next i))))`
	o := Run(script, nil, nil, nil, p)
	elems := make([]string, 200_000)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	o = Run(script, o.Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p)
	if o.RetCode != CodeTraceError || !strings.Contains(o.ErrorMessage, "nested deeper") {
		t.Fatalf("RetCode %d %s", o.RetCode, o.ErrorMessage)
	}
	elems = elems[:20_000]
	o = Run(script, Run(script, nil, nil, nil, p).Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p)
	if o.RetCode != 0 {
		t.Fatalf("a fold over 20000 values: %d %s", o.RetCode, o.ErrorMessage)
	}
}
