package interpreter

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

// foldBomb is issue 13's hostile script: three nested folds over the 1000 values that a call
// returns (json.parse on a node), 10^9 iterations, inside a xor that must not catch the budget
// error.
const foldBomb = `(xor
  (seq (call %init_peer_id% ("json" "parse") ["[...]"] xs)
    (fold xs a (seq (fold xs b (seq (fold xs c (seq (null) (next c))) (next b))) (next a))))
  (call %init_peer_id% ("op" "caught") []))`

// thousand is the JSON array of 0..999.
func thousand() string {
	elems := make([]string, 1000)
	for i := range elems {
		elems[i] = strconv.Itoa(i)
	}
	return "[" + strings.Join(elems, ",") + "]"
}

// runWithResult runs script once to get its first call request, then again with result for it,
// returning the data of the first run and the outcome of the second.
func runWithResult(t *testing.T, script, result string, p Params) ([]byte, Outcome) {
	t.Helper()
	first := Run(script, nil, nil, nil, p)
	if first.RetCode != 0 || len(first.CallRequests) != 1 {
		t.Fatalf("first run: %d %s, %d call requests", first.RetCode, first.ErrorMessage, len(first.CallRequests))
	}
	return first.Data, Run(script, first.Data, nil, map[uint32]CallResult{first.CallRequests[0].ID: {0, result}}, p)
}

// The fold bomb stops with the step budget's error once it has spent its budget (give or take
// the elements of the last fold, charged as it starts), xor does not catch it, and the data is
// the previous data, unchanged.
func TestFoldBombStopsAtTheStepBudget(t *testing.T) {
	for _, limit := range []int{0, 50_000} { // the default, and a small one
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			p := params("alice")
			p.Limits.MaxSteps = limit
			want := int64(limit)
			if limit == 0 {
				want = DefaultMaxSteps
			}
			prev, o := runWithResult(t, foldBomb, thousand(), p)
			if o.RetCode != CodeStepBudgetExceeded {
				t.Fatalf("RetCode %d %q, want %d", o.RetCode, o.ErrorMessage, CodeStepBudgetExceeded)
			}
			if msg := fmt.Sprintf("step budget exceeded: the run took more than %d steps", want); !strings.Contains(o.ErrorMessage, msg) {
				t.Errorf("message %q does not say %q", o.ErrorMessage, msg)
			}
			if o.Steps <= want || o.Steps > want+1001 {
				t.Errorf("stopped after %d steps, want just over %d", o.Steps, want)
			}
			if !bytes.Equal(o.Data, prev) || len(o.CallRequests) != 0 || len(o.NextPeers) != 0 {
				t.Errorf("the run left data %d bytes (previous %d), %d call requests, next peers %v",
					len(o.Data), len(prev), len(o.CallRequests), o.NextPeers)
			}
		})
	}
}

// A run whose clock passes the particle's deadline stops at the next reading, and reads the
// clock once every deadlineEvery steps at most.
func TestDeadlineStopsARun(t *testing.T) {
	p := params("alice")
	p.TTL = 5000
	var reads int64
	p.Now = func() int64 { // a second passes between two readings
		reads++
		return int64(p.Timestamp) + 1000*reads
	}
	prev, o := runWithResult(t, foldBomb, thousand(), p)
	if o.RetCode != CodeDeadlinePassed {
		t.Fatalf("RetCode %d %q, want %d", o.RetCode, o.ErrorMessage, CodeDeadlinePassed)
	}
	deadline := int64(p.Timestamp) + 5000
	if want := fmt.Sprintf("particle deadline passed during the run: now %d ms is after timestamp+ttl %d ms", deadline+1000, deadline); !strings.Contains(o.ErrorMessage, want) {
		t.Errorf("message %q does not say %q", o.ErrorMessage, want)
	}
	// The first run read the clock too (up to twice: it is short); the second saw the sixth
	// second of the particle's five and stopped.
	if reads > 8 || o.Steps > 8*deadlineEvery+1000 {
		t.Errorf("%d clock readings, %d steps: the run went on after the deadline", reads, o.Steps)
	}
	if o.Steps/deadlineEvery+2 < reads {
		t.Errorf("%d clock readings in %d steps: more than one per %d steps", reads, o.Steps, deadlineEvery)
	}
	if !bytes.Equal(o.Data, prev) {
		t.Error("the run changed the data")
	}
}

// A run that ends before its deadline is not disturbed by the clock, and without a clock no
// deadline applies.
func TestDeadlineLeavesTimelyRunsAlone(t *testing.T) {
	script := `(seq (call %init_peer_id% ("s" "items") [] xs) (fold xs i (seq (ap i $s) (next i))))`
	p := params("alice")
	p.Now = func() int64 { return int64(p.Timestamp) + int64(p.TTL) } // the deadline itself
	if _, o := runWithResult(t, script, thousand(), p); o.RetCode != 0 {
		t.Fatalf("at the deadline: %d %s", o.RetCode, o.ErrorMessage)
	}
	p.Timestamp, p.TTL = 1, 1 // long past, but no clock to tell
	p.Now = nil
	if _, o := runWithResult(t, script, thousand(), p); o.RetCode != 0 {
		t.Fatalf("without a clock: %d %s", o.RetCode, o.ErrorMessage)
	}
}

