package interpreter_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Differential tests of the trace merge on data no honest network produces: a peer that ran a
// call twice with different results (or signed two versions of its work) hands out both, and
// another peer gets one as its previous data and the other as the current. The reference
// (AquaVM 0.62) rejects such data with an uncatchable trace error and keeps its previous data;
// aquanet must do the same, with the same code and message.
//
// The disagreeing versions are made by honest runs of one script with different call results,
// chosen so that each peer's signed values are the same multiset in both versions (the results
// are swapped between two calls, or a call's value equals another's error object): otherwise the
// signature merge rejects the data first (code 9), before the traces are merged.

// stepPeer returns the peer id and key of a named peer, as the oracle derives them.
func stepPeer(name string) (string, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	return data.PeerIDOf(k.Public().(ed25519.PublicKey)), k
}

// withPeerIDs writes "{{NAME}}" in script as NAME's peer id.
func withPeerIDs(script string, names ...string) string {
	for _, n := range names {
		id, _ := stepPeer(n)
		script = strings.ReplaceAll(script, "{{"+n+"}}", id)
	}
	return script
}

// runOurs runs steps through aquanet's interpreter as oracle.RunSteps runs them through AquaVM.
func runOurs(steps []oracle.Step) []interpreter.Outcome {
	outs := make([]interpreter.Outcome, len(steps))
	dataAt := func(k *int) []byte {
		if k == nil {
			return nil
		}
		return outs[*k].Data
	}
	for i, s := range steps {
		id, key := stepPeer(s.Peer)
		init, _ := stepPeer(s.Init)
		var results map[uint32]interpreter.CallResult
		if len(s.CallResults) > 0 {
			results = map[uint32]interpreter.CallResult{}
			for k, r := range s.CallResults {
				results[k] = interpreter.CallResult{RetCode: r.RetCode, Result: r.Result}
			}
		}
		outs[i] = interpreter.Run(s.Script, dataAt(s.Prev), dataAt(s.Current), results, interpreter.Params{
			InitPeerID: init, CurrentPeerID: id, ParticleID: oracle.StepParticleID,
			Timestamp: oracle.StepTimestamp, TTL: oracle.StepTTL, Key: key,
		})
	}
	return outs
}

func ref(i int) *int { return &i }

// mergeCase is a chain of steps whose last one merges disagreeing data.
type mergeCase struct {
	name  string
	steps []oracle.Step
	// wantCode and wantMessage (a part of it) are what the reference says at the last step.
	wantCode    int64
	wantMessage string
}

func ok(result string) oracle.StepCallResult { return oracle.StepCallResult{Result: result} }

func failure(code int32, result string) oracle.StepCallResult {
	return oracle.StepCallResult{RetCode: code, Result: result}
}

// version is one way bob runs the script: as a particle of init, answering its call requests
// round by round.
type version struct {
	init   string
	rounds []map[uint32]oracle.StepCallResult
}

// answers is a version of alice's particle in which bob answers in the given rounds.
func answers(rounds ...map[uint32]oracle.StepCallResult) version {
	return version{init: "alice", rounds: rounds}
}

// twoVersions builds the steps of a case: alice starts script (step 0); bob runs it on that data
// and answers its calls in two ways; then alice merges the first version, as her previous data,
// with the second, as the current.
func twoVersions(script string, first, second version) []oracle.Step {
	script = withPeerIDs(script, "alice", "bob", "carol")
	steps := []oracle.Step{{Peer: "alice", Init: "alice", Script: script}}
	run := func(v version) int {
		steps = append(steps, oracle.Step{Peer: "bob", Init: v.init, Script: script, Current: ref(0)})
		for _, r := range v.rounds {
			steps = append(steps, oracle.Step{Peer: "bob", Init: v.init, Script: script, Prev: ref(len(steps) - 1), CallResults: r})
		}
		return len(steps) - 1
	}
	a, b := run(first), run(second)
	return append(steps, oracle.Step{Peer: "alice", Init: "alice", Script: script, Prev: ref(a), Current: ref(b)})
}

