package interpreter_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/resumecheck"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

func peerKey(name string) (string, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	return data.PeerIDOf(k.Public().(ed25519.PublicKey)), k
}

func resumeParams(t *testing.T) interpreter.Params {
	t.Helper()
	id, key := peerKey("alice")
	return interpreter.Params{InitPeerID: id, CurrentPeerID: id, Timestamp: 1700000000000, TTL: 600000, ParticleID: "particle-1", Key: key}
}

// playLocal runs script on one peer as a node does, answering each call it asks for with
// answer, one call per run, until no call is left, a run fails or runs runs ran; every run is
// held to the replay of its data.
func playLocal(t *testing.T, script string, runs int, answer func(interpreter.CallRequest) interpreter.CallResult) *resumecheck.Runner {
	t.Helper()
	r := resumecheck.New()
	p := resumeParams(t)
	var prev []byte
	var pending []interpreter.CallRequest
	results := map[uint32]interpreter.CallResult{}
	for range runs {
		o := r.Run(script, prev, nil, results, p)
		if o.RetCode != 0 {
			break // the script failed: both ways, or r noted a difference
		}
		prev = o.Data
		pending = append(pending, o.CallRequests...)
		if len(pending) == 0 {
			break
		}
		results = map[uint32]interpreter.CallResult{pending[0].ID: answer(pending[0])}
		pending = pending[1:]
	}
	for _, d := range r.Diffs {
		t.Error(d)
	}
	return r
}

