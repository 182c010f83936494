package interpreter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/data"
)

// TestRunDecodedMemoMatchesRun: runs of data kept decoded take what earlier runs resolved of the
// service results they replay (serviceInfo's memo); runs from the encoded data resolve
// everything again. Both must give the same outcomes, byte for byte, on every run of chains
// that replay executed, failed and stream results, and when the replayed calls do not match
// the script (the memo's argument hash and tetraplet are the ones checked then).
func TestRunDecodedMemoMatchesRun(t *testing.T) {
	scripts := []string{
		`(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("op" "identity") [x] r) (seq (call %init_peer_id% ("op" "use") [r x]) (next x)))))`,
		`(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (par (call %init_peer_id% ("s" "f") [x] $r) (next x))))`,
		`(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (xor (call %init_peer_id% ("s" "flaky") [x] r) (call %init_peer_id% ("s" "caught") [%last_error%.$.message])) (next x))))`,
		`(seq (seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("s" "f") [x] $r) (next x)))) (seq (canon %init_peer_id% $r #r) (call %init_peer_id% ("s" "all") [#r])))`,
	}
	// answer gives every third call a failure, and the others a result from its arguments.
	answer := func(reqs []CallRequest) map[uint32]CallResult {
		res := map[uint32]CallResult{}
		for _, r := range reqs {
			switch {
			case r.Function == "items":
				res[r.ID] = CallResult{0, `[1,2,3,4,5,6,7]`}
			case r.ID%3 == 0:
				res[r.ID] = CallResult{1, fmt.Sprintf(`"failed %d"`, r.ID)}
			default:
				args := make([]string, len(r.Args))
				for i, a := range r.Args {
					args[i] = a.String()
				}
				res[r.ID] = CallResult{0, `{"got":[` + strings.Join(args, ",") + `]}`}
			}
		}
		return res
	}
	same := func(t *testing.T, what string, a, b Outcome) {
		t.Helper()
		// A run that left the data as it was returns none from decoded data, the data it was
		// given from encoded data.
		sameData := string(a.Data) == string(b.Data) || a.Decoded == nil && a.Data == nil
		if a.RetCode != b.RetCode || a.ErrorMessage != b.ErrorMessage || !sameData || len(a.CallRequests) != len(b.CallRequests) || a.Complete != b.Complete {
			t.Fatalf("%s: decoded %d %q (%d bytes, %d requests), encoded %d %q (%d bytes, %d requests)", what,
				a.RetCode, a.ErrorMessage, len(a.Data), len(a.CallRequests), b.RetCode, b.ErrorMessage, len(b.Data), len(b.CallRequests))
		}
	}
	for i, script := range scripts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := params("alice")
			var kept *data.Data
			var prev []byte
			results := map[uint32]CallResult{}
			for step := 0; step < 30; step++ {
				d := RunDecoded(script, kept, nil, results, p)
				b := Run(script, prev, nil, results, p)
				same(t, fmt.Sprintf("step %d", step), d, b)
				if d.Decoded != nil {
					kept, prev = d.Decoded, d.Data
				}
				// A pure replay: every executed call from the memo.
				if d.Decoded != nil {
					rd := RunDecoded(script, kept, nil, nil, p)
					rb := Run(script, prev, nil, nil, p)
					same(t, fmt.Sprintf("step %d, replay", step), rd, rb)
					kept, prev = rd.Decoded, rd.Data
				}
				if len(d.CallRequests) == 0 {
					break
				}
				results = answer(d.CallRequests)
			}
			// The same data as current data (so its calls are checked against the script) and
			// a script whose calls differ in their arguments (their number, or a value in place
			// of another, which the memo's arguments are not) or their function: the errors the
			// check raises, from memoized results and from results resolved anew.
			for _, other := range []string{script, strings.ReplaceAll(script, "[x]", `[x "more"]`), strings.ReplaceAll(script, "[x]", `["x"]`), strings.ReplaceAll(script, `"f")`, `"g")`)} {
				d := RunDecoded(other, kept, prev, nil, p)
				b := Run(other, prev, prev, nil, p)
				same(t, "checked against "+other, d, b)
				if d.Decoded != nil {
					kept, prev = d.Decoded, d.Data
				}
			}
		})
	}
}