// rounds is shorthand for call results.
type rounds = map[uint32]oracle.StepCallResult

// The reference's messages, after "on instruction '...' trace handler encountered an error: ".
const (
	notEqual     = "values in call results are not equal: "
	incompatible = "previous and current call results are incompatible: "
)

func mergeCases() []mergeCase {
	const pair = `(seq (par (call "{{bob}}" ("s" "f") [] x) (call "{{bob}}" ("s" "f") [] y)) (call "{{alice}}" ("op" "noop") [x y]))`
	const tryPair = `(seq (par (xor (call "{{bob}}" ("s" "f") [] x) (null)) (xor (call "{{bob}}" ("s" "f") [] y) (null))) (call "{{alice}}" ("op" "noop") []))`
	const streams = `(seq (par (call "{{bob}}" ("s" "f") [] $s) (call "{{bob}}" ("s" "f") [] $s)) (call "{{alice}}" ("op" "noop") []))`
	const try = `(seq (xor (call "{{bob}}" ("s" "f") [] x) (null)) (call "{{alice}}" ("op" "noop") []))`
	// A failed call's value is {"ret_code", "message"}: a service may return the same object.
	const failedObject = `{"ret_code":1,"message":"m"}`
	return []mergeCase{{
		name: "scalar results swapped",
		steps: twoVersions(pair,
			answers(rounds{1: ok("1"), 2: ok("2")}),
			answers(rounds{1: ok("2"), 2: ok("1")})),
		wantCode: interpreter.CodeTraceError, wantMessage: notEqual + "Scalar(",
	}, {
		name: "unused results differ",
		steps: twoVersions(`(seq (call "{{bob}}" ("s" "f") []) (call "{{alice}}" ("op" "noop") []))`,
			answers(rounds{1: ok("1")}),
			answers(rounds{1: ok("2")})),
		wantCode: interpreter.CodeTraceError, wantMessage: notEqual + "Unused(",
	}, {
		name: "stream results swapped",
		steps: twoVersions(streams,
			answers(rounds{1: ok("1"), 2: ok("2")}),
			answers(rounds{1: ok("2"), 2: ok("1")})),
		wantCode: interpreter.CodeTraceError, wantMessage: notEqual + "Stream {",
	}, {
		// The same result, in a scalar in one version and a stream in the other: the versions
		// took different branches (the particle's init peer differs).
		name: "scalar against stream",
		steps: twoVersions(`(seq (xor (match %init_peer_id% "{{alice}}" (call "{{bob}}" ("s" "f") [] x)) (call "{{bob}}" ("s" "f") [] $s)) (call "{{alice}}" ("op" "noop") []))`,
			answers(rounds{1: ok("1")}),
			version{init: "carol", rounds: []rounds{{1: ok("1")}}}),
		wantCode: interpreter.CodeTraceError, wantMessage: notEqual + "Scalar(",
	}, {
		name: "failures swapped",
		steps: twoVersions(tryPair,
			answers(rounds{1: failure(1, "m1"), 2: failure(1, "m2")}),
			answers(rounds{1: failure(1, "m2"), 2: failure(1, "m1")})),
		wantCode: interpreter.CodeTraceError, wantMessage: incompatible + "'Failed(",
	}, {
		name: "executed against failed",
		steps: twoVersions(try,
			answers(rounds{1: ok(failedObject)}),
			answers(rounds{1: failure(1, "m")})),
		wantCode: interpreter.CodeTraceError, wantMessage: incompatible + "'Executed(Scalar(",
	}, {
		name: "failed against executed",
		steps: twoVersions(try,
			answers(rounds{1: failure(1, "m")}),
			answers(rounds{1: ok(failedObject)})),
		wantCode: interpreter.CodeTraceError, wantMessage: incompatible + "'Failed(",
	}, {
		// The same values in other generations: accepted by the reference (generations differ
		// from peer to peer), so the merge must go through.
		name: "stream generations differ",
		steps: twoVersions(streams,
			answers(rounds{1: ok("1")}, rounds{2: ok("2")}),
			answers(rounds{2: ok("2")}, rounds{1: ok("1")})),
	}, {
		// Honest data that agrees: the control case.
		name: "same results",
		steps: twoVersions(pair,
			answers(rounds{1: ok("1"), 2: ok("2")}),
			answers(rounds{1: ok("1"), 2: ok("2")})),
	}}
}