// echo answers a call with its arguments, and "items" with five numbers; "flaky" fails every
// other time.
func echo(c interpreter.CallRequest) interpreter.CallResult {
	switch {
	case c.Function == "items":
		return interpreter.CallResult{Result: `[1,2,3,4,5]`}
	case c.Function == "flaky" && c.ID%2 == 0:
		return interpreter.CallResult{RetCode: 3, Result: fmt.Sprintf(`"failed %d"`, c.ID)}
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return interpreter.CallResult{Result: `{"got":[` + strings.Join(args, ",") + `]}`}
}

// Scripts of seq, xor, match, new, folds over scalars, streams, canons, and pars that have
// ended pause at each call and resume from there: every run after the first goes on from the
// last, and gives what the replay of its data gives, byte for byte. What the resumed runs do
// after the part that could pause (a fold over a stream) is theirs to do.
func TestResumeGoesOnFromWhereTheRunPaused(t *testing.T) {
	const items = `(call %init_peer_id% ("s" "items") [] items)`
	for _, body := range []string{
		`(fold items x (seq (call %init_peer_id% ("op" "id") [x] r) (next x)))`,
		`(fold items x (seq (xor (call %init_peer_id% ("s" "flaky") [x] r) (call %init_peer_id% ("s" "caught") [:error:.$.message %last_error%.$.error_code])) (next x)))`,
		`(fold items x (seq (new y (seq (call %init_peer_id% ("s" "f") [x] y) (match y.$.got.[0] x (call %init_peer_id% ("s" "same") [y])))) (next x)))`,
		`(fold items x (seq (fold items z (seq (call %init_peer_id% ("s" "pair") [x z]) (next z))) (next x)) (call %init_peer_id% ("s" "last") []))`,
		`(seq (fold items x (seq (ap x y) (seq (xor (mismatch y 3 (call %init_peer_id% ("s" "f") [y])) (null)) (next x)))) (par (call %init_peer_id% ("s" "a") [] $s) (seq (canon %init_peer_id% $s #s) (call %init_peer_id% ("s" "all") [#s]))))`,
		`(xor (fold items x (seq (call %init_peer_id% ("s" "f") [x] r) (seq (xor (mismatch x 4 (null)) (fail 7 "stop")) (next x)))) (call %init_peer_id% ("s" "handled") [:error: %last_error%]))`,
		`(seq (par (ap 1 one) (call %init_peer_id% ("s" "f") [] two)) (fold items x (seq (call %init_peer_id% ("s" "g") [x one two]) (next x))))`,
		// As Aqua compiles a for loop that collects into a stream.
		`(new $res (seq (fold items x (seq (call %init_peer_id% ("s" "f") [x] $res) (next x))) (seq (canon %init_peer_id% $res #res) (call %init_peer_id% ("s" "all") [#res]))))`,
		`(seq (fold items x (seq (ap x $xs) (seq (ap (x x) %m) (seq (call %init_peer_id% ("s" "f") [x] $res) (next x))))) (seq (canon %init_peer_id% %m #%m) (fold $res r (seq (call %init_peer_id% ("s" "g") [r #%m]) (next r)))))`,
	} {
		script := `(seq ` + items + ` ` + body + `)`
		t.Run("", func(t *testing.T) {
			r := playLocal(t, script, 100, echo)
			if r.Resumed < 4 || r.Resumed != r.Paused && r.Resumed != r.Paused-1 {
				t.Errorf("%d runs paused, %d resumed: every run after a pause should resume", r.Paused, r.Resumed)
			}
		})
	}
}

// A run that asks for its call inside a par, or has folded over a stream, or failed on an
// ap-map's key or a canon's peer, does not pause: those would change the outcome of a run that
// skipped its replay. (Every call is answered 1.5, which is no map key and has no field.)
func TestRunsThatCannotPause(t *testing.T) {
	for _, tc := range []struct {
		script string
		paused int // runs that pause before the part that stops it
	}{
		{`(par (call %init_peer_id% ("s" "f") []) (call %init_peer_id% ("s" "g") []))`, 0},
		{`(par (null) (seq (call %init_peer_id% ("s" "f") [] x) (call %init_peer_id% ("s" "g") [x])))`, 0},
		{`(seq (ap 1 $s) (fold $s x (seq (call %init_peer_id% ("s" "g") [x]) (next x))))`, 0},
		{`(xor (ap (1.5 "v") %m) (call %init_peer_id% ("s" "g") []))`, 0},
		{`(seq (call %init_peer_id% ("s" "f") [] x) (xor (canon x.$.a $s #s) (call %init_peer_id% ("s" "g") [])))`, 1},
	} {
		r := playLocal(t, tc.script, 10, func(c interpreter.CallRequest) interpreter.CallResult {
			return interpreter.CallResult{Result: `1.5`}
		})
		if r.Paused != tc.paused {
			t.Errorf("%s: %d runs paused, want %d", tc.script, r.Paused, tc.paused)
		}
	}
}

// A paused run is resumed only by the run it expects; any other is a replay (RunDecoded), with
// the same outcome.
func TestResumeFallsBackToReplay(t *testing.T) {
	p := resumeParams(t)
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("op" "id") [x] r) (next x))))`
	first := interpreter.RunDecoded(script, nil, nil, nil, p)
	other := p
	other.Limits.MaxSteps = 5000
	bob, bobKey := peerKey("bob")
	sent := interpreter.Run(`(call "`+bob+`" ("s" "f") [])`, nil, nil, nil, p).Data
	for _, tc := range []struct {
		name    string
		script  string
		cur     []byte
		results map[uint32]interpreter.CallResult
		p       interpreter.Params
	}{
		{"another call's result", script, nil, map[uint32]interpreter.CallResult{7: {0, `[1]`}}, p},
		{"two results", script, nil, map[uint32]interpreter.CallResult{1: {0, `[1]`}, 2: {0, `1`}}, p},
		{"no result", script, nil, nil, p},
		{"current data", script, sent, map[uint32]interpreter.CallResult{1: {0, `[1]`}}, p},
		{"another script", script + " ", nil, map[uint32]interpreter.CallResult{1: {0, `[1]`}}, p},
		{"other limits", script, nil, map[uint32]interpreter.CallResult{1: {0, `[1]`}}, other},
		{"another peer", script, nil, map[uint32]interpreter.CallResult{1: {0, `[1]`}}, interpreter.Params{InitPeerID: p.InitPeerID, CurrentPeerID: bob, Key: bobKey, Timestamp: p.Timestamp, TTL: p.TTL, ParticleID: p.ParticleID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := interpreter.RunDecoded(script, nil, nil, nil, p)
			if o.Paused == nil {
				t.Fatal("the first run did not pause")
			}
			want := interpreter.Run(tc.script, first.Data, tc.cur, tc.results, tc.p)
			got := interpreter.ResumeDecoded(tc.script, o.Decoded, o.Paused, tc.cur, tc.results, tc.p)
			if got.Decoded == nil {
				got.Data = first.Data
			}
			if d := resumecheck.Diff(got, want); d != "" {
				t.Error(d)
			}
		})
	}
	// Used twice: the second is a replay of the data it is given.
	o := interpreter.RunDecoded(script, nil, nil, nil, p)
	res := map[uint32]interpreter.CallResult{1: {0, `[1,2]`}}
	kept, _ := data.Decode(o.Data)
	once := interpreter.ResumeDecoded(script, o.Decoded, o.Paused, nil, res, p)
	twice := interpreter.ResumeDecoded(script, kept, o.Paused, nil, res, p)
	if d := resumecheck.Diff(twice, once); d != "" {
		t.Errorf("resumed twice: %s", d)
	}
}

// A resumed run that fails leaves the data as it was, as RunDecoded does, whether it fails
// before its first state (a result over the memory budget) or after (the step budget, spent
// on the instructions after the call): the next run, a replay, gives what the replay of the
// encoded data gives.
func TestFailedResumeLeavesTheDataAsItWas(t *testing.T) {
	script := `(seq (call %init_peer_id% ("s" "items") [] items) (fold items x (seq (call %init_peer_id% ("op" "id") [x] r) (next x))))`
	pausedAt := func(p interpreter.Params) interpreter.Outcome {
		o := interpreter.RunDecoded(script, nil, nil, nil, p)
		o = interpreter.ResumeDecoded(script, o.Decoded, o.Paused, nil, map[uint32]interpreter.CallResult{1: {0, `[1,2,3]`}}, p)
		o = interpreter.ResumeDecoded(script, o.Decoded, o.Paused, nil, map[uint32]interpreter.CallResult{2: {0, `1`}}, p)
		if o.Paused == nil || o.RetCode != 0 {
			t.Fatalf("the run did not pause: %d %s", o.RetCode, o.ErrorMessage)
		}
		return o
	}
	steps := resumeParams(t)
	steps.Limits.MaxSteps = int(pausedAt(steps).Steps) // the resumed run needs more
	memory := resumeParams(t)
	memory.Limits.MaxMemory = 4000
	for _, tc := range []struct {
		name   string
		p      interpreter.Params
		result string
		code   int64
	}{
		{"memory", memory, `"` + strings.Repeat("x", 5000) + `"`, interpreter.CodeMemoryBudgetExceeded},
		{"steps", steps, `2`, interpreter.CodeStepBudgetExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := pausedAt(tc.p)
			before := o.Data
			failed := interpreter.ResumeDecoded(script, o.Decoded, o.Paused, nil, map[uint32]interpreter.CallResult{3: {0, tc.result}}, tc.p)
			if failed.RetCode != tc.code || failed.Decoded != nil {
				t.Fatalf("resumed: %d %s", failed.RetCode, failed.ErrorMessage)
			}
			if string(o.Decoded.Encode()) != string(before) {
				t.Fatal("the failed run changed the data it was given")
			}
			small := map[uint32]interpreter.CallResult{3: {0, `"x"`}}
			p := resumeParams(t)
			got := interpreter.ResumeDecoded(script, o.Decoded, o.Paused, nil, small, p)
			if d := resumecheck.Diff(got, interpreter.Run(script, before, nil, small, p)); d != "" {
				t.Error(d)
			}
		})
	}
}
