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

// Runs share what one leaves for the next (the stacks and the call results' reader, kept or
// pooled): runs at once, on goroutines of their own, each big enough to be kept and to grow
// what it was given, come out as the same runs made one after another.
func TestRunsAtOnceShareNothing(t *testing.T) {
	p := params("alice")
	p.Limits.MaxStreamSize = 2000
	script := `(seq (seq (call %init_peer_id% ("s" "items") [] items)
	                     (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i))))
	                (fold $r x (par (ap x $s) (next x))))`
	run := func(n int) string {
		elems := make([]string, n)
		results := map[uint32]CallResult{}
		for i := range elems {
			elems[i] = strconv.Itoa(i)
			results[uint32(i+2)] = CallResult{0, fmt.Sprintf(`{"n":%d,"s":"%s"}`, i, strings.Repeat("x", i%7))}
		}
		first := Run(script, nil, nil, nil, p)
		second := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, "[" + strings.Join(elems, ",") + "]"}}, p)
		third := Run(script, second.Data, nil, results, p)
		if third.RetCode != 0 {
			return fmt.Sprintf("%d: %s", third.RetCode, third.ErrorMessage)
		}
		return fmt.Sprintf("%d requests, then %x", len(second.CallRequests), third.Data)
	}
	sizes := []int{3, 700, 40, 1500, 1, 900}
	want := make([]string, len(sizes))
	for i, n := range sizes {
		want[i] = run(n)
	}
	got := make([]string, len(sizes))
	done := make(chan struct{})
	for round := range 3 {
		for i, n := range sizes {
			go func() {
				defer func() { done <- struct{}{} }()
				got[i] = run(n)
			}()
		}
		for range sizes {
			<-done
		}
		for i := range sizes {
			if got[i] != want[i] {
				t.Fatalf("round %d, a fold of %d at once with others: %.200s, alone: %.200s", round, sizes[i], got[i], want[i])
			}
		}
	}
}