// TestMergeRejectsDisagreeingDataAsReference runs every case through AquaVM and aquanet and
// requires the same outcome at every step (ret code, message, next peers, call requests, data),
// and at the last step the rejection each case expects, with the previous data kept.
func TestMergeRejectsDisagreeingDataAsReference(t *testing.T) {
	dir := oracle.Require(t)
	cases := mergeCases()
	var all []oracle.Step
	var ends []int
	for _, c := range cases {
		base := len(all)
		for _, s := range c.steps {
			for _, p := range []**int{&s.Prev, &s.Current} {
				if *p != nil {
					*p = ref(**p + base)
				}
			}
			all = append(all, s)
		}
		ends = append(ends, len(all))
	}
	refOuts, err := oracle.RunSteps(context.Background(), dir, all)
	if err != nil {
		t.Fatal(err)
	}
	start := 0
	for k, c := range cases {
		want := refOuts[start:ends[k]]
		start = ends[k]
		t.Run(c.name, func(t *testing.T) {
			got := runOurs(c.steps)
			for i := range c.steps {
				compareStep(t, i, got[i], want[i])
			}
			last := len(c.steps) - 1
			w, g := want[last], got[last]
			if w.RetCode != c.wantCode || !strings.Contains(w.ErrorMessage, c.wantMessage) {
				t.Fatalf("the reference's last step: %d %q; the case expects %d %q (the case does not build the data it means to)", w.RetCode, w.ErrorMessage, c.wantCode, c.wantMessage)
			}
			if c.wantCode == 0 {
				return
			}
			prev := *c.steps[last].Prev
			if string(g.Data) != string(got[prev].Data) {
				t.Errorf("our data after the rejection is not the previous data")
			}
			if canonRaw(t, w.Data) != canonRaw(t, want[prev].Data) {
				t.Errorf("the reference's data after the rejection is not the previous data (the test's premise)")
			}
		})
	}
}

// compareStep requires our outcome of step i to be the reference's.
func compareStep(t *testing.T, i int, got interpreter.Outcome, want oracle.StepOutcome) {
	t.Helper()
	if got.RetCode != want.RetCode || got.ErrorMessage != want.ErrorMessage {
		t.Errorf("step %d:\n ours: %d %q\n  ref: %d %q", i, got.RetCode, got.ErrorMessage, want.RetCode, want.ErrorMessage)
	}
	var ids []uint32
	for _, r := range got.CallRequests {
		ids = append(ids, r.ID)
	}
	if a, b := jsonText(ids), jsonText(want.CallRequests); a != b && !(len(ids) == 0 && len(want.CallRequests) == 0) {
		t.Errorf("step %d: call requests %s, reference %s", i, a, b)
	}
	if a, b := jsonText(got.NextPeers), jsonText(want.NextPeers); a != b && !(len(got.NextPeers) == 0 && len(want.NextPeers) == 0) {
		t.Errorf("step %d: next peers %s, reference %s", i, a, b)
	}
	view := json.RawMessage("null")
	if len(got.Data) > 0 {
		var err error
		if view, err = scenario.InterpreterDataView(got.Data); err != nil {
			t.Fatalf("step %d: our data: %v", i, err)
		}
	}
	if a, b := canonRaw(t, view), canonRaw(t, want.Data); a != b {
		t.Errorf("step %d: data differs\n ours: %s\n  ref: %s", i, a, b)
	}
}