// A replayed value is charged to the memory budget by the size the memo kept with it, or
// measured again when it would not fit: the budget's errors and its count are the same as
// from the encoded data, whatever the budget.
func TestRunDecodedMemoChargesAsRun(t *testing.T) {
	p := params("alice")
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("op" "identity") [x] r) (next x))))`
	kept, prev := (*data.Data)(nil), []byte(nil)
	results := map[uint32]CallResult{}
	for step := 0; step < 6; step++ {
		o := RunDecoded(script, kept, nil, results, p)
		if o.RetCode != 0 {
			t.Fatalf("step %d: %d %s", step, o.RetCode, o.ErrorMessage)
		}
		kept, prev = o.Decoded, o.Data
		results = map[uint32]CallResult{}
		for _, r := range o.CallRequests {
			if r.Function == "items" {
				results[r.ID] = CallResult{0, `[` + strings.Repeat(`"abcdefgh",`, 40) + `"z"]`}
			} else {
				results[r.ID] = CallResult{0, r.Args[0].String()}
			}
		}
	}
	for budget := 200; budget < 3000; budget += 37 {
		p.Limits.MaxMemory = budget
		d := RunDecoded(script, kept, nil, nil, p)
		b := Run(script, prev, nil, nil, p)
		if d.RetCode != b.RetCode || d.ErrorMessage != b.ErrorMessage || d.Memory != b.Memory || d.Steps != b.Steps {
			t.Fatalf("budget %d: decoded %d %q memory %d, encoded %d %q memory %d", budget, d.RetCode, d.ErrorMessage, d.Memory, b.RetCode, b.ErrorMessage, b.Memory)
		}
		if d.Decoded != nil {
			kept, prev = d.Decoded, d.Data
		}
	}
}

// A replayed call whose arguments are the very values a replay of the same data checked at
// that position is not hashed again (data.Resolved.Args); any other value is: a script whose
// call takes a literal where the data's took the fold's element fails its check from the memo
// as from the encoded data, though both are one argument.
func TestRunDecodedHashesOtherArguments(t *testing.T) {
	p := params("alice")
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("op" "id") [x] r) (next x))))`
	o := RunDecoded(script, nil, nil, nil, p)
	results := map[uint32]CallResult{1: {0, `["a","b","c"]`}}
	for len(o.CallRequests) > 0 {
		o = ResumeDecoded(script, o.Decoded, o.Paused, nil, results, p)
		if o.RetCode != 0 {
			t.Fatalf("%d %s", o.RetCode, o.ErrorMessage)
		}
		for _, r := range o.CallRequests {
			results = map[uint32]CallResult{r.ID: {0, r.Args[0].String()}}
		}
	}
	replay := RunDecoded(script, o.Decoded, nil, nil, p) // checks every call, and remembers
	if replay.RetCode != 0 || string(replay.Data) != string(o.Data) {
		t.Fatalf("replay: %d %s", replay.RetCode, replay.ErrorMessage)
	}
	again := RunDecoded(script, replay.Decoded, nil, nil, p) // from what it remembered
	if again.RetCode != 0 || string(again.Data) != string(o.Data) {
		t.Fatalf("second replay: %d %s", again.RetCode, again.ErrorMessage)
	}
	other := strings.ReplaceAll(script, "[x]", `["a"]`)
	d := RunDecoded(other, again.Decoded, nil, nil, p)
	b := Run(other, o.Data, nil, nil, p)
	if d.RetCode != CodeInstructionParametersMismatch || d.RetCode != b.RetCode || d.ErrorMessage != b.ErrorMessage {
		t.Fatalf("other arguments: decoded %d %q, encoded %d %q", d.RetCode, d.ErrorMessage, b.RetCode, b.ErrorMessage)
	}
}
