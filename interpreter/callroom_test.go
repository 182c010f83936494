package interpreter

import (
	"strconv"
	"strings"
	"testing"
)

// The call requests of a run make room for the rest of a fold once the run has asked for a
// call in it, not before: a fold with seq asks for one call a run, and room for the rest of
// its fold on each run cost each step of a long fold a quarter of a megabyte. A fold with par
// asks for one call an element, and the slice is not reserved past twice what it holds.
func TestCallRequestsRoom(t *testing.T) {
	const n = 3000
	elems := make([]string, n)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	items := map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}
	for _, c := range []struct {
		name, body string
		calls      int
		maxRoom    int
	}{
		{"seq", `(seq (call %init_peer_id% ("s" "f") [i] r) (next i))`, 1, 8},
		{"par", `(par (call %init_peer_id% ("s" "f") [i] $r) (next i))`, n, 2 * n},
		{"par, one element calls", `(par (xor (match i 0 (call %init_peer_id% ("s" "f") [i] $r)) (null)) (next i))`, 1, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := params("alice")
			p.Limits.MaxStreamSize = n + 1
			script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items i ` + c.body + `))`
			first := Run(script, nil, nil, nil, p)
			out := Run(script, first.Data, nil, items, p)
			if len(out.CallRequests) != c.calls || cap(out.CallRequests) > c.maxRoom {
				t.Fatalf("%d call requests with room for %d; want %d with room for at most %d (%s)",
					len(out.CallRequests), cap(out.CallRequests), c.calls, c.maxRoom, out.ErrorMessage)
			}
		})
	}
}