// Binding a large value again and again exhausts the memory budget: the error names it and its
// limit, and the data is left as it was.
func TestMemoryBudget(t *testing.T) {
	script := `(seq (call %init_peer_id% ("s" "big") [] big)
  (seq (call %init_peer_id% ("s" "items") [] xs) (fold xs i (seq (ap big copy) (next i)))))`
	p := params("alice")
	p.Limits.MaxMemory = 1 << 20
	first := Run(script, nil, nil, nil, p)
	big := `"` + strings.Repeat("x", 10_000) + `"`
	second := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, big}}, p)
	if second.RetCode != 0 {
		t.Fatalf("second run: %d %s", second.RetCode, second.ErrorMessage)
	}
	o := Run(script, second.Data, nil, map[uint32]CallResult{2: {0, thousand()}}, p)
	if o.RetCode != CodeMemoryBudgetExceeded {
		t.Fatalf("RetCode %d %q, want %d", o.RetCode, o.ErrorMessage, CodeMemoryBudgetExceeded)
	}
	if want := "memory budget exceeded: the run's values take more than 1048576 bytes"; o.ErrorMessage != want {
		t.Errorf("message %q, want %q", o.ErrorMessage, want)
	}
	// About a hundred copies of 10 kB fit in 1 MiB: the run stopped at the first one over.
	if o.Memory <= 1<<20 || o.Memory > 1<<20+11_000 {
		t.Errorf("stopped having spent %d bytes", o.Memory)
	}
	if !bytes.Equal(o.Data, second.Data) {
		t.Error("the run changed the data")
	}
	// A thousand copies, 10 MB, fit in 16 MiB.
	p.Limits.MaxMemory = 1 << 24
	if o := Run(script, second.Data, nil, map[uint32]CallResult{2: {0, thousand()}}, p); o.RetCode != 0 {
		t.Fatalf("with 16 MiB: %d %s", o.RetCode, o.ErrorMessage)
	}
}

// The arguments of the calls a run requests are charged: a thousand requests of a large
// argument are over the budget even though the value exists once.
func TestMemoryBudgetCountsCallArguments(t *testing.T) {
	script := `(seq (call %init_peer_id% ("s" "big") [] big)
  (seq (call %init_peer_id% ("s" "items") [] xs) (fold xs i (par (call %init_peer_id% ("s" "f") [big]) (next i)))))`
	p := params("alice")
	p.Limits.MaxMemory = 1 << 20
	first := Run(script, nil, nil, nil, p)
	second := Run(script, first.Data, nil, map[uint32]CallResult{1: {0, `"` + strings.Repeat("x", 10_000) + `"`}}, p)
	o := Run(script, second.Data, nil, map[uint32]CallResult{2: {0, thousand()}}, p)
	if o.RetCode != CodeMemoryBudgetExceeded || len(o.CallRequests) != 0 {
		t.Fatalf("RetCode %d %q with %d call requests, want %d and none", o.RetCode, o.ErrorMessage, len(o.CallRequests), CodeMemoryBudgetExceeded)
	}
}

// valueBytes stops measuring once past its limit, so that measuring a huge value to charge it
// costs no more than the budget left.
func TestValueBytesStopsPastTheLimit(t *testing.T) {
	p := params("alice")
	_, o := runWithResult(t, `(call %init_peer_id% ("s" "f") [] x)`, thousand(), p)
	if o.RetCode != 0 {
		t.Fatal(o.ErrorMessage)
	}
	// 1000 numbers: a header for the array and one per element.
	if o.Memory != entryBytes+24+1000*24 {
		t.Errorf("a 1000-number array charged %d bytes, want %d", o.Memory, entryBytes+24+1000*24)
	}
	v, err := value.Parse([]byte(thousand()), value.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := valueBytes(v, 100); n <= 100 || n > 200 {
		t.Errorf("valueBytes with limit 100: %d, want just over 100", n)
	}
}

// TestBudgetOfTheBenchmarks measures the benchmarks' runs (see TestBudgetDefaultsFitScenarios
// for the scenarios'): a fold over 1000 elements that requests 1000 calls, the run that takes
// their results back, and a run that receives 1 MB of data.
func TestBudgetOfTheBenchmarks(t *testing.T) {
	p := params("alice")
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items i (par (call %init_peer_id% ("s" "f") [i] $r) (next i))))`
	_, emit := runWithResult(t, script, thousand(), p)
	if emit.RetCode != 0 || len(emit.CallRequests) != 1000 {
		t.Fatalf("emit: %d %s", emit.RetCode, emit.ErrorMessage)
	}
	results := map[uint32]CallResult{}
	for _, r := range emit.CallRequests {
		results[r.ID] = CallResult{0, fmt.Sprintf(`{"n":%d}`, r.ID)}
	}
	consume := Run(script, emit.Data, nil, results, p)
	if consume.RetCode != 0 {
		t.Fatalf("consume: %d %s", consume.RetCode, consume.ErrorMessage)
	}
	bob := params("bob")
	big := `(seq (call "` + bob.CurrentPeerID + `" ("s" "big") [] x) (call %init_peer_id% ("s" "got") [x.$.[0]]))`
	_, sent := runWithResult(t, big, `["`+strings.Repeat("a", 1<<20)+`"]`, bob)
	receive := Run(big, nil, sent.Data, nil, p)
	if receive.RetCode != 0 {
		t.Fatalf("receive: %d %s", receive.RetCode, receive.ErrorMessage)
	}
	for _, r := range []struct {
		name string
		o    Outcome
	}{{"fold 1000 emit", emit}, {"fold 1000 consume", consume}, {"receive 1 MB", receive}} {
		t.Logf("%s: %d steps, %d bytes", r.name, r.o.Steps, r.o.Memory)
		if r.o.Steps*100 > DefaultMaxSteps || r.o.Memory*10 > DefaultMaxMemory {
			t.Errorf("%s: %d steps and %d bytes, over a hundredth of the default steps (%d) or a tenth of the memory (%d)",
				r.name, r.o.Steps, r.o.Memory, DefaultMaxSteps, DefaultMaxMemory)
		}
	}
}
