package interpreter

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// The executor's stack is its own: folds over tens of thousands of values, each iteration
// nested in the one before (next), run in a Go stack of a few pages. A goroutine whose stack
// outgrows debug.SetMaxStack kills the process, so the runs are made in a process of their own.
func TestDeepFoldsNeedNoGoStack(t *testing.T) {
	if os.Getenv("AQUANET_STACK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDeepFoldsNeedNoGoStack$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "AQUANET_STACK_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%.2000s", err, out)
		}
		return
	}
	// 256 KiB: a fold of 20,000 values with par took some 40,000 Go frames, megabytes.
	debug.SetMaxStack(256 << 10)
	const n = 20_000
	p := params("alice")
	p.Limits.MaxStreamSize = 2*n + 1
	// A fold over an array, and one over the stream that it fills, each with par and next.
	script := `(seq (seq (call %init_peer_id% ("s" "items") [] items)
	                     (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i))))
	                (fold $r x (par (ap x $s) (next x))))`
	first := Run(script, nil, nil, nil, p)
	elems := make([]string, n)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	second := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p)
	if second.RetCode != 0 || len(second.CallRequests) != n {
		t.Fatalf("%d call requests, want %d: %d %s", len(second.CallRequests), n, second.RetCode, second.ErrorMessage)
	}
	results := map[uint32]CallResult{}
	for _, r := range second.CallRequests {
		results[r.ID] = CallResult{0, fmt.Sprintf(`{"n":%d}`, r.ID)}
	}
	third := Run(script, second.Data, nil, results, p)
	if third.RetCode != 0 || !third.Complete || len(third.Decoded.Trace) < 4*n {
		t.Fatalf("third run: %d %s, complete %v, %d states", third.RetCode, third.ErrorMessage, third.Complete, len(third.Decoded.Trace))
	}
}
